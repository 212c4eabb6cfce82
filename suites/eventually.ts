// Claims about state a cluster reaches eventually (pods Ready, a StatefulSet rolled out) observe until the
// check holds or the run's settle time (RunContext.settleBy) has passed, then judge the last observation.
// This is the claim's own bounded wait: nothing before the claims waits for what they check.
import { sleep } from '../helpers/wait.ts';
import type { Differences } from './differences.ts';

export interface Settled<T> {
  observation: T;
  differences: Differences;
  /** How long the claim watched before judging. */
  waitedMs: number;
}

/** Observes until `check` finds no differences or `deadline` (epoch ms; claims pass the run's settleBy) has passed. */
export async function eventually<T>(
  observe: () => Promise<T>,
  check: (o: T) => Differences,
  options: { deadline: number; intervalMs?: number },
): Promise<Settled<T>> {
  const t0 = Date.now();
  const deadline = options.deadline;
  for (;;) {
    const observation = await observe();
    const differences = check(observation);
    if (!differences.length || Date.now() >= deadline) return { observation, differences, waitedMs: Date.now() - t0 };
    await sleep(Math.min(options.intervalMs ?? 2000, Math.max(0, deadline - Date.now())));
  }
}

/** For the evidence: how long the claim watched. */
export function settledNote(s: Settled<unknown>): string {
  const seconds = (s.waitedMs / 1000).toFixed(1);
  return s.differences.length
    ? `still differing after ${seconds}s (the run's settle time ran out)`
    : `held after ${seconds}s of observing`;
}
