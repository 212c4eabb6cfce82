// After a run put back what an ended run had moved (a parked static pod manifest, a stopped process, a scaled
// Deployment), the control plane takes a while to be whole again; claims judged at once would report the
// restoration, not the cluster. This waits, bounded, until it is settled, and says how long it took or what
// was still pending: the claims then judge what is there.
import { DiscoveryV1Api, type V1Pod } from '@kubernetes/client-node';
import type { ClusterInfo } from '../../contract/cluster.ts';
import type { KubeClients } from '../../helpers/kube.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';
import { sleep } from '../../helpers/wait.ts';

const ready = (p: V1Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** What is not yet settled: static pods of the control planes not Ready, coredns short, API servers missing. */
export async function unsettled(k: KubeClients, cluster: Pick<ClusterInfo, 'nodes'>): Promise<string[]> {
  const planes = cluster.nodes.filter((n) => n.role === 'control-plane').map((n) => n.name);
  const pending: string[] = [];
  const pods = (await k.core.listNamespacedPod({ namespace: 'kube-system' })).items;
  for (const node of planes) {
    const statics = pods.filter((p) => p.spec?.nodeName === node && p.metadata?.name?.endsWith(`-${node}`));
    for (const p of statics.filter((x) => !ready(x))) pending.push(`pod kube-system/${p.metadata!.name} not Ready`);
  }
  // absent is the truth: a cluster without coredns has no replicas to wait for; a refusal is thrown
  const coredns = await unlessNotFound(k.apps.readNamespacedDeployment({ namespace: 'kube-system', name: 'coredns' }));
  if (coredns && (coredns.status?.readyReplicas ?? 0) < (coredns.spec?.replicas ?? 0))
    pending.push(`coredns ${coredns.status?.readyReplicas ?? 0}/${coredns.spec?.replicas} ready`);
  const slices = (
    await k.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({
      namespace: 'default',
      labelSelector: 'kubernetes.io/service-name=kubernetes',
    })
  ).items;
  const servers = slices.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false)).length;
  if (planes.length && servers < planes.length)
    pending.push(`${servers} of ${planes.length} API servers behind the kubernetes Service`);
  return pending;
}

/** Waits until nothing is unsettled, at most `timeoutMs`; one line saying how it ended. */
export async function untilSettled(
  k: KubeClients,
  cluster: Pick<ClusterInfo, 'nodes'>,
  timeoutMs = 120_000,
): Promise<string> {
  const started = Date.now();
  let pending = await unsettled(k, cluster);
  while (pending.length && Date.now() - started < timeoutMs) {
    await sleep(2000);
    pending = await unsettled(k, cluster);
  }
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  return pending.length
    ? `the control plane had not settled ${took} after the restoration: ${pending.join('; ')}`
    : `the control plane settled ${took} after the restoration`;
}
