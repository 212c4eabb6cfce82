// ETCD-01, observed on the node: which processes hold TCP connections to etcd's client port.
// Pure functions of what was read there: /proc/net/tcp{,6}, the socket inodes of each process's fds, and
// each client process's name, command line and whether it carries this run's marker.
import { finding, type Differences } from '../../differences.ts';

export interface TcpEntry {
  local: string;
  remote: string;
  /** /proc/net/tcp's st: 01 is ESTABLISHED. */
  state: string;
  inode: string;
}

/** "0100007F:094B" (IPv4, little-endian) or a 32-digit IPv6 address → "127.0.0.1:2379" / "[::1]:2379". */
export function decodeEndpoint(hex: string): string {
  const [addr = '', port = ''] = hex.split(':');
  const p = parseInt(port, 16);
  if (addr.length === 8) return `${[6, 4, 2, 0].map((i) => parseInt(addr.slice(i, i + 2), 16)).join('.')}:${p}`;
  // IPv6: four 32-bit words, each little-endian.
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++)
    for (const i of [6, 4, 2, 0]) bytes.push(parseInt(addr.slice(w * 8 + i, w * 8 + i + 2), 16));
  // An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4 peer.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `${bytes.slice(12).join('.')}:${p}`;
  const groups = Array.from({ length: 8 }, (_, g) => ((bytes[g * 2]! << 8) | bytes[g * 2 + 1]!).toString(16));
  return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${p}`;
}

/** The entries of /proc/net/tcp and /proc/net/tcp6 (their header lines skipped). */
export function parseProcNetTcp(text: string): TcpEntry[] {
  return text.split('\n').flatMap((line) => {
    const f = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(f[0] ?? '')) return [];
    return [{ local: decodeEndpoint(f[1]!), remote: decodeEndpoint(f[2]!), state: f[3]!, inode: f[9]! }];
  });
}

export interface ProcessInfo {
  pid: number;
  /** /proc/PID/comm. */
  comm: string;
  cmdline: string;
  /** Carries this run's marker (an etcdctl this run started). */
  ours: boolean;
}

export type ClientKind = 'kube-apiserver' | 'etcd itself' | 'this run' | 'port-forward' | 'other';

export interface EtcdClient {
  /** The client's endpoint. */
  endpoint: string;
  process?: ProcessInfo;
  kind: ClientKind;
}

/** Container runtimes relay a pods/portforward (authorized by the API server) from inside the runtime process. */
const RUNTIMES = new Set(['containerd', 'crio', 'dockerd', 'cri-dockerd']);

export function classify(p: ProcessInfo | undefined): ClientKind {
  if (!p) return 'other';
  if (p.comm === 'kube-apiserver') return 'kube-apiserver';
  if (p.comm === 'etcd') return 'etcd itself';
  if (p.ours) return 'this run';
  if (RUNTIMES.has(p.comm)) return 'port-forward';
  return 'other';
}

/**
 * The clients of etcd's client port: every ESTABLISHED connection etcd accepted on `port`, matched with the
 * client socket of the same connection and the process that holds it (when it is in the node's network
 * namespace; a client elsewhere stays without a process).
 */
export function etcdClients(
  entries: TcpEntry[],
  port: number,
  inodePids: Map<string, number>,
  processes: Map<number, ProcessInfo>,
): EtcdClient[] {
  const established = entries.filter((e) => e.state === '01');
  const accepted = established.filter((e) => e.local.endsWith(`:${port}`));
  return accepted.map((server) => {
    const client = established.find((e) => e.local === server.remote && e.remote === server.local);
    const pid = client ? inodePids.get(client.inode) : undefined;
    const process = pid === undefined ? undefined : processes.get(pid);
    return { endpoint: server.remote, process, kind: classify(process) };
  });
}

/** Only kube-apiserver talks to etcd: it holds connections, and no other component does. */
export function checkEtcdClients(clients: EtcdClient[]): Differences {
  const diffs: Differences = [];
  if (!clients.some((c) => c.kind === 'kube-apiserver'))
    diffs.push(
      finding('apiserver-connected', "kube-apiserver holds no connection to etcd's client port", {
        expected: 'kube-apiserver',
        actual: 'no connection',
      }),
    );
  for (const c of clients.filter((x) => x.kind === 'other')) {
    diffs.push(
      finding(
        'other-client',
        c.process
          ? `${c.process.comm} (pid ${c.process.pid}: ${c.process.cmdline.slice(0, 120)}) holds a connection to etcd from ${c.endpoint}`
          : `a client at ${c.endpoint}, outside the node's network namespace, holds a connection to etcd`,
        {
          expected: 'kube-apiserver only',
          actual: c.process ? `${c.process.comm}: ${c.process.cmdline.slice(0, 120)}` : c.endpoint,
        },
      ),
    );
  }
  return diffs;
}

/** The clients as a table for the evidence. */
export function describeClients(clients: EtcdClient[]): string {
  const rows = new Map<string, number>();
  for (const c of clients) {
    const who = c.process ? `${c.process.comm} (pid ${c.process.pid})` : `unknown client ${c.endpoint}`;
    const key = `${who} — ${c.kind}`;
    rows.set(key, (rows.get(key) ?? 0) + 1);
  }
  return [...rows].map(([k, n]) => `${k}: ${n} connection(s)`).join('\n') || '(no connection)';
}
