// The run's scheduler on loopback, as the workers use it, and the guard of an observation.
import { afterEach, describe, expect, test } from 'vitest';
import type { Touches } from '../contract/touches.ts';
import { holding, reading, startTouchScheduler, UndeclaredRead, type TouchScheduler } from './touches.ts';

const reads = (...r: Touches['reads']): Touches => ({ reads: r, disturbs: [] });
const disturbs = (...d: Touches['disturbs']): Touches => ({ reads: [], disturbs: d });
const tick = () => new Promise((r) => setTimeout(r, 50));

let scheduler: TouchScheduler | undefined;
afterEach(async () => {
  await scheduler?.close();
  scheduler = undefined;
});

/** A test body that stays running until released, and says when it started. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const events: string[] = [];
  return { open, opened, events };
}

describe('the run’s scheduler', () => {
  test('a reader of what a running control disturbs starts only after the control ended; others at once', async () => {
    scheduler = await startTouchScheduler();
    const { url } = scheduler;
    const g = gate();
    const control = holding(url, 'COMP-01 negative control', disturbs('static-pods'), async () => {
      g.events.push('control started');
      await g.opened;
      g.events.push('control ended');
    });
    await tick();
    const reader = holding(url, 'COMP-01 claim', reads('static-pods', 'coredns'), async (grant) => {
      g.events.push('reader started');
      return grant;
    });
    const other = holding(url, 'API-04 claim', reads('anonymous-version'), async () => {
      g.events.push('other started');
    });
    await other;
    await tick();
    expect(g.events).toEqual(['control started', 'other started']);
    g.open();
    const grant = await reader;
    await control;
    expect(g.events).toEqual(['control started', 'other started', 'control ended', 'reader started']);
    expect(grant.waitedFor).toEqual(['COMP-01 negative control']);
    expect(grant.waitedMs).toBeGreaterThan(0);
    expect(scheduler.summary()).toMatchObject({ tests: 3, waited: 1 });
  });

  test('a control waiting for a reader is not overtaken by readers that come after it', async () => {
    scheduler = await startTouchScheduler();
    const { url } = scheduler;
    const g = gate();
    const first = holding(url, 'reader 1', reads('coredns'), async () => {
      g.events.push('reader 1');
      await g.opened;
    });
    await tick();
    const control = holding(url, 'control', disturbs('coredns'), async () => void g.events.push('control'));
    await tick();
    const second = holding(url, 'reader 2', reads('coredns'), async () => void g.events.push('reader 2'));
    await tick();
    expect(g.events).toEqual(['reader 1']);
    g.open();
    await Promise.all([first, control, second]);
    expect(g.events).toEqual(['reader 1', 'control', 'reader 2']);
  });

  test('a test that times out while waiting gives up its place', async () => {
    scheduler = await startTouchScheduler();
    const { url } = scheduler;
    const g = gate();
    const control = holding(url, 'control', disturbs('coredns'), () => g.opened);
    await tick();
    const abort = new AbortController();
    const waiting = holding(url, 'reader', reads('coredns'), async () => 'ran', abort.signal);
    await tick();
    abort.abort();
    await expect(waiting).rejects.toThrow();
    g.open();
    await control;
    // The place it gave up is not held: the next reader starts at once.
    await expect(holding(url, 'next', reads('coredns'), async () => 'ran')).resolves.toBe('ran');
  });

  test('the control’s end is told also when its body fails', async () => {
    scheduler = await startTouchScheduler();
    const { url } = scheduler;
    await expect(
      holding(url, 'control', disturbs('coredns'), async () => {
        throw new Error('staging failed');
      }),
    ).rejects.toThrow('staging failed');
    await expect(holding(url, 'reader', reads('coredns'), async () => 'ran')).resolves.toBe('ran');
  });
});

describe('the guard of an observation', () => {
  test('a test that reads what a control disturbs, and says nothing, fails naming the test and the state', async () => {
    await expect(
      holding(undefined, 'COMP-01 claim', reads('coredns'), async () => reading('static-pods', 'coredns')),
    ).rejects.toThrow(
      new UndeclaredRead(
        '"COMP-01 claim" reads static-pods without declaring it (a disruptive control may move it while this test runs): declare it in the claim\'s reads (contract/catalogue.ts) or the control\'s disturbs',
      ),
    );
  });

  test('declared (read or disturbed) it passes; outside a test body nothing is held to it', async () => {
    await holding(undefined, 'COMP-01 claim', reads('static-pods'), async () => reading('static-pods'));
    await holding(undefined, 'COMP-01 control', disturbs('static-pods'), async () => reading('static-pods'));
    expect(() => reading('static-pods')).not.toThrow();
  });
});
