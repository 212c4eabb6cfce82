// A build cache keyed by its inputs. Work happens in a temporary sibling and is
// renamed into place only when complete, so an interrupted build is never taken as good.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const STAMP = '.kube-claims-complete.json';

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
