// Entry-point wrapper: one-line errors and the exit codes the CLI documents (contract/exit-codes.ts): what
// the command returns, or USAGE_OR_ENVIRONMENT (2) for anything it throws.
import { EXIT, type AnyExitCode } from '../contract/exit-codes.ts';
import { isVerbose } from '../helpers/log.ts';
import { redact } from '../helpers/redact.ts';

export async function main(fn: () => Promise<AnyExitCode | void>): Promise<never> {
  try {
    const code = await fn();
    process.exit(code ?? EXIT.PASSED);
  } catch (error) {
    const e = error as Error;
    const message = redact(e.message ?? String(error)).split('\n')[0];
    process.stderr.write(`kube-claims: ${message}\n`);
    if (isVerbose()) process.stderr.write(`${redact(e.stack ?? '')}\n`);
    process.exit(EXIT.USAGE_OR_ENVIRONMENT);
  }
}
