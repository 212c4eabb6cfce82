// Progress lines for long steps, on stderr so that command output on stdout stays clean.
import { redact } from './redact.ts';

const started = Date.now();
let verbose = false;

/** More detail on stderr (the configuration's --verbose). */
export function setVerbose(on: boolean): void {
  verbose = on;
}

export function isVerbose(): boolean {
  return verbose;
}

function elapsed(): string {
  const s = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export const log = {
  step(message: string): void {
    process.stderr.write(`[${elapsed()}] ${redact(message)}\n`);
  },
  detail(message: string): void {
    if (verbose) process.stderr.write(`         ${redact(message)}\n`);
  },
  warn(message: string): void {
    process.stderr.write(`[${elapsed()}] warning: ${redact(message)}\n`);
  },
};

/** Runs `fn`, logging its start and its duration; returns its result and the seconds it took. */
export async function timed<T>(what: string, fn: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  log.step(`${what} ...`);
  const t0 = performance.now();
  const result = await fn();
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  log.step(`${what}: done in ${seconds}s`);
  return { result, seconds };
}
