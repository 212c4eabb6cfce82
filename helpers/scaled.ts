// A Deployment scaled by a run, with the replicas before recorded on the object itself: the run undoes it,
// and so does the next run if this one was killed (kind/providers/leftovers.ts finds the record).
import { REPLICAS_BEFORE, SCALED_BY } from '../contract/marks.ts';
import { runHash } from '../contract/run-id.ts';
import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClients } from './kube.ts';
import { waitUntil } from './wait.ts';

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

/**
 * What a Deployment's rollout still waits for, as `kubectl rollout status` reads its status
 * (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go, DeploymentStatusViewer), or undefined once rolled out.
 */
export function rolloutPending(d: Pick<V1Deployment, 'metadata' | 'spec' | 'status'>): string | undefined {
  const status = d.status ?? {};
  const name = d.metadata?.name ?? 'the Deployment';
  if ((d.metadata?.generation ?? 0) > (status.observedGeneration ?? 0))
    return `${name}: its spec update is not observed yet`;
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return `${name} exceeded its progress deadline`;
  const updated = status.updatedReplicas ?? 0;
  const wanted = d.spec?.replicas;
  if (wanted !== undefined && updated < wanted) return `${name}: ${updated} of ${wanted} new replicas updated`;
  if ((status.replicas ?? 0) > updated)
    return `${name}: ${(status.replicas ?? 0) - updated} old replicas pending termination`;
  if ((status.availableReplicas ?? 0) < updated)
    return `${name}: ${status.availableReplicas ?? 0} of ${updated} updated replicas available`;
  return undefined;
}

/** Waits, bounded, until the Deployment has rolled out; fails saying what it still waited for. */
export async function untilRolledOut(k: KubeClients, namespace: string, name: string, timeoutMs: number) {
  let pending: string | undefined;
  await waitUntil(
    `${namespace}/${name} to roll out`,
    async () => !(pending = rolloutPending(await k.apps.readNamespacedDeployment({ namespace, name }))),
    timeoutMs,
  ).catch((e: Error) => {
    throw new Error(`${e.message} (${pending})`);
  });
}
