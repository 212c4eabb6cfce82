// Polling with a deadline, for states a cluster reaches eventually (no fixed sleeps in checks).
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Resolves once `predicate` holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  predicate: () => Promise<boolean>,
  timeoutMs = 180_000,
  intervalMs = 1000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await sleep(intervalMs);
  }
}
