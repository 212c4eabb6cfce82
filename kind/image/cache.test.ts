import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { cached } from './cache.ts';

describe('the build cache', () => {
  test('builds once per inputs, again when they change', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'kc-cache-')), 'out');
    let builds = 0;
    const build = async (tmp: string) => {
      builds++;
      await writeFile(join(tmp, 'x'), 'made');
    };
    expect(await cached(dir, { v: 1 }, build)).toBe(true);
    expect(await cached(dir, { v: 1 }, build)).toBe(false);
    expect(await cached(dir, { v: 2 }, build)).toBe(true);
    expect(builds).toBe(2);
    expect(await readFile(join(dir, 'x'), 'utf8')).toBe('made');
  });

  test('an interrupted build leaves nothing that is taken as good, and its leftovers are removed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kc-cache-'));
    const dir = join(root, 'out');
    await expect(
      cached(dir, { v: 1 }, async () => {
        throw new Error('killed');
      }),
    ).rejects.toThrow('killed');
    expect(existsSync(dir)).toBe(false);
    // A partial folder of a process that no longer exists (pid 2^22 + 1 is above Linux's pid_max default).
    await mkdir(join(root, 'out.partial-4194305'));
    expect(
      await cached(dir, { v: 1 }, async (tmp) => {
        await writeFile(join(tmp, 'x'), 'ok');
      }),
    ).toBe(true);
    expect(existsSync(join(root, 'out.partial-4194305'))).toBe(false);
  });
});
