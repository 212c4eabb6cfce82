// Live observations of §2's claims (components.test.ts).
import { nodeExec } from '../../helpers/node.ts';
import { onNode } from '../observations.ts';
import { PrerequisiteMissing, Unobservable } from '../../contract/errors.ts';
import { WORKLOAD_CONTAINER } from '../../contract/cluster.ts';
import { podExec } from '../../helpers/etcd/exec.ts';
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

/**
 * redis-cli in one replica of the run's StatefulSet (pods/exec through client-node): its answer, or what kept the
 * replica from answering (no such pod, its container not running, a non-zero exit). Refused or failed requests
 * (401, 403, 429, 5xx) and a timeout are observations that could not be made: thrown, never an answer.
 */
export async function redisCli({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>, pod: string, args: string[]) {
  const ref = { namespace: cluster.workload.namespace, pod, container: WORKLOAD_CONTAINER };
  // A password given with -a is the run's own, but no password goes into a message.
  const shown = args.map((a, i) => (args[i - 1] === '-a' ? '***' : a));
  const command = `redis-cli ${shown.join(' ')} in ${ref.namespace}/${pod}`;
  try {
    const r = await podExec(kube.kc, ref, ['redis-cli', ...args], { timeoutMs: 20_000 });
    return r.exitCode === 0 ? r.stdout.trim() : `error: exit ${r.exitCode}: ${(r.stderr || r.stdout).trim()}`;
  } catch (e) {
    const message = (e as Error).message;
    const status = /Unexpected server response: (\d+)/.exec(message)?.[1];
    if (status === '404') return `error: no pod ${pod} (pods/exec answered 404)`;
    if (status === '400') return `error: its container is not running (pods/exec answered 400)`;
    throw new Unobservable(command, message.split('\n')[0]!);
  }
}

/** redis-cli PING in each replica of the run's StatefulSet: pod name → answer (or why there was none). */
export async function pingReplicas(live: Pick<Live, 'cluster' | 'kube'>): Promise<Record<string, string>> {
  const w = live.cluster.workload;
  const answers: Record<string, string> = {};
  for (const pod of ordinalPods(w.name, w.replicas)) answers[pod] = await redisCli(live, pod, ['PING']);
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
