// ETCD-01's socket observation on recorded /proc data.
import { describe, expect, test } from 'vitest';
import { checkEtcdClients, decodeEndpoint, etcdClients, parseProcNetTcp, type ProcessInfo } from './sockets.ts';

// /proc/net/tcp lines: kube-apiserver (pid 10) and an etcdctl (pid 20) connected to etcd (pid 1) on 127.0.0.1:2379.
const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 0100007F:094B 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0',
  '   1: 0100007F:094B 0100007F:B2A4 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0000000000000000 20 4 30 10 -1',
  '   2: 0100007F:B2A4 0100007F:094B 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0000000000000000 20 4 30 10 -1',
  '   3: 0100007F:094B 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 103 1 0000000000000000 20 4 30 10 -1',
  '   4: 0100007F:C350 0100007F:094B 01 00000000:00000000 00:00000000 00000000     0        0 104 1 0000000000000000 20 4 30 10 -1',
].join('\n');
const inodes = new Map([
  ['101', 1],
  ['102', 10],
  ['103', 1],
  ['104', 20],
]);
const proc = (pid: number, comm: string, ours = false): ProcessInfo => ({ pid, comm, cmdline: comm, ours });

describe("etcd's clients from /proc", () => {
  test('endpoints decode from little-endian hex', () => {
    expect(decodeEndpoint('0100007F:094B')).toBe('127.0.0.1:2379');
    expect(decodeEndpoint('0000000000000000FFFF00000100007F:094B')).toBe('127.0.0.1:2379');
  });
  test("kube-apiserver and this run's etcdctl pass; a stranger is named", () => {
    const entries = parseProcNetTcp(TCP);
    const ours = etcdClients(
      entries,
      2379,
      inodes,
      new Map([
        [10, proc(10, 'kube-apiserver')],
        [20, proc(20, 'etcdctl', true)],
      ]),
    );
    expect(ours.map((c) => c.kind)).toEqual(['kube-apiserver', 'this run']);
    expect(checkEtcdClients(ours)).toEqual([]);
    const stranger = etcdClients(
      entries,
      2379,
      inodes,
      new Map([
        [10, proc(10, 'kube-apiserver')],
        [20, proc(20, 'etcdctl')],
      ]),
    );
    expect(checkEtcdClients(stranger)).toEqual([
      {
        check: 'other-client',
        expected: 'kube-apiserver only',
        actual: 'etcdctl: etcdctl',
        message: 'etcdctl (pid 20: etcdctl) holds a connection to etcd from 127.0.0.1:50000',
      },
    ]);
  });
  test('without kube-apiserver among them, that is said', () => {
    const c = etcdClients(parseProcNetTcp(TCP), 2379, new Map(), new Map());
    expect(checkEtcdClients(c).map((f) => f.check)).toContain('apiserver-connected');
  });
});
