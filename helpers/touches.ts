// The run's scheduler of what tests touch (contract/touches.ts), across vitest's workers: one small HTTP server on
// loopback in the main process (started by the live project's global setup), which the workers ask before a test
// body runs and tell when it ended; and the guard an observation calls to check that the running test declared
// the state it reads.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { admissible, conflicts, type ClusterState, type Touches } from '../contract/touches.ts';

interface Declared extends Touches {
  /** The test's name, for the guard's message. */
  test: string;
}

const declared = new AsyncLocalStorage<Declared>();

/** A test that reads a state it did not declare (a concurrent control may be moving it). */
export class UndeclaredRead extends Error {}

/**
 * Called by the observation of a cluster state: inside a test body (run through `holding`) the test must have
 * declared it, else it throws naming the test and the state. Outside a test body (a fixture's setup, a unit test
 * of a pure check) there is nothing to hold it to.
 */
export function reading(...states: ClusterState[]): void {
  const d = declared.getStore();
  if (!d) return;
  const undeclared = states.filter((s) => !d.reads.includes(s) && !d.disturbs.includes(s));
  if (undeclared.length)
    throw new UndeclaredRead(
      `"${d.test}" reads ${undeclared.join(', ')} without declaring it (a disruptive control may move it while this test runs): declare it in the claim's reads (contract/catalogue.ts) or the control's disturbs`,
    );
}

export interface Grant {
  /** How long the test waited for the tests it conflicts with. */
  waitedMs: number;
  /** The running tests it waited for, by name (empty when it started at once). */
  waitedFor: string[];
}

/**
 * Runs `fn` as the test `test` touching `touches`: first asks the run's scheduler at `url` (none: `fn` runs at
 * once, as in a run of one test file), then runs it with the declaration the guard checks, then tells the
 * scheduler it ended (also when it failed). `signal` (the test's) gives up waiting when the test times out.
 */
export async function holding<T>(
  url: string | undefined,
  test: string,
  touches: Touches,
  fn: (grant: Grant) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const d: Declared = { test, reads: touches.reads, disturbs: touches.disturbs };
  if (!url || (touches.reads.length === 0 && touches.disturbs.length === 0))
    return declared.run(d, () => fn({ waitedMs: 0, waitedFor: [] }));
  const id = `${process.pid}:${test}:${Math.random().toString(36).slice(2)}`;
  const r = await fetch(`${url}/acquire`, {
    method: 'POST',
    body: JSON.stringify({ id, test, touches }),
    ...(signal ? { signal } : {}),
  });
  if (!r.ok) throw new Error(`the run's scheduler refused ${test}: ${r.status} ${await r.text()}`);
  const grant = (await r.json()) as Grant;
  try {
    return await declared.run(d, () => fn(grant));
  } finally {
    await fetch(`${url}/release`, { method: 'POST', body: JSON.stringify({ id }) });
  }
}

interface Waiter {
  id: string;
  test: string;
  touches: Touches;
  since: number;
  /** The running tests it conflicted with when it had to wait. */
  blockers: Set<string>;
  res: ServerResponse;
}

export interface SchedulerSummary {
  tests: number;
  waited: number;
  waitedMs: number;
}

export interface TouchScheduler {
  url: string;
  summary(): SchedulerSummary;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text);
}

/** Starts the run's scheduler on a free loopback port. */
export async function startTouchScheduler(): Promise<TouchScheduler> {
  const running = new Map<string, { test: string; touches: Touches }>();
  let waiting: Waiter[] = [];
  const totals: SchedulerSummary = { tests: 0, waited: 0, waitedMs: 0 };

  const pump = () => {
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]!;
      const before = waiting.slice(0, i).map((o) => o.touches);
      if (
        !admissible(
          w.touches,
          [...running.values()].map((r) => r.touches),
          before,
        )
      ) {
        for (const r of running.values()) if (conflicts(w.touches, r.touches).length) w.blockers.add(r.test);
        continue;
      }
      waiting.splice(i--, 1);
      running.set(w.id, { test: w.test, touches: w.touches });
      const waitedMs = Date.now() - w.since;
      totals.tests++;
      if (w.blockers.size) {
        totals.waited++;
        totals.waitedMs += waitedMs;
      }
      w.res.end(JSON.stringify({ waitedMs, waitedFor: [...w.blockers] } satisfies Grant));
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const b = (await body(req)) as { id: string; test?: string; touches?: Touches };
        if (req.url === '/acquire' && b.touches) {
          const w: Waiter = {
            id: b.id,
            test: b.test ?? b.id,
            touches: b.touches,
            since: Date.now(),
            blockers: new Set(),
            res,
          };
          waiting.push(w);
          // A test that timed out while waiting gives up its place.
          res.on('close', () => {
            if (!res.writableEnded) {
              waiting = waiting.filter((o) => o !== w);
              pump();
            }
          });
          pump();
        } else if (req.url === '/release') {
          running.delete(b.id);
          res.end('{}');
          pump();
        } else {
          res.statusCode = 404;
          res.end(`no ${req.url}`);
        }
      } catch (error) {
        // A malformed request is answered 400 (the worker throws it), never a crash of the run.
        res.statusCode = 400;
        res.end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    summary: () => ({ ...totals }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
