// The scripts' flags, parsed strictly like the CLI's (node:util parseArgs, as in app/config.ts): a mistyped
// flag stops a script at once with one line and exit code 2, instead of a run of many minutes without it.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { EXIT } from '../contract/exit-codes.ts';

/** The values of `options` in `args`; throws on an unknown flag, a flag without its value, or a positional. */
export function parseScriptArgs<const O extends ParseArgsOptionsConfig>(options: O, args: readonly string[]) {
  return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
}

/**
 * The script's flags (process.argv by default); on an unknown or malformed flag it prints
 * `SCRIPT: reason (usage: USAGE)` to stderr and exits 2, the CLI's code for a usage error.
 */
export function scriptArgs<const O extends ParseArgsOptionsConfig>(
  script: string,
  usage: string,
  options: O,
  args: readonly string[] = process.argv.slice(2),
) {
  try {
    return parseScriptArgs(options, args);
  } catch (error) {
    process.stderr.write(`${script}: ${(error as Error).message.split('\n')[0]} (usage: ${usage})\n`);
    return process.exit(EXIT.USAGE_OR_ENVIRONMENT);
  }
}
