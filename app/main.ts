// Entry-point wrapper: one-line errors and the exit codes the CLI documents
// (0 all selected claims passed, 1 a claim failed, 2 usage or environment error, 3 claims unchecked).
import { isVerbose } from '../helpers/log.ts';
import { redact } from '../helpers/redact.ts';

export async function main(fn: () => Promise<number | void>): Promise<never> {
  try {
    const code = await fn();
    process.exit(code ?? 0);
  } catch (error) {
    const e = error as Error;
    const message = redact(e.message ?? String(error)).split('\n')[0];
    process.stderr.write(`kube-claims: ${message}\n`);
    if (isVerbose()) process.stderr.write(`${redact(e.stack ?? '')}\n`);
    process.exit(2);
  }
}
