// A build cache keyed by its inputs. Work happens in a temporary sibling and is
// renamed into place only when complete, so an interrupted build is never taken as good.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The file a complete build output holds (its inputs' key). */
export const COMPLETE_STAMP = '.kube-claims-complete.json';
const STAMP = COMPLETE_STAMP;

/** Partial outputs of builds whose process is gone (killed, interrupted): never used, only removed. */
async function removeAbandonedPartials(dir: string): Promise<void> {
  const prefix = `${basename(dir)}.partial-`;
  // absent is the truth: no cache folder yet, no partial outputs in it
  const entries = await readdir(dirname(dir)).catch(() => [] as string[]);
  for (const entry of entries.filter((e) => e.startsWith(prefix))) {
    const pid = Number(entry.slice(prefix.length));
    if (pid && pid !== process.pid && !processAlive(pid))
      await rm(join(dirname(dir), entry), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function inputsKey(inputs: unknown): string {
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

export async function isComplete(dir: string, key: string): Promise<boolean> {
  if (!existsSync(join(dir, STAMP))) return false;
  const stamp = JSON.parse(await readFile(join(dir, STAMP), 'utf8')) as { key?: string };
  return stamp.key === key;
}

/**
 * Produces `dir` by running `build(tmpDir)` unless a complete output with the same key exists.
 * Returns true when it built, false when the cache was used.
 */
export async function cached(dir: string, inputs: unknown, build: (tmpDir: string) => Promise<void>): Promise<boolean> {
  const key = inputsKey(inputs);
  if (await isComplete(dir, key)) return false;
  await removeAbandonedPartials(dir);
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await writeFile(join(tmp, STAMP), JSON.stringify({ key, inputs, builtAt: new Date().toISOString() }, null, 2));
    await mkdir(dirname(dir), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
  return true;
}
