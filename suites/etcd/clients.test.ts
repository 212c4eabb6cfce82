// §4 of the article: only kube-apiserver talks to etcd; kube-controller-manager, kube-scheduler and kubelet
// reach the API server instead. Shared fixture (etcd pod, run-scoped keys, clean-up): ./fixture.ts.
import { describe } from 'vitest';
import { nodeExecOk } from '../../lib/node.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkOnlyApiServerTalksToEtcd, parseFlags, type EtcdClientsObservation } from '../checks/etcd.ts';
import { schedulerWithEtcdFlag } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import { cluster, kube } from '../env.ts';
import { staticPodCommand, useEtcdCleanup } from './fixture.ts';

useEtcdCleanup();

async function observeEtcdClients(): Promise<EtcdClientsObservation> {
  const c = cluster();
  const [apiserver, controllerManager, scheduler, etcd] = await Promise.all(
    ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'].map(staticPodCommand),
  );
  const kubeletPid = (await nodeExecOk(c, ['pgrep', '-x', 'kubelet'])).trim().split('\n')[0]!;
  const kubelet = (await nodeExecOk(c, ['cat', `/proc/${kubeletPid}/cmdline`])).split('\0').filter(Boolean);
  const node = await kube().core.readNode({ name: c.nodeName });
  const kubeconfigServers: Record<string, string> = {};
  for (const command of [controllerManager!, scheduler!, kubelet]) {
    const path = parseFlags(command).get('kubeconfig');
    // kubectl on the node prints only the server of the file's current context (no credentials leave the node).
    if (path) kubeconfigServers[path] = (await nodeExecOk(c, ['kubectl', 'config', 'view', '--kubeconfig', path, '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])).trim();
  }
  return {
    apiserver: apiserver!, controllerManager: controllerManager!, scheduler: scheduler!, etcd: etcd!, kubelet, kubeconfigServers,
    nodeAddresses: (node.status?.addresses ?? []).map((a) => a.address),
  };
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
  claim('ETCD-01', async ({ record }) => {
    const o = await observeEtcdClients();
    record('etcd-related flags and kubeconfig servers', clientFlags(o));
    expectNoDifferences(checkOnlyApiServerTalksToEtcd(o));
  });

  negativeControl('ETCD-01', 'kube-scheduler given an etcd flag (deviated copy of the live static pod specs)', async ({ record }) => {
    const live = await observeEtcdClients();
    const servers = parseFlags(live.apiserver).get('etcd-servers') ?? 'https://127.0.0.1:2379';
    const diffs = checkOnlyApiServerTalksToEtcd(schedulerWithEtcdFlag(live, servers));
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `kube-scheduler has etcd flag --etcd-servers=${servers}`);
  });
});
