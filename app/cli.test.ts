// Bad input, as a user would give it: each ends in one line on stderr and exit 2, within 20 s, before any
// cluster work. The servers here are local stand-ins (refusing, silent, TLS with an unknown CA).
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const dir = mkdtempSync(join(tmpdir(), 'kc-cli-'));
const servers: Server[] = [];
let silentPort = 0;
let tlsPort = 0;

function kubeconfig(name: string, server: string, edit: (kc: Record<string, unknown>) => void = () => {}): string {
  const kc: Record<string, unknown> = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'c',
    clusters: [{ name: 'k', cluster: { server, 'insecure-skip-tls-verify': false } }],
    users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
  };
  edit(kc);
  const file = join(dir, name);
  writeFileSync(file, stringify(kc));
  return file;
}

/** The CLI in a child process; asynchronously, so that the stand-in servers of this process keep serving. */
async function cli(...args: string[]) {
  const t0 = performance.now();
  const r = await execa(process.execPath, [join(PACKAGE_ROOT, 'bin/kube-claims.ts'), ...args], {
    reject: false,
    timeout: 60_000,
    env: { NO_COLOR: '1' },
  });
  return { status: r.exitCode, stderr: r.stderr.trim(), seconds: (performance.now() - t0) / 1000 };
}

beforeAll(async () => {
  // Accepts connections and never answers.
  const silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as { port: number }).port;
  // TLS with a certificate of its own CA, which no kubeconfig here trusts.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const tls = createTlsServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
    (s) => s.end(),
  );
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  tlsPort = (tls.address() as { port: number }).port;
  servers.push(silent, tls);
});
afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bad input ends in one line and exit 2 within 20 s', () => {
  test.each([
    [
      'a missing kubeconfig',
      () => ['verify', '--kubeconfig', join(dir, 'absent')],
      /kubeconfig \S+absent does not exist/,
    ],
    ['an unreadable kubeconfig (a folder)', () => ['verify', '--kubeconfig', dir], /cannot read kubeconfig .*: EISDIR/],
    [
      'a malformed kubeconfig',
      () => {
        writeFileSync(join(dir, 'bad.yaml'), 'clusters: [\n');
        return ['verify', '--kubeconfig', join(dir, 'bad.yaml')];
      },
      /is not a valid kubeconfig/,
    ],
    [
      'a context missing',
      () => ['verify', '--kubeconfig', kubeconfig('ok.yaml', 'https://127.0.0.1:2'), '--context', 'nope'],
      /has no context "nope" \(contexts: c\)/,
    ],
    [
      'a cluster missing',
      () => [
        'verify',
        '--kubeconfig',
        kubeconfig('nocluster.yaml', 'https://x', (kc) => {
          kc.clusters = [];
        }),
      ],
      /names cluster "k", which the file does not define/,
    ],
    [
      'a user missing',
      () => [
        'verify',
        '--kubeconfig',
        kubeconfig('nouser.yaml', 'https://x', (kc) => {
          kc.users = [];
        }),
      ],
      /names user "u", which the file does not define/,
    ],
    [
      'a server that refuses',
      () => ['verify', '--kubeconfig', kubeconfig('refused.yaml', 'https://127.0.0.1:2')],
      /refused the connection/,
    ],
    [
      'a server that never answers',
      () => ['verify', '--kubeconfig', kubeconfig('silent.yaml', `https://127.0.0.1:${silentPort}`)],
      /did not answer/,
    ],
    [
      'a server with an unknown CA',
      () => ['verify', '--kubeconfig', kubeconfig('tls.yaml', `https://127.0.0.1:${tlsPort}`)],
      /TLS with https:\/\/127\.0\.0\.1:\d+ failed: .*(SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO)/,
    ],
    [
      'an unknown host',
      () => ['verify', '--kubeconfig', kubeconfig('host.yaml', 'https://no-such-host.invalid:6443')],
      /is unknown \(ENOTFOUND|EAI_AGAIN\)/,
    ],
    ['an unknown flag', () => ['verify', '--frobnicate'], /Unknown option '--frobnicate'/],
    ['an unknown format', () => ['verify', '--formats', 'md,pdf'], /unknown report format\(s\): pdf/],
    ['an unknown claim', () => ['verify', '--focus', 'ETCD-99'], /no claim or group "ETCD-99"/],
    ['an unknown group', () => ['verify', '--skip', 'scheduler'], /no claim or group "scheduler"/],
  ])(
    '%s',
    async (_what, args, message) => {
      const r = await cli(...args());
      expect(r.status).toBe(2);
      expect(r.stderr.split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^kube-claims: /);
      expect(r.stderr).toMatch(message);
      expect(r.seconds).toBeLessThan(20);
    },
    30_000,
  );
});
