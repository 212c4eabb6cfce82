// ETCD-04: the ETCDCTL_* environment variables replace the command-line flags.
import { finding, type Differences } from '../../differences.ts';
import { failureReason, type CommandOutcome } from './common.ts';

export function checkSameOutcome(
  withFlags: CommandOutcome,
  withEnv: CommandOutcome,
  obsolete: string[] = [],
): Differences {
  const diffs: Differences = [];
  if (withFlags.exitCode !== 0)
    diffs.push(
      finding('flags-exit', `with flags: exit ${withFlags.exitCode} (${failureReason(withFlags.stderr)})`, {
        expected: 0,
        actual: withFlags.exitCode,
      }),
    );
  if (withEnv.exitCode !== withFlags.exitCode)
    diffs.push(
      finding(
        'env-exit',
        `with ETCDCTL_* only: exit ${withEnv.exitCode} (${failureReason(withEnv.stderr) || 'no error'}), with flags: exit ${withFlags.exitCode}`,
        { expected: withFlags.exitCode, actual: withEnv.exitCode },
      ),
    );
  if (withEnv.stdout !== withFlags.stdout)
    diffs.push(
      finding(
        'env-output',
        `with ETCDCTL_* only the output is ${JSON.stringify(withEnv.stdout.slice(0, 200))}, with flags ${JSON.stringify(withFlags.stdout.slice(0, 200))}`,
        { expected: withFlags.stdout.slice(0, 200), actual: withEnv.stdout.slice(0, 200) },
      ),
    );
  const warnings = withEnv.stderr.split('\n').filter((l) => /unrecognized environment variable/.test(l));
  for (const w of warnings) {
    const name = /"environment-variable":"([^"=]+)/.exec(w)?.[1];
    if (!name || !obsolete.includes(name))
      diffs.push(
        finding('variable-recognized', `etcdctl ignored a variable: ${name ?? w.slice(0, 200)}`, {
          expected: 'none ignored',
          actual: name ?? w.slice(0, 200),
        }),
      );
  }
  return diffs;
}
