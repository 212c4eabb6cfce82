import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';

const caps = ['CAP_CHOWN', 'CAP_SYS_RESOURCE', 'CAP_SYS_ADMIN'];
const capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps };

/** The shim as host preparation installs it, with a stand-in runc that records its arguments. */
async function shim(): Promise<{ dir: string; run: (args: string[]) => Promise<string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kc-shim-'));
  const template = await readFile(fileURLToPath(new URL('./runc-capshim.sh', import.meta.url)), 'utf8');
  await writeFile(join(dir, 'shim'), template.replace('@MISSING_CAPS@', '["CAP_SYS_RESOURCE"]'));
  await writeFile(join(dir, 'runc'), '#!/bin/sh\necho "runc $*"\n');
  await chmod(join(dir, 'shim'), 0o755);
  await chmod(join(dir, 'runc'), 0o755);
  const run = async (args: string[]) =>
    (await execa(join(dir, 'shim'), args, { cwd: dir, env: { PATH: `${dir}:${process.env.PATH}` } })).stdout;
  return { dir, run };
}

describe('the capability shim (Docker runtime on hosts lacking capabilities)', () => {
  test('create: drops the missing capability from config.json, keeps the others, then runs runc with the same arguments', async () => {
    const { dir, run } = await shim();
    await writeFile(join(dir, 'config.json'), JSON.stringify({ process: { capabilities }, other: 1 }));
    const out = await run(['--root', '/run/x', 'create', '--bundle', dir, 'cid']);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    for (const set of Object.values(config.process.capabilities)) expect(set).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
    expect(config.other).toBe(1);
    expect(out).toBe(`runc --root /run/x create --bundle ${dir} cid`);
  });

  test('exec: drops it from the process file', async () => {
    const { dir, run } = await shim();
    await writeFile(join(dir, 'process.json'), JSON.stringify({ args: ['sh'], capabilities }));
    await run(['exec', '--process', join(dir, 'process.json'), 'cid']);
    const proc = JSON.parse(await readFile(join(dir, 'process.json'), 'utf8'));
    expect(proc.capabilities.bounding).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  });

  test('other commands pass through untouched', async () => {
    const { run } = await shim();
    expect(await run(['state', 'cid'])).toBe('runc state cid');
  });
});
