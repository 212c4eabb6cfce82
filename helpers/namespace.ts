// Namespaces a run creates: named and labelled by the run, deleted afterwards (also after a failure),
// and found again by the next run if this one was killed (kind/providers/leftovers.ts).
import type { KubeClients } from './kube.ts';
import { RUN_LABEL } from '../contract/marks.ts';
import { runHash } from '../contract/run-id.ts';
import { waitUntil } from './wait.ts';
import { isNotFound } from './not-found.ts';

export const runLabels = (runId: string) => ({ [RUN_LABEL]: runHash(runId) });

export async function createRunNamespace(
  k: KubeClients,
  runId: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await k.core.createNamespace({ body: { metadata: { name, labels: { ...labels, ...runLabels(runId) } } } });
}

/**
 * Deletes the namespace and, unless `timeoutMs` is 0, waits (boundedly) until it is gone; absent is fine.
 * A namespace that lingers is removed by the next run (kind/providers/leftovers.ts).
 */
export async function deleteNamespace(k: KubeClients, name: string, timeoutMs = 120_000): Promise<void> {
  try {
    await k.core.deleteNamespace({ name });
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  if (!timeoutMs) return;
  await waitUntil(
    `namespace ${name} to be gone`,
    async () => {
      try {
        await k.core.readNamespace({ name });
        return false;
      } catch (e) {
        if (isNotFound(e)) return true;
        throw e;
      }
    },
    timeoutMs,
  );
}
