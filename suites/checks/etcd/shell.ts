// ETCD-15: the etcd container has sh and no bash; its sh is bash in POSIX mode, whose prompt is bash's default.
import { finding, type Differences } from '../../differences.ts';
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
  /** The version stamp in the bytes of the image's /bin/sh ("Bash version 5.2.15(1) release GNU"), read as a file. */
  binaryStamp: CommandOutcome;
  /** The Uid line of /proc/self/status (real, effective, saved, filesystem): the kernel's, not the shell's. */
  uid: CommandOutcome;
}

/** bash's documented default PS1 (bash(1), Shell Variables: "The default value is \s-\v\$ "). */
export const BASH_DEFAULT_PS1 = '\\s-\\v\\$ ';

/** Bash's version as its binary stamps it (version.c sccs_version: "@(#)Bash version 5.2.15(1) release GNU"). */
export function stampedBashVersion(stamp: string): { major: string; minor: string; full: string } | undefined {
  const m = /Bash version ((\d+)\.(\d+)\.\d+\S*)/.exec(stamp);
  return m ? { full: m[1]!, major: m[2]!, minor: m[3]! } : undefined;
}

/** The default prompt as bash expands it: \s the shell's name, \v its MAJOR.MINOR, \$ # for uid 0 (else $). */
export function expandDefaultPrompt(
  name: string,
  version: { major: string; minor: string },
  effectiveUid: number,
): string {
  return BASH_DEFAULT_PS1.replace('\\s', name)
    .replace('\\v', `${version.major}.${version.minor}`)
    .replace('\\$', effectiveUid === 0 ? '#' : '$');
}

/**
 * The container has sh and no bash, and its sh is bash (in POSIX mode) whose prompt is bash's default for its version.
 */
export function checkShellIsBashAsSh(o: ShellObservation): Differences {
  const diffs: Differences = [];
  const version = o.bashVersion.stdout.trim();
  if (o.bashVersion.exitCode !== 0)
    diffs.push(
      finding('sh-runs', `sh does not run: exit ${o.bashVersion.exitCode}: ${lastLine(o.bashVersion.stderr)}`, {
        expected: 0,
        actual: o.bashVersion.exitCode,
      }),
    );
  else if (!/^\d+\.\d+/.test(version))
    diffs.push(
      finding('sh-is-bash', `sh is not bash: $BASH_VERSION is ${JSON.stringify(version)}`, {
        expected: 'a $BASH_VERSION',
        actual: version,
      }),
    );
  const which = o.whichBash.stdout.trim();
  if (which && which !== '(none)')
    diffs.push(finding('bash-not-on-path', `bash is on PATH at ${which}`, { expected: '(none)', actual: which }));
  if (o.runBash.exitCode === 0)
    diffs.push(
      finding('bash-not-runnable', '`bash` can be executed in the container', {
        expected: 'bash not found',
        actual: 'exit 0',
      }),
    );
  // The expected prompt from bash's documented default, the image's binary and the kernel's uid: not from the shell's
  // own variables.
  const stamped = stampedBashVersion(o.binaryStamp.stdout);
  const euid = Number(/^\s*\d+\s+(\d+)/.exec(o.uid.stdout)?.[1] ?? NaN);
  if (!stamped)
    diffs.push(
      finding(
        'bash-stamp',
        `no bash version stamp in the image's /bin/sh (${o.binaryStamp.exitCode ? `exit ${o.binaryStamp.exitCode}: ${lastLine(o.binaryStamp.stderr)}` : 'none found'})`,
        { expected: 'a bash version stamp', actual: 'none' },
      ),
    );
  else if (version && !version.startsWith(stamped.full))
    diffs.push(
      finding('bash-version', `$BASH_VERSION ${version} is not the version stamped in /bin/sh, ${stamped.full}`, {
        expected: stamped.full,
        actual: version,
      }),
    );
  if (Number.isNaN(euid))
    diffs.push(
      finding('euid', `no effective uid in /proc/self/status (${JSON.stringify(o.uid.stdout.trim())})`, {
        expected: 'an effective uid',
        actual: o.uid.stdout.trim(),
      }),
    );
  if (stamped && !Number.isNaN(euid)) {
    const want = expandDefaultPrompt('sh', stamped, euid).trim();
    if (o.prompt.stdout.trim() !== want)
      diffs.push(
        finding(
          'prompt',
          `the interactive prompt is ${JSON.stringify(o.prompt.stdout.trim())}, not bash's default "${BASH_DEFAULT_PS1}" for sh ${stamped.major}.${stamped.minor} as uid ${euid}: ${JSON.stringify(want)}`,
          { expected: want, actual: o.prompt.stdout.trim() },
        ),
      );
  }
  return diffs;
}
