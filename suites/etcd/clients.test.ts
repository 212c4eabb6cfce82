// §4 of the article: only kube-apiserver talks to etcd; kube-controller-manager, kube-scheduler and kubelet
// reach the API server instead. Checked twice: the flags and kubeconfigs of the components, and the TCP
// connections to etcd's client port on the node with the processes that hold them.
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe } from 'vitest';
import { EtcdPod } from '../../helpers/etcd/etcdctl.ts';
import { nodeExec, nodeExecOk } from '../../helpers/node.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkOnlyApiServerTalksToEtcd, type EtcdClientsObservation } from '../checks/etcd/clients.ts';
import { parseFlags } from '../checks/etcd/common.ts';
import { checkEtcdClients, describeClients, etcdClients, parseProcNetTcp, type EtcdClient, type ProcessInfo } from '../checks/etcd/sockets.ts';
import { schedulerWithEtcdFlag } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import { eventually } from '../eventually.ts';
import type { Live } from '../live.ts';
import { PROCESS_MARKER } from '../../helpers/kubectl.ts';
import { runHash } from '../../contract/run-id.ts';
import { staticPodCommand, withEnv } from './fixture.ts';
import { controlPlaneNodes, onNode } from '../observations.ts';
import { parse } from 'yaml';
import { unlessNotFound } from '../../helpers/not-found.ts';

async function observeEtcdClients({ cluster: c, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<EtcdClientsObservation> {
  const [apiserver, controllerManager, scheduler, etcd] = await Promise.all(
    ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'].map((component) => staticPodCommand({ cluster: c, kube }, component)),
  );
  const kubeletPid = (await nodeExecOk(c, ['pgrep', '-x', 'kubelet'])).trim().split('\n')[0]!;
  const kubelet = (await nodeExecOk(c, ['cat', `/proc/${kubeletPid}/cmdline`])).split('\0').filter(Boolean);
  const node = await kube.core.readNode({ name: c.nodeName });
  // absent is the truth: without kubeadm-config nothing names a controlPlaneEndpoint; a refusal is thrown
  const cm = await unlessNotFound(kube.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' }));
  const controlPlaneEndpoint = (parse(cm?.data?.ClusterConfiguration ?? '{}') as { controlPlaneEndpoint?: string } | null)?.controlPlaneEndpoint || undefined;
  const kubeconfigServers: Record<string, string> = {};
  for (const command of [controllerManager!, scheduler!, kubelet]) {
    const path = parseFlags(command).get('kubeconfig');
    // kubectl on the node prints only the server of the file's current context (no credentials leave the node).
    if (path) kubeconfigServers[path] = (await nodeExecOk(c, ['kubectl', 'config', 'view', '--kubeconfig', path, '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])).trim();
  }
  return {
    apiserver: apiserver!, controllerManager: controllerManager!, scheduler: scheduler!, etcd: etcd!, kubelet, kubeconfigServers,
    nodeAddresses: (node.status?.addresses ?? []).map((a) => a.address), controlPlaneEndpoint,
  };
}

/** etcd's client port: from its --listen-client-urls (kubeadm: https://127.0.0.1:2379,https://NODE-IP:2379). */
async function etcdClientPort(live: Pick<Live, 'cluster' | 'kube'>): Promise<number> {
  const urls = (parseFlags(await staticPodCommand(live, 'etcd')).get('listen-client-urls') ?? '').split(',');
  const port = urls.map((u) => (URL.canParse(u) ? Number(new URL(u).port) : 0)).find(Boolean);
  if (!port) throw new Error('etcd has no --listen-client-urls with a port');
  return port;
}

/** The connections to etcd's client port on the node, with the processes that hold them (read from /proc there). */
async function observeSockets({ cluster: c, kube, run }: Pick<Live, 'cluster' | 'kube' | 'run'>): Promise<{ clients: EtcdClient[]; port: number }> {
  const port = await etcdClientPort({ cluster: c, kube });
  // Connections are read before and after the sockets of the processes, and after the processes themselves:
  // only those open all along are judged (a short-lived client, an etcdctl of another test ending meanwhile,
  // would have no process left).
  const tcpBefore = await nodeExecOk(c, ['cat', '/proc/net/tcp', '/proc/net/tcp6']);
  // Processes that end while find walks /proc make it exit 1: what it printed stands.
  const fds = (await nodeExec(c, ['find', '/proc', '-mindepth', '3', '-maxdepth', '3', '-path', '/proc/[0-9]*/fd/*', '-lname', 'socket:*', '-printf', '%h %l\\n'])).stdout;
  const tcp = await nodeExecOk(c, ['cat', '/proc/net/tcp', '/proc/net/tcp6']);
  const inodePids = new Map<string, number>();
  for (const line of fds.split('\n')) {
    const m = /^\/proc\/(\d+)\/fd socket:\[(\d+)\]$/.exec(line.trim());
    if (m) inodePids.set(m[2]!, Number(m[1]));
  }
  const before = new Set(parseProcNetTcp(tcpBefore).map((e) => `${e.local} ${e.remote} ${e.inode}`));
  const entries = parseProcNetTcp(tcp).filter((e) => before.has(`${e.local} ${e.remote} ${e.inode}`));
  const pids = [...new Set(entries.map((e) => inodePids.get(e.inode)).filter((p): p is number => p !== undefined))];
  // One line per process: PID, name, whether it carries this run's marker, its command line.
  const script = `for p; do m=0; tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -qx "${PROCESS_MARKER}=$H" && m=1; printf '%s\\t%s\\t%s\\t%s\\n' "$p" "$(cat /proc/$p/comm 2>/dev/null)" "$m" "$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null)"; done`;
  const info = await nodeExecOk(c, ['env', `H=${runHash(run.runId)}`, 'sh', '-c', script, 'sh', ...pids.map(String)]);
  const processes = new Map<number, ProcessInfo>();
  for (const line of info.split('\n').filter(Boolean)) {
    const [pid, comm, ours, cmdline] = line.split('\t');
    processes.set(Number(pid), { pid: Number(pid), comm: comm ?? '', ours: ours === '1', cmdline: (cmdline ?? '').trim() });
  }
  // And once more after the processes were read: a client that ended while they were (an etcdctl of this
  // run's other files, whose name and marker could then no longer be read) is not judged either (seen once
  // in 20 runs: a connection of a process gone by then, taken for a client from elsewhere).
  const after = new Set(parseProcNetTcp(await nodeExecOk(c, ['cat', '/proc/net/tcp', '/proc/net/tcp6'])).map((e) => `${e.local} ${e.remote} ${e.inode}`));
  const lasting = entries.filter((e) => after.has(`${e.local} ${e.remote} ${e.inode}`));
  return { clients: etcdClients(lasting, port, inodePids, processes), port };
}

/** The flags that matter for who talks to etcd, for the evidence. */
function clientFlags(o: EtcdClientsObservation): Record<string, string[]> {
  const pick = (cmd: string[]) => cmd.filter((a) => /^--(etcd|kubeconfig|advertise-address|secure-port|listen-client-urls|advertise-client-urls)/.test(a));
  return {
    'kube-apiserver': pick(o.apiserver), 'kube-controller-manager': pick(o.controllerManager), 'kube-scheduler': pick(o.scheduler),
    kubelet: pick(o.kubelet), etcd: pick(o.etcd), 'kubeconfig servers': Object.entries(o.kubeconfigServers).map(([p, s]) => `${p}: ${s}`),
  };
}

describe('§4 etcd: only kube-apiserver talks to it', () => {
  claim('ETCD-01', async ({ record, cluster, kube, run }) => {
    const diffs: string[] = [];
    // Each control-plane node runs its own etcd member (stacked etcd) and its own API server: judged on each.
    const cps = controlPlaneNodes(cluster);
    for (const node of cps) {
      const here = onNode(cluster, node);
      const o = await observeEtcdClients({ cluster: here, kube });
      record(`etcd-related flags and kubeconfig servers (${node.name})`, clientFlags(o));
      const sockets = await observeSockets({ cluster: here, kube, run });
      record(`processes holding connections to etcd's client port ${sockets.port} (on ${node.name}, from /proc)`, describeClients(sockets.clients));
      diffs.push(...[...checkOnlyApiServerTalksToEtcd(o), ...checkEtcdClients(sockets.clients)].map((d) => (cps.length > 1 ? `${node.name}: ${d}` : d)));
    }
    expectNoDifferences(diffs);
  });

  negativeControl('ETCD-01', 'kube-scheduler given an etcd flag (deviated copy of the live static pod specs)', 'copy', async ({ record, cluster, kube }) => {
    const live = await observeEtcdClients({ cluster, kube });
    const servers = parseFlags(live.apiserver).get('etcd-servers') ?? 'https://127.0.0.1:2379';
    const diffs = checkOnlyApiServerTalksToEtcd(schedulerWithEtcdFlag(live, servers));
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `kube-scheduler has etcd flag --etcd-servers=${servers}`);
  });

  negativeControl('ETCD-01', 'another process holds a connection to etcd (an etcdctl watch the run does not mark as its own)', 'live', async ({ record, cluster, kube, run, etcd }) => {
    // A client that is neither kube-apiserver nor this run's: an etcdctl left watching in the etcd pod.
    const stranger = new EtcdPod(kube.kc, etcd.ref);
    const watcher = await stranger.startEtcdctl(['watch', etcd.runKey('stranger')], { env: withEnv.env, flags: 'none', maxSeconds: 30 });
    try {
      // The watcher connects a moment after it starts: observe until it shows (10 s at most).
      const s = await eventually(() => observeSockets({ cluster, kube, run }), (o) => (checkEtcdClients(o.clients).length ? [] : ['no stranger seen yet']), { deadline: Date.now() + 10_000, intervalMs: 500 });
      record('processes holding connections to etcd while the stranger watches', describeClients(s.observation.clients));
      const diffs = checkEtcdClients(s.observation.clients);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /etcdctl \(pid \d+: etcdctl .*watch .*\) holds a connection to etcd/);
    } finally {
      await watcher.stop();
    }
  });
});
