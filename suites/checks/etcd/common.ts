// What the checks of §4 (etcd) share: command lines and etcdctl's output parsed, a command's outcome, why it failed.
// Pure functions of observations; the checks of each claim are in the files beside this one.

/** What a command (etcdctl in the pod, an etcd3 call of the test process) gave. */
export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `--flag=value` / `--flag value` arguments of a command line, by flag name. */
export function parseFlags(command: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < command.length && !command[i + 1]!.startsWith('-')) flags.set(arg.slice(2), command[++i]!);
    else flags.set(arg.slice(2), '');
  }
  return flags;
}

/** etcdctl's JSON with its uint64 IDs kept exact (as decimal strings). */
export function parseEtcdJson<T>(text: string): T {
  return JSON.parse(
    text.replace(/("(?:ID|id|member_id|cluster_id|leader|raft_term|ttl|granted-ttl)"\s*:\s*)(\d{16,})/g, '$1"$2"'),
  ) as T;
}

export const hex = (decimal: string | number) => BigInt(decimal).toString(16);

/** Keys of `etcdctl get PREFIX --prefix --keys-only` (each key followed by an empty line). */
export function parseKeysOnly(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.length > 0);
}

/**
 * Why a command failed, in one line: etcdctl logs the transport's reason as JSON ("error" of its warn lines)
 * before its terse "Error: context deadline exceeded"; other clients' messages are used as they are.
 */
export function failureReason(stderr: string): string {
  const reasons = stderr.split('\n').flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try {
      const e = (JSON.parse(l) as { error?: string }).error;
      return e ? [e] : [];
    } catch {
      return [];
    }
  });
  const text = reasons.at(-1) ?? stderr.trim().split('\n').filter(Boolean).join(' ');
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

export const firstLines = (s: string, n = 3) => s.trim().split('\n').slice(0, n).join(' | ');
export const lastLine = (s: string) => (s.trim().split('\n').at(-1) ?? '').slice(0, 300);
