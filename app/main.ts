// Entry-point wrapper for scripts: one-line errors and the exit codes the CLI documents
// (1: a claim failed, 2: usage or environment error).
import { redact } from '../lib/redact.ts';

export async function main(fn: () => Promise<number | void>): Promise<never> {
  try {
    const code = await fn();
    process.exit(code ?? 0);
  } catch (error) {
    const e = error as Error;
    const message = redact(e.message ?? String(error)).split('\n')[0];
    process.stderr.write(`kube-claims: ${message}\n`);
    if (process.env.KUBE_CLAIMS_VERBOSE) process.stderr.write(`${redact(e.stack ?? '')}\n`);
    process.exit(2);
  }
}
