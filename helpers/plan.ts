// A build as a plan of steps, as data: each step names the steps whose results it needs and starts as
// soon as they are done; a step that uses a shared resource (the Docker engine) holds a slot of its
// lane while it runs. The first step to fail stops the run: steps not yet started never start, the
// running ones are signalled and awaited (so nothing is left half-made behind the caller's back), and
// that first error is what the run throws.
import { log, timed } from './log.ts';

/** A counting semaphore whose waiters are served by priority (lower first), then in the order they came. */
export class Slots {
  readonly size: number;
  private free: number;
  private readonly waiting: Array<{ priority: number; seq: number; grant: () => void }> = [];
  private seq = 0;

  constructor(size: number) {
    this.size = size;
    this.free = size;
  }

  /** Runs `fn` holding one slot; waits for one first, unless `signal` is aborted meanwhile. */
  async run<T>(fn: () => Promise<T>, o: { priority?: number; signal?: AbortSignal } = {}): Promise<T> {
    await this.acquire(o.priority ?? 0, o.signal);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Slots in use and waiters, for tests and logs. */
  get state(): { busy: number; waiting: number } {
    return { busy: this.size - this.free, waiting: this.waiting.length };
  }

  private acquire(priority: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal!.reason);
      };
      const waiter = { priority, seq: this.seq++, grant: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.free++;
  }
}

export interface PlanStep<R, K extends keyof R = keyof R> {
  /** The steps whose results this one reads: it starts when all of them are done. */
  needs: ReadonlyArray<keyof R>;
  /** The lane (a key of the run's lanes) whose slot it holds while it runs. */
  lane?: string;
  /** Logged when it starts and when it is done, with its time; none for quick bookkeeping steps. */
  label?: (done: R) => string;
  run: (done: R, signal: AbortSignal) => Promise<R[K]>;
}

export type Plan<R> = { [K in keyof R]: PlanStep<R, K> };

export interface PlanRun<R> {
  results: R;
  /** Seconds each labelled step took (from its start, after any wait for its lane). */
  seconds: Partial<Record<keyof R, number>>;
}

/** A plan's mistakes (a need or lane that does not exist, a cycle), found before anything runs. */
export function checkPlan<R>(plan: Plan<R>, lanes: Record<string, Slots> = {}): void {
  const ids = Object.keys(plan) as Array<keyof R>;
  const state = new Map<keyof R, 'visiting' | 'done'>();
  const visit = (id: keyof R, path: Array<keyof R>) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`build plan has a cycle: ${[...path, id].map(String).join(' → ')}`);
    state.set(id, 'visiting');
    for (const need of plan[id].needs) {
      if (!(need in plan)) throw new Error(`build plan: step ${String(id)} needs ${String(need)}, which is no step`);
      visit(need, [...path, id]);
    }
    state.set(id, 'done');
  };
  for (const id of ids) {
    const lane = plan[id].lane;
    if (lane !== undefined && !(lane in lanes)) throw new Error(`build plan: step ${String(id)} uses lane ${lane}, which the run has not`);
    visit(id, []);
  }
}

/** Runs every step of `plan` as early as its needs and its lane allow; see the top of this file. */
export async function runPlan<R>(plan: Plan<R>, lanes: Record<string, Slots> = {}): Promise<PlanRun<R>> {
  checkPlan(plan, lanes);
  const controller = new AbortController();
  const results = {} as R;
  const seconds: Partial<Record<keyof R, number>> = {};
  let failure: { error: unknown; label: string } | undefined;
  const settled = new Map<keyof R, Promise<boolean>>();

  const start = (id: keyof R): Promise<boolean> => {
    let done = settled.get(id);
    if (!done) {
      done = (async () => {
        const step = plan[id];
        const ready = await Promise.all(step.needs.map(start));
        if (!ready.every(Boolean) || controller.signal.aborted) return false;
        const body = async () => {
          controller.signal.throwIfAborted();
          const label = step.label?.(results);
          if (!label) return { result: await step.run(results, controller.signal) };
          const t0 = performance.now();
          try {
            return await timed(label, () => step.run(results, controller.signal));
          } catch (error) {
            const s = Math.round((performance.now() - t0) / 100) / 10;
            log.step(failure || controller.signal.aborted ? `${label}: stopped after ${s}s (${failure?.label ?? 'another step'} failed)` : `${label}: failed after ${s}s`);
            throw error;
          }
        };
        try {
          const lane = step.lane === undefined ? undefined : lanes[step.lane]!;
          const { result, seconds: s } = await (lane ? lane.run(body, { signal: controller.signal }) : body()) as { result: R[keyof R]; seconds?: number };
          results[id] = result;
          if (s !== undefined) seconds[id] = s;
          return true;
        } catch (error) {
          if (!failure && !controller.signal.aborted) {
            failure = { error, label: step.label?.(results) ?? String(id) };
            controller.abort(error);
          }
          return false;
        }
      })();
      settled.set(id, done);
    }
    return done;
  };

  await Promise.all((Object.keys(plan) as Array<keyof R>).map(start));
  if (failure) throw failure.error;
  return { results, seconds };
}
