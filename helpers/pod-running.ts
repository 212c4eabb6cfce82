// One wait for a pod the run made to run: it is polled until Running, and fails fast, in one line naming why,
// once the pod cannot get there (its image cannot be had, its container cannot be made or keeps crashing, it
// ended, or the scheduler or the node refused it) rather than at the end of its bound. What it reads is the pod's
// status: the kubelet and the scheduler put each of those reasons there. A pod the API server's admission
// refuses is never made; its create call fails. Callers put the error in their own terms.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import type { KubeClients } from './kube.ts';
import { sleep } from './wait.ts';

/**
 * Reasons a container waits for good: no change of the pod or the node, no start (ErrImagePull, ErrImageNeverPull,
 * ...).
 */
const HOPELESS = /ErrImage|ImagePull|InvalidImageName|CreateContainer|RunContainerError|CrashLoopBackOff/;

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** Why `pod` will not run, in a line; undefined while it may still (or does). */
export function podStartFailure(pod: V1Pod): string | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const named = (s: V1ContainerStatus, text: string) => (statuses.length > 1 ? `container ${s.name}: ${text}` : text);
  for (const s of statuses) {
    const waiting = s.state?.waiting;
    if (!waiting?.reason || !HOPELESS.test(waiting.reason)) continue;
    const last = s.lastState?.terminated;
    const lastExit =
      waiting.reason === 'CrashLoopBackOff' && last
        ? ` (last exit ${last.exitCode}${last.reason ? `: ${last.reason}` : ''})`
        : '';
    return oneLine(named(s, `${waiting.reason}: ${waiting.message ?? s.image}${lastExit}`));
  }
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    // The node's own reason first (a kubelet that rejects the pod says why, e.g. OutOfcpu), else how its containers
    // ended.
    const why =
      [pod.status?.reason, pod.status?.message].filter(Boolean).join(': ') ||
      statuses
        .filter((s) => s.state?.terminated)
        .map((s) => {
          const t = s.state!.terminated!;
          return named(
            s,
            `exited ${t.exitCode}${t.reason ? ` (${t.reason})` : ''}${t.message ? `: ${t.message}` : ''}`,
          );
        })
        .join('; ') ||
      'no reason given';
    return oneLine(`it ${phase === 'Failed' ? 'failed' : 'ended'}: ${why}`);
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable')
    return oneLine(`unschedulable: ${scheduled.message ?? 'no node fits'}`);
  return undefined;
}

export interface PodRunningOptions {
  timeoutMs: number;
  /** The pod as errors name it, e.g. "the lax etcd pod NS/NAME". */
  what: string;
  /** More than Running, within the same bound: checked on each poll once the pod runs (e.g. its server answers). */
  ready?: { as: string; check: (pod: V1Pod) => Promise<boolean> };
  intervalMs?: number;
}

/**
 * The pod once Running (and ready); throws `WHAT cannot run: WHY` as soon as it cannot, `WHAT was not running within
 * Ns` at the bound.
 */
export async function awaitPodRunning(
  k: KubeClients,
  namespace: string,
  name: string,
  o: PodRunningOptions,
): Promise<V1Pod> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const pod = await k.core.readNamespacedPod({ namespace, name });
    const failure = podStartFailure(pod);
    if (failure) throw new Error(`${o.what} cannot run: ${failure}`);
    if (pod.status?.phase === 'Running' && (!o.ready || (await o.ready.check(pod)))) return pod;
    if (Date.now() > deadline) {
      const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting)?.state?.waiting?.reason;
      throw new Error(
        `${o.what} was not ${o.ready?.as ?? 'running'} within ${o.timeoutMs / 1000}s (${waiting ?? pod.status?.phase ?? 'no status yet'})`,
      );
    }
    await sleep(o.intervalMs ?? 500);
  }
}
