// A Deployment scaled by a run, with the replicas before recorded on the object itself: the run undoes it,
// and so does the next run if this one was killed (kind/providers/leftovers.ts finds the record).
import { REPLICAS_BEFORE, SCALED_BY } from '../contract/marks.ts';
import { runHash } from '../contract/run-id.ts';
import type { KubeClients } from './kube.ts';

const pointer = (annotation: string) => `/metadata/annotations/${annotation.replace('/', '~1')}`;

/** Scales the Deployment to `replicas`, recording who scaled it and the replicas before. */
export async function scaleRecorded(
  k: KubeClients,
  namespace: string,
  name: string,
  replicas: number,
  runId: string,
): Promise<void> {
  const before = (await k.apps.readNamespacedDeployment({ namespace, name })).spec?.replicas ?? 1;
  await k.apps.patchNamespacedDeployment({
    namespace,
    name,
    body: [
      { op: 'add', path: pointer(SCALED_BY), value: runHash(runId) },
      { op: 'add', path: pointer(REPLICAS_BEFORE), value: String(before) },
      { op: 'replace', path: '/spec/replicas', value: replicas },
    ],
  });
}

/** Scales a Deployment back to the replicas recorded before a negative control scaled it, and drops the record. */
export async function restoreScaled(k: KubeClients, namespace: string, name: string): Promise<void> {
  const d = await k.apps.readNamespacedDeployment({ namespace, name });
  const before = Number(d.metadata?.annotations?.[REPLICAS_BEFORE]);
  const patch: unknown[] = [
    { op: 'remove', path: pointer(SCALED_BY) },
    { op: 'remove', path: pointer(REPLICAS_BEFORE) },
  ];
  if (Number.isInteger(before) && before >= 0) patch.unshift({ op: 'replace', path: '/spec/replicas', value: before });
  await k.apps.patchNamespacedDeployment({ namespace, name, body: patch });
}
