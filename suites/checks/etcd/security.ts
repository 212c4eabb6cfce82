// ETCD-05: etcd refuses connections without a client certificate, over plain http, and to the default endpoint.
import { finding, type Differences } from '../../differences.ts';
import { failureReason, firstLines, type CommandOutcome } from './common.ts';

export type ProbeName =
  | 'no client certificate'
  | 'plain http'
  | 'default endpoint'
  | 'etcd3 without a client certificate'
  | 'etcd3 over plain http';

export interface ProbeObservation extends CommandOutcome {
  probe: ProbeName;
  /** What was run, for messages. */
  command: string;
}

/** Errors that mean the connection itself was refused (TLS, transport), as opposed to a broken probe. */
const REFUSAL =
  /deadline exceeded|handshake|certificate|tls|broken pipe|connection reset|server preface|EOF|UNAVAILABLE|connection refused|Failed to connect|No connection established/i;

/**
 * Each probe was refused, and the control probe, made at the same moment with the right certificates (or the
 * way the server accepts), succeeded: an etcd that cannot be reached refuses nothing, so then nothing is judged.
 */
export function checkRefusals(
  observations: ProbeObservation[],
  required: readonly ProbeName[],
  control: CommandOutcome & { command: string },
): Differences {
  if (control.exitCode !== 0) {
    return [
      finding(
        'control-reaches-etcd',
        `etcd could not be reached with the right certificates either (\`${control.command}\` exited ${control.exitCode}: ${failureReason(control.stderr)}): the refusals prove nothing`,
        { expected: 'exit 0', actual: `exit ${control.exitCode}` },
      ),
    ];
  }
  const diffs: Differences = [];
  for (const probe of required)
    if (!observations.some((o) => o.probe === probe))
      diffs.push(finding('probe-run', `probe "${probe}" was not run`, { expected: probe, actual: 'not run' }));
  for (const o of observations) {
    if (o.exitCode === 0) {
      diffs.push(
        finding(
          'probe-refused',
          `${o.probe} accepted: \`${o.command}\` succeeded and returned ${JSON.stringify(firstLines(o.stdout, 2).slice(0, 200))}`,
          { expected: `${o.probe}: refused`, actual: `${o.probe}: accepted` },
        ),
      );
    } else if (o.stdout.trim()) {
      diffs.push(
        finding(
          'probe-no-data',
          `${o.probe}: \`${o.command}\` failed (exit ${o.exitCode}) but returned data: ${JSON.stringify(firstLines(o.stdout, 2).slice(0, 200))}`,
          { expected: `${o.probe}: no data`, actual: firstLines(o.stdout, 2).slice(0, 200) },
        ),
      );
    } else if (!REFUSAL.test(o.stderr)) {
      diffs.push(
        finding(
          'probe-refusal-reason',
          `${o.probe}: \`${o.command}\` failed for another reason than a refused connection: ${failureReason(o.stderr)}`,
          { expected: `${o.probe}: a refused connection`, actual: failureReason(o.stderr) },
        ),
      );
    }
  }
  return diffs;
}
