import { describe, expect, test } from 'vitest';
import { cpuByClass, parseStat, type Snapshot } from './process-cpu.ts';

// /proc/11512/stat of kc-dev's kube-apiserver, read from the host on 2026-12-07 15:12 UTC (CLK_TCK 100).
const APISERVER =
  '11512 (kube-apiserver) S 11277 11512 11512 0 -1 4194560 84065 632 4 0 3084 1497 2 0 20 0 11 0 4847037 1665503232 74717 18446744073709551615 4194304 50572465 140721900255136 0 0 0 1002060288 0 2143420159 0 0 0 17 1 0 0 0 0 0 102526976 103484672 487108608 140721900259770 140721900261182 140721900261182 140721900261338 0';

const proc = (pid: number, ppid: number, comm: string, own: number, reaped = 0) => ({ pid, ppid, comm, own, reaped });
const snap = (...ps: ReturnType<typeof proc>[]): Snapshot => new Map(ps.map((p) => [p.pid, p]));

describe('CPU by process class', () => {
  test('a /proc stat line: own time utime + stime, reaped time cutime + cstime, in seconds', () => {
    expect(parseStat(11512, APISERVER)).toEqual({
      pid: 11512,
      ppid: 11277,
      comm: 'kube-apiserver',
      own: 45.81,
      reaped: 0.02,
    });
    expect(parseStat(7, '7 (a (b) c) S 1 7 7 0 -1 0 0 0 0 0 100 50 0 0')?.comm).toBe('a (b) c');
  });

  test('kube-claims is this process with what it reaped; runc what the shims reaped; new processes count whole', () => {
    const before = snap(
      proc(100, 1, 'node', 1, 0),
      proc(200, 1, 'kube-apiserver', 10),
      proc(300, 1, 'containerd-shim', 1, 2),
    );
    const after = snap(
      proc(100, 1, 'node', 3, 5),
      proc(101, 100, 'kubectl', 0.5),
      proc(200, 1, 'kube-apiserver', 14),
      proc(300, 1, 'containerd-shim', 1.5, 6),
      proc(400, 1, 'etcd', 2),
    );
    const cpu = cpuByClass(before, after, 100);
    expect(cpu).toMatchObject({ 'kube-claims': 7, 'kube-apiserver': 4, runc: 4, containerd: 0.5, etcd: 2, other: 0 });
  });
});
