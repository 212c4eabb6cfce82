// Processes of this host, told apart by pid and start time (a reused pid is another process), and only those
// of this host's own PID namespace: the processes inside kind's node containers (an etcd pod's etcdctl, say)
// show in /proc too, but belong to that cluster, not to whoever runs on this host.
import { readFileSync, readlinkSync } from 'node:fs';

/** Field 22 of /proc/PID/stat: the start time, which tells a reused pid from the original. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** "PID:START" of a process (default: this one): what a run marks the processes and containers it starts with. */
export function processIdentity(pid = process.pid): string {
  return `${pid}:${processStart(pid) ?? '?'}`;
}

/** Whether the process of `identity` ("PID:START") still runs on this host. */
export function processAlive(identity: string): boolean {
  const [pid, start] = identity.split(':');
  return !!pid && start !== '?' && processStart(Number(pid)) === start;
}

function pidNamespace(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Whether `pid` lives in this process's PID namespace (not inside a container). */
export function inOwnPidNamespace(pid: number): boolean {
  const own = pidNamespace('self');
  return own !== undefined && pidNamespace(pid) === own;
}
