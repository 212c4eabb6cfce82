// Where a step's CPU went, by process class, from two snapshots of /proc (before and after the step). The host's
// /proc shows the kind nodes' processes too (they are containers of this host), so kube-apiserver, etcd, kubelet
// and containerd are read directly. Short-lived processes are counted where they are reaped: kube-claims' own
// (vitest workers, kubectl, docker CLI) in this process's children's time, runc's (one per exec) in the
// containerd-shim that waited for it. A process that exits during the step without being reaped by one of these is
// not counted (the remainder is shown as such, never spread over the classes).
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** Own CPU (utime + stime) in seconds. */
  own: number;
  /** CPU of the children it reaped (cutime + cstime) in seconds. */
  reaped: number;
}

export type Snapshot = Map<number, ProcStat>;

export function parseStat(pid: number, text: string): ProcStat | undefined {
  // The command name is in parentheses and may hold spaces: the fields follow its last ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state): field N is f[N - 3].
  const n = (field: number) => Number(f[field - 3]) / TICKS;
  return { pid, ppid: Number(f[1]), comm, own: n(14) + n(15), reaped: n(16) + n(17) };
}

/** Every process's CPU so far (processes that end while /proc is read are left out). */
export function snapshot(): Snapshot {
  const s: Snapshot = new Map();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      // absent is the truth: a process that ended while /proc was read has no row (its parent reaps its time)
      continue;
    }
    const p = parseStat(pid, text);
    if (p) s.set(pid, p);
  }
  return s;
}

export const CPU_CLASSES = [
  'kube-claims',
  'runc',
  'kube-apiserver',
  'etcd',
  'containerd',
  'kubelet',
  'dockerd',
  'other control plane and add-ons',
  'other',
] as const;
export type CpuClass = (typeof CPU_CLASSES)[number];

const OWN_CLASS: Array<[RegExp, CpuClass]> = [
  [/^kube-apiserver$/, 'kube-apiserver'],
  [/^etcd$/, 'etcd'],
  [/^containerd(-shim.*)?$/, 'containerd'],
  [/^kubelet$/, 'kubelet'],
  [/^dockerd$/, 'dockerd'],
  [
    /^(kube-controller|kube-scheduler|kube-proxy|coredns|flanneld|local-path-prov|redis-server)/,
    'other control plane and add-ons',
  ],
];

/** Whether `pid` is `root` or runs under it (its parent chain in the snapshot). */
function under(s: Snapshot, pid: number, root: number): boolean {
  for (let p = s.get(pid), hops = 0; p && hops < 64; p = s.get(p.ppid), hops++) if (p.pid === root) return true;
  return false;
}

/**
 * CPU-seconds by class between two snapshots. `self` is the process that ran the step (its own time and that of
 * the children it reaped are kube-claims'); its running descendants are left to it.
 */
export function cpuByClass(before: Snapshot, after: Snapshot, self = process.pid): Record<CpuClass, number> {
  const out = Object.fromEntries(CPU_CLASSES.map((c) => [c, 0])) as Record<CpuClass, number>;
  for (const [pid, a] of after) {
    const b = before.get(pid);
    // A pid seen twice with another command is a new process: all of its time falls in the step.
    const was = b && b.comm === a.comm ? b : { own: 0, reaped: 0 };
    const own = Math.max(0, a.own - was.own);
    const reaped = Math.max(0, a.reaped - was.reaped);
    if (pid === self) {
      out['kube-claims'] += own + reaped;
      continue;
    }
    if (under(after, pid, self)) continue;
    if (/^containerd-shim/.test(a.comm)) out.runc += reaped;
    const cls = OWN_CLASS.find(([re]) => re.test(a.comm))?.[1] ?? 'other';
    out[cls] += own;
  }
  for (const c of CPU_CLASSES) out[c] = Math.round(out[c] * 10) / 10;
  return out;
}
