// Unit tests of the kubectl proxy lifecycle against a stand-in "kubectl" (a Node script written at run time),
// so that start, stop and every failure path are checked without a cluster.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { probeTcp, request } from './http.ts';
import { Kubectl } from './kubectl.ts';
import { freePort, KubectlProxy, ProxyStartError, withKubectlProxy } from './proxy.ts';

let dir: string;
let fake: Kubectl;

// Serves like kubectl proxy (--fake=serve), exits at once (--fake=exit), or never serves (--fake=silent).
// Writes its PID where the test can find it.
const FAKE = (pidFile: string) => `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const value = (flag) => args[args.indexOf(flag) + 1];
const mode = (args.find((a) => a.startsWith('--fake=')) || '--fake=serve').slice(7);
fs.appendFileSync(${JSON.stringify(pidFile)}, process.pid + '\\n');
if (mode === 'exit') { console.error('error: listen tcp 127.0.0.1:' + value('--port') + ': bind: refused by the stand-in'); process.exit(1); }
if (mode === 'silent') { setInterval(() => {}, 1000); }
else {
  const address = args.includes('--address') ? value('--address') : '127.0.0.1';
  require('node:http').createServer((req, res) => res.end('proxied ' + req.url))
    .listen(Number(value('--port')), address, () => process.stdout.write('Starting to serve on ' + address + ':' + value('--port') + '\\n'));
}
`;

const pidFile = () => join(dir, 'pids');
async function lastPid(): Promise<number> {
  return Number((await readFile(pidFile(), 'utf8')).trim().split('\n').at(-1));
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kc-proxy-test-'));
  const bin = join(dir, 'kubectl');
  await writeFile(bin, FAKE(pidFile()));
  await chmod(bin, 0o755);
  fake = new Kubectl(bin, join(dir, 'no-kubeconfig'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('KubectlProxy', () => {
  test('starts on a free port, reports its banner, serves, and is gone after stop()', async () => {
    const proxy = await KubectlProxy.start(fake);
    try {
      expect(proxy.banner).toBe(`Starting to serve on 127.0.0.1:${proxy.port}`);
      expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
      expect(proxy.args.slice(0, 3)).toEqual(['proxy', '--port', String(proxy.port)]);
      expect((await request(`${proxy.url}/api`)).body).toBe('proxied /api');
    } finally {
      await proxy.stop();
    }
    expect(alive(await lastPid())).toBe(false);
    expect((await probeTcp('127.0.0.1', proxy.port)).outcome).toBe('refused');
    await proxy.stop(); // twice is harmless
  });

  test('await using stops it when the block ends, also by an exception', async () => {
    let port = 0;
    await expect(
      (async () => {
        await using proxy = await KubectlProxy.start(fake, { address: '127.0.0.1' });
        port = proxy.port;
        throw new Error('the test body failed');
      })(),
    ).rejects.toThrow('the test body failed');
    expect(alive(await lastPid())).toBe(false);
    expect((await probeTcp('127.0.0.1', port)).outcome).toBe('refused');
  });

  test('withKubectlProxy hands over a serving proxy and stops it', async () => {
    const port = await freePort();
    const body = await withKubectlProxy(fake, { port }, async (p) => (await request(`${p.url}/x`)).body);
    expect(body).toBe('proxied /x');
    expect(alive(await lastPid())).toBe(false);
  });

  test('a kubectl that exits before serving is reported with its last line', async () => {
    await expect(KubectlProxy.start(fake, { extraArgs: ['--fake=exit'] })).rejects.toThrow(
      /exited \(1\) before serving: error: listen tcp .*refused by the stand-in/,
    );
  });

  test('a kubectl that never serves is stopped when the wait times out', async () => {
    const started = KubectlProxy.start(fake, { extraArgs: ['--fake=silent'], startTimeoutMs: 1500 });
    await expect(started).rejects.toBeInstanceOf(ProxyStartError);
    await expect(started).rejects.toThrow(/printed no "Starting to serve on" within 1500 ms/);
    expect(alive(await lastPid())).toBe(false);
  });
});
