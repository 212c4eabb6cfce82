// The article's workload (§2): a StatefulSet `redis` of three replicas, which the article's listings show in
// namespace default. Applied by the provider before the claims run, named and labelled by the run, removed
// at release (or by the next run, if this one is killed). COMP-05 checks it; COMP-03, API-09 and API-10 list it.
import type { V1ContainerImage } from '@kubernetes/client-node';
import { WORKLOAD_CONTAINER, type ClusterNode, type Workload } from '../../contract/cluster.ts';
import { nodeExec, type NodeTarget } from '../../helpers/node.ts';
import type { KubeClients } from '../../helpers/kube.ts';
import { runLabels } from '../../helpers/namespace.ts';
import { runName } from '../../contract/run-id.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';

/** Where upstream users get redis; used on other clusters when the node has no redis image of its own. */
export const UPSTREAM_REDIS = 'redis:7';

/** A redis image the node already has (kube-claims loads its own into its kind clusters), else upstream's. */
export function chooseRedisImage(images: V1ContainerImage[]): string {
  const names = images.flatMap((i) => i.names ?? []).filter((n) => !n.includes('@'));
  return names.find((n) => /(^|\/)redis:/.test(n)) ?? UPSTREAM_REDIS;
}

/**
 * The images the node's container runtime holds (crictl images), as the node's status names them; undefined without a
 * shell on the node.
 */
export async function runtimeImages(cluster: NodeTarget): Promise<V1ContainerImage[] | undefined> {
  if (cluster.nodeAccess.kind === 'none') return undefined;
  // best-effort: without crictl's answer the caller uses the images the node's status names
  const r = await nodeExec(cluster, ['crictl', 'images', '-o', 'json']).catch(() => undefined);
  if (!r || r.exitCode !== 0) return undefined;
  try {
    const listed = JSON.parse(r.stdout) as { images?: Array<{ repoTags?: string[]; repoDigests?: string[] }> };
    return (listed.images ?? []).map((i) => ({ names: [...(i.repoTags ?? []), ...(i.repoDigests ?? [])] }));
  } catch {
    return undefined;
  }
}

/** The nodes the workload's pods may land on: not cordoned, no NoSchedule or NoExecute taint (it tolerates none). */
export async function schedulableNodes(
  k: KubeClients,
  nodes: ClusterNode[],
): Promise<Array<ClusterNode & { statusImages: V1ContainerImage[] }>> {
  const objects = new Map((await k.core.listNode()).items.map((n) => [n.metadata?.name, n]));
  return nodes.flatMap((n) => {
    const o = objects.get(n.name);
    const taints = (o?.spec?.taints ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
    return o && !o.spec?.unschedulable && !taints.length ? [{ ...n, statusImages: o.status?.images ?? [] }] : [];
  });
}

/** The image names every one of `nodes` holds (its runtime's list where there is a shell on it, else its status'). */
export async function commonRuntimeImages(
  target: Omit<NodeTarget, 'nodeAccess'>,
  nodes: Array<ClusterNode & { statusImages: V1ContainerImage[] }>,
): Promise<V1ContainerImage[]> {
  const perNode = await Promise.all(
    nodes.map(async (n) => {
      const images = (await runtimeImages({ ...target, nodeAccess: n.access })) ?? n.statusImages;
      return new Set(images.flatMap((i) => i.names ?? []));
    }),
  );
  if (!perNode.length) return [];
  return [{ names: [...perNode[0]!].filter((name) => perNode.every((set) => set.has(name))) }];
}

export function workloadFor(runId: string, namespace: string, image: string): Workload {
  return { namespace, name: runName(runId, 'redis'), replicas: 3, image };
}

function manifests(w: Workload, runId: string) {
  const labels = { ...runLabels(runId), app: w.name };
  return {
    service: {
      metadata: { name: w.name, namespace: w.namespace, labels },
      spec: { clusterIP: 'None', selector: { app: w.name }, ports: [{ port: 6379 }] },
    },
    statefulSet: {
      metadata: { name: w.name, namespace: w.namespace, labels },
      spec: {
        serviceName: w.name,
        replicas: w.replicas,
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: w.name } },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [
              {
                name: WORKLOAD_CONTAINER,
                image: w.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'],
                ports: [{ containerPort: 6379 }],
                readinessProbe: { exec: { command: ['redis-cli', 'PING'] }, periodSeconds: 2 },
              },
            ],
          },
        },
      },
    },
  };
}

/** Applies the Service and StatefulSet; does not wait for them (COMP-05 judges the rollout). */
export async function applyWorkload(k: KubeClients, runId: string, w: Workload): Promise<Workload> {
  const m = manifests(w, runId);
  try {
    await k.core.createNamespacedService({ namespace: w.namespace, body: m.service });
    await k.apps.createNamespacedStatefulSet({ namespace: w.namespace, body: m.statefulSet });
    return w;
  } catch (e) {
    return { ...w, error: `the StatefulSet could not be created: ${(e as Error).message.split('\n')[0]}` };
  }
}

export async function removeWorkload(k: KubeClients, w: Workload): Promise<void> {
  // Absent is what removal wants: a 404 is fine, any other failure is thrown.
  await unlessNotFound(
    k.apps.deleteNamespacedStatefulSet({ namespace: w.namespace, name: w.name, propagationPolicy: 'Foreground' }),
  );
  await unlessNotFound(k.core.deleteNamespacedService({ namespace: w.namespace, name: w.name }));
}
