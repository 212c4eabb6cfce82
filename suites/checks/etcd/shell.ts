// ETCD-15: the etcd container has sh and no bash; its sh is bash in POSIX mode.
import type { Differences } from '../../differences.ts';
import { lastLine, type CommandOutcome } from './common.ts';

export interface ShellObservation {
  /** sh -c 'echo "$BASH_VERSION"' */
  bashVersion: CommandOutcome;
  /** sh -c 'command -v bash || echo "(none)"' */
  whichBash: CommandOutcome;
  /** bash -c true, executed directly */
  runBash: CommandOutcome;
  /** sh -ic 'echo "${PS1@P}"': the default prompt, expanded */
  prompt: CommandOutcome;
}

/** The container has sh and no bash, and its sh is bash (in POSIX mode) whose prompt reads sh-MAJOR.MINOR#. */
export function checkShellIsBashAsSh(o: ShellObservation): Differences {
  const diffs: Differences = [];
  const version = o.bashVersion.stdout.trim();
  if (o.bashVersion.exitCode !== 0) diffs.push(`sh does not run: exit ${o.bashVersion.exitCode}: ${lastLine(o.bashVersion.stderr)}`);
  else if (!/^\d+\.\d+/.test(version)) diffs.push(`sh is not bash: $BASH_VERSION is ${JSON.stringify(version)}`);
  const which = o.whichBash.stdout.trim();
  if (which && which !== '(none)') diffs.push(`bash is on PATH at ${which}`);
  if (o.runBash.exitCode === 0) diffs.push('`bash` can be executed in the container');
  const [major, minor] = version.split('.');
  const want = `sh-${major}.${minor}#`;
  if (major && o.prompt.stdout.trim() !== want) diffs.push(`the interactive prompt is ${JSON.stringify(o.prompt.stdout.trim())}, not ${JSON.stringify(want)}`);
  return diffs;
}
