// Live observations of §2's claims (components.test.ts).
import { ordinalPods } from '../checks/components.ts';
import type { Live } from '../live.ts';

/** redis-cli PING in each replica of the run's StatefulSet: pod name → answer (or the error). */
export async function pingReplicas({ cluster, kubectl }: Pick<Live, 'cluster' | 'kubectl'>): Promise<Record<string, string>> {
  const w = cluster.workload;
  const answers: Record<string, string> = {};
  for (const pod of ordinalPods(w.name, w.replicas)) {
    const r = await kubectl.run(['-n', w.namespace, 'exec', pod, '--', 'redis-cli', 'PING'], { timeoutMs: 20_000 });
    answers[pod] = r.exitCode === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`;
  }
  return answers;
}
