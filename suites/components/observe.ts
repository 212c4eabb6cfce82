// Live observations of §2's claims (components.test.ts).
import { nodeExec } from '../../helpers/node.ts';
import { onNode } from '../observations.ts';
import { PrerequisiteMissing } from '../../contract/errors.ts';
import { ordinalPods } from '../checks/components.ts';
import { describePullFailure, imagePullFailures, type PodPullObservation } from '../checks/workload-image.ts';
import type { Live } from '../live.ts';

/**
 * Throws PrerequisiteMissing when a replica of the run's StatefulSet waits for an image its node cannot pull
 * (kubelet says so within seconds): what COMP-05 would judge could never be there.
 */
export async function assertWorkloadImagePullable({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<void> {
  const w = cluster.workload;
  const pods = await kube.core.listNamespacedPod({ namespace: w.namespace, labelSelector: `app=${w.name}` });
  const failures = imagePullFailures(pods.items as PodPullObservation[]);
  if (!failures.length) return;
  const { missing, remedy } = describePullFailure(failures);
  throw new PrerequisiteMissing(missing, remedy);
}

/** redis-cli PING in each replica of the run's StatefulSet: pod name → answer (or the error). */
export async function pingReplicas({
  cluster,
  kubectl,
}: Pick<Live, 'cluster' | 'kubectl'>): Promise<Record<string, string>> {
  const w = cluster.workload;
  const answers: Record<string, string> = {};
  for (const pod of ordinalPods(w.name, w.replicas)) {
    const r = await kubectl.run(['-n', w.namespace, 'exec', pod, '--', 'redis-cli', 'PING'], { timeoutMs: 20_000 });
    answers[pod] = r.exitCode === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`;
  }
  return answers;
}

/**
 * §2 says `crictl ps` also shows the redis containers: crictl ps --name redis on each node that runs a replica (the
 * API says which), as evidence. Bounded; a node without a shell, or a crictl that fails, is said in its place.
 */
export async function redisContainersOnNodes({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<string> {
  const w = cluster.workload;
  const pods = (await kube.core.listNamespacedPod({ namespace: w.namespace, labelSelector: `app=${w.name}` })).items;
  const nodes = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))].sort();
  const parts: string[] = [];
  for (const name of nodes) {
    const node = cluster.nodes.find((n) => n.name === name);
    if (!node || node.access.kind === 'none') {
      parts.push(`${name}: no shell on the node${node?.access.kind === 'none' ? ` (${node.access.reason})` : ''}`);
      continue;
    }
    const r = await nodeExec(onNode(cluster, node), ['crictl', 'ps', '--name', 'redis'], undefined, 15_000);
    parts.push(`${name}:\n${r.exitCode === 0 ? r.stdout.trimEnd() : `exit ${r.exitCode}: ${r.stderr.trim()}`}`);
  }
  return parts.join('\n\n') || 'no node runs a replica';
}
