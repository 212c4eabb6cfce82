// Cleanups that must also run on Ctrl-C: what a step created is registered while the step runs.
import { log } from './log.ts';

const pending = new Set<() => Promise<void>>();
let installed = false;

async function runAll(): Promise<void> {
  for (const fn of [...pending].reverse()) {
    pending.delete(fn);
    // reported: a cleanup that fails is warned about; the others still run
    await fn().catch((e: Error) => log.warn(`cleanup failed: ${e.message}`));
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      log.step(`${signal}: cleaning up before exit`);
      void runAll().finally(() => process.exit(code));
    });
  }
}

/** Registers `cleanup` to run on Ctrl-C (SIGINT) or SIGTERM until the returned function unregisters it. */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  install();
  pending.add(cleanup);
  return () => {
    pending.delete(cleanup);
  };
}

/** Runs `fn` with `cleanup` registered for interruption; the caller decides what happens on normal exit. */
export async function whileInterruptible<T>(cleanup: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
  install();
  pending.add(cleanup);
  try {
    return await fn();
  } finally {
    pending.delete(cleanup);
  }
}
