import { describe, expect, test } from 'vitest';
import { checkPlan, runPlan, Slots, type Plan } from './plan.ts';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('Slots', () => {
  test('at most `size` at once; waiters by priority, then in the order they came', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const job = (name: string, priority: number) => slots.run(async () => {
      running++;
      most = Math.max(most, running);
      order.push(name);
      await tick();
      running--;
    }, { priority });
    await Promise.all([job('a', 5), job('b', 5), job('c', 2), job('d', 1), job('e', 2)]);
    expect(most).toBe(2);
    expect(order).toEqual(['a', 'b', 'd', 'c', 'e']);
    expect(slots.state).toEqual({ busy: 0, waiting: 0 });
  });

  test('a waiter whose signal is aborted leaves the queue; a slot is released when its job throws', async () => {
    const slots = new Slots(1);
    const controller = new AbortController();
    const first = slots.run(async () => { await tick(20); throw new Error('boom'); });
    const second = slots.run(async () => 'never', { signal: controller.signal });
    await tick();
    expect(slots.state).toEqual({ busy: 1, waiting: 1 });
    controller.abort(new Error('stop'));
    await expect(second).rejects.toThrow('stop');
    await expect(first).rejects.toThrow('boom');
    expect(await slots.run(async () => 'free again')).toBe('free again');
  });
});

interface R { a: number; b: number; c: number; d: number }

describe('runPlan', () => {
  test('each step starts when its needs are done, independent ones at once; results handed on', async () => {
    const started: string[] = [];
    const step = (name: keyof R, value: (r: R) => number, ms: number) => async (r: R) => { started.push(name); await tick(ms); return value(r); };
    const plan: Plan<R> = {
      a: { needs: [], run: step('a', () => 1, 20) },
      b: { needs: [], run: step('b', () => 2, 5) },
      c: { needs: ['b'], run: step('c', (r) => r.b * 10, 5) },
      d: { needs: ['a', 'c'], label: (r) => `d after ${r.a} and ${r.c}`, run: step('d', (r) => r.a + r.c, 1) },
    };
    const { results, seconds } = await runPlan(plan);
    expect(results).toEqual({ a: 1, b: 2, c: 20, d: 21 });
    // b's dependent c starts while a still runs; d waits for both.
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(Object.keys(seconds)).toEqual(['d']);
  });

  test('a lane holds one step at a time', async () => {
    let inLane = 0;
    let most = 0;
    const laned = async () => { inLane++; most = Math.max(most, inLane); await tick(); inLane--; return 0; };
    await runPlan<R>({
      a: { needs: [], lane: 'docker', run: laned },
      b: { needs: [], lane: 'docker', run: laned },
      c: { needs: [], lane: 'docker', run: laned },
      d: { needs: [], run: async () => 0 },
    }, { docker: new Slots(1) });
    expect(most).toBe(1);
  });

  test('the first failure is thrown as it is; running steps are signalled and awaited, later ones never start', async () => {
    const events: string[] = [];
    const promise = runPlan<R>({
      a: { needs: [], run: async () => { await tick(5); throw new Error('cannot download Go module x@v9: not found'); } },
      b: {
        needs: [], label: () => 'long build',
        run: (_, signal) => new Promise((resolve, reject) => {
          signal.addEventListener('abort', () => setTimeout(() => { events.push('b stopped'); reject(new Error('b: stopped')); }, 10));
          setTimeout(() => resolve(2), 5_000);
        }),
      },
      c: { needs: ['a'], run: async () => { events.push('c ran'); return 3; } },
      d: { needs: ['b'], run: async () => { events.push('d ran'); return 4; } },
    });
    await expect(promise).rejects.toThrow(/^cannot download Go module x@v9: not found$/);
    expect(events).toEqual(['b stopped']);
  });

  test('plan mistakes are found before anything runs', () => {
    const run = async () => 0;
    expect(() => checkPlan<R>({ a: { needs: ['b'], run }, b: { needs: ['c'], run }, c: { needs: ['a'], run }, d: { needs: [], run } })).toThrow(/cycle: a → b → c → a/);
    expect(() => checkPlan({ a: { needs: ['x' as 'a'], run } })).toThrow(/needs x, which is no step/);
    expect(() => checkPlan({ a: { needs: [], lane: 'docker', run } })).toThrow(/lane docker/);
  });
});
