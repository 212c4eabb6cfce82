// Waits until the control plane the article shows is up: the static pods of the node,
// kube-proxy and two coredns pods Ready, and the four namespaces Active.
import type { V1Pod } from '@kubernetes/client-node';
import { kubeClients } from '../../lib/kube.ts';
import { log } from '../../lib/log.ts';
import { EnvironmentError } from '../../lib/errors.ts';
import { sleep } from '../../lib/wait.ts';

export const STATIC_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
export const ARTICLE_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const;

/** Running and Ready, and not being deleted (kubectl shows such a pod as Terminating). */
export function podReady(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** What is still missing for the control plane to count as up; empty when it is. */
export function controlPlaneGaps(nodeName: string, pods: V1Pod[], namespaces: Array<{ name: string; phase?: string }>): string[] {
  const gaps: string[] = [];
  const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
  for (const c of STATIC_COMPONENTS) {
    const pod = byName.get(`${c}-${nodeName}`);
    if (!pod) gaps.push(`pod ${c}-${nodeName} missing`);
    else if (!podReady(pod)) gaps.push(`pod ${c}-${nodeName} not Ready (${pod.status?.phase})`);
  }
  const proxies = pods.filter((p) => p.metadata?.name?.startsWith('kube-proxy-'));
  if (!proxies.length || !proxies.every(podReady)) gaps.push('kube-proxy not Ready');
  const dns = pods.filter((p) => p.metadata?.name?.startsWith('coredns-'));
  if (dns.filter(podReady).length < 2) gaps.push(`${dns.filter(podReady).length}/2 coredns pods Ready`);
  for (const ns of ARTICLE_NAMESPACES) {
    const found = namespaces.find((n) => n.name === ns);
    if (!found) gaps.push(`namespace ${ns} missing`);
    else if (found.phase !== 'Active') gaps.push(`namespace ${ns} is ${found.phase}`);
  }
  return gaps;
}

export async function waitForControlPlane(kubeconfig: string, context?: string, timeoutMs = 600_000) {
  const k = kubeClients(kubeconfig, context);
  const deadline = Date.now() + timeoutMs;
  let lastGaps = '';
  for (;;) {
    try {
      const nodes = await k.core.listNode({ labelSelector: 'node-role.kubernetes.io/control-plane' });
      const nodeName = nodes.items[0]?.metadata?.name;
      if (nodeName) {
        const pods = (await k.core.listNamespacedPod({ namespace: 'kube-system' })).items;
        const namespaces = (await k.core.listNamespace()).items.map((n) => ({ name: n.metadata?.name ?? '', phase: n.status?.phase }));
        const gaps = controlPlaneGaps(nodeName, pods, namespaces);
        if (!gaps.length) {
          const v = await k.version.getCode();
          return { nodeName, serverVersion: v.gitVersion, clusterName: k.kc.getCurrentCluster()?.name ?? 'cluster' };
        }
        if (gaps.join(', ') !== lastGaps) log.step(`waiting: ${(lastGaps = gaps.join(', '))}`);
      } else if (lastGaps !== 'no control-plane node') log.step(`waiting: ${(lastGaps = 'no control-plane node')}`);
    } catch (error) {
      const msg = `API server not answering (${(error as Error).message.split('\n')[0]})`;
      if (msg !== lastGaps) log.step(`waiting: ${(lastGaps = msg)}`);
    }
    if (Date.now() > deadline) throw new EnvironmentError(`control plane not ready after ${timeoutMs / 1000}s: ${lastGaps}`);
    await sleep(2000);
  }
}
