// Namespaces a run creates: labelled with the run ID, deleted afterwards (also after a failure).
import type { KubeClients } from './kube.ts';
import { runId } from './run-id.ts';
import { waitUntil } from './wait.ts';

export const RUN_LABEL = 'kube-claims.io/run';

export async function createRunNamespace(k: KubeClients, name: string, labels: Record<string, string> = {}): Promise<void> {
  await k.core.createNamespace({ body: { metadata: { name, labels: { ...labels, [RUN_LABEL]: runId() } } } });
}

/** Deletes the namespace and waits until it is gone; absent is fine. */
export async function deleteNamespace(k: KubeClients, name: string, timeoutMs = 120_000): Promise<void> {
  try {
    await k.core.deleteNamespace({ name });
  } catch (e) {
    if ((e as { code?: number }).code === 404) return;
    throw e;
  }
  await waitUntil(`namespace ${name} to be gone`, async () => {
    try {
      await k.core.readNamespace({ name });
      return false;
    } catch (e) {
      return (e as { code?: number }).code === 404;
    }
  }, timeoutMs);
}
