// Requests as the kubeconfig's user, for every credential kind a kubeconfig can hold: a node:https server on
// 127.0.0.1 records what each request presented (Authorization, Impersonate-*, the client certificate's
// subject). The CA, certificates and keys are made at run time with openssl in a temporary folder (removed
// afterwards); no key material is kept in the repository.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UsageError } from '../contract/errors.ts';
import { credentialKinds, describeCredentials } from './credentials.ts';
import { asKubeconfigUser, request } from './http.ts';
import { kubeClients, loadKubeconfig } from './kube.ts';

interface Seen {
  authorization?: string;
  impersonateUser?: string;
  impersonateGroup?: string[];
  impersonateUid?: string;
  clientCN?: string;
  execInfo?: string;
}

let dir: string;
let server: Server;
let url: string;
const seen: Seen[] = [];
const pem: Record<string, string> = {};
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A JWT-shaped ServiceAccount token (unsigned: the test server checks nothing, it records). */
const SA_TOKEN =
  ['{"alg":"none"}', '{"sub":"system:serviceaccount:kube-system:claims-admin"}']
    .map((p) => Buffer.from(p).toString('base64url'))
    .join('.') + '.sig';

async function openssl(args: string[]): Promise<void> {
  await execa('openssl', args, { cwd: dir });
}

async function issue(name: string, subj: string, ext?: string): Promise<void> {
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subj,
  ]);
  const extArgs = ext ? ['-extfile', `${name}.ext`] : [];
  if (ext) await writeFile(join(dir, `${name}.ext`), ext);
  await openssl([
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    ...extArgs,
  ]);
  pem[`${name}.crt`] = await readFile(join(dir, `${name}.crt`), 'utf8');
  pem[`${name}.key`] = await readFile(join(dir, `${name}.key`), 'utf8');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kc-credentials-test-'));
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=test-ca',
  ]);
  pem['ca.crt'] = await readFile(join(dir, 'ca.crt'), 'utf8');
  await issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\n');
  await issue('admin', '/O=kubeadm:cluster-admins/CN=kubernetes-admin');
  await issue('exec-user', '/CN=exec-user');
  server = createServer(
    {
      key: pem['server.key'],
      cert: pem['server.crt'],
      ca: pem['ca.crt'],
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const group = req.headersDistinct['impersonate-group'];
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push({
        authorization: req.headers.authorization,
        impersonateUser: req.headers['impersonate-user'] as string | undefined,
        impersonateGroup: group,
        impersonateUid: req.headers['impersonate-uid'] as string | undefined,
        clientCN: peer && 'subject' in peer && peer.subject ? String(peer.subject.CN) : undefined,
      });
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ major: '1', minor: '33', gitVersion: 'v1.33.3' }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A kubeconfig for the test server with `user`, written to the temporary folder; returns its path. */
async function kubeconfig(name: string, user: Record<string, unknown>): Promise<string> {
  const file = join(dir, `${name}.kubeconfig`);
  await writeFile(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'test',
      clusters: [{ name: 'test', cluster: { server: url, 'certificate-authority-data': b64(pem['ca.crt']!) } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: name } }],
      users: [{ name, user }],
    }),
  );
  return file;
}

/** One GET /version as the kubeconfig's user, through helpers/http.ts; what the server saw. */
async function presented(file: string): Promise<Seen> {
  const before = seen.length;
  const r = await request(`${url}/version`, { auth: asKubeconfigUser(loadKubeconfig(file)) });
  expect(r.status).toBe(200);
  expect(seen.length).toBe(before + 1);
  return seen.at(-1)!;
}

/** An exec plugin: a shell script printing `credential` as an ExecCredential (and keeping KUBERNETES_EXEC_INFO). */
async function execPlugin(name: string, status: Record<string, unknown>): Promise<string> {
  await writeFile(
    join(dir, `${name}.json`),
    JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status }),
  );
  const script = join(dir, `${name}.sh`);
  await writeFile(
    script,
    `#!/bin/sh\nhere=$(dirname "$0")\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "$here/${name}.info"\ncat "$here/${name}.json"\n`,
  );
  await chmod(script, 0o755);
  return script;
}

describe('requests as the kubeconfig user (helpers/http.ts), for each credential kind', () => {
  test('client certificate data: the certificate is presented, no Authorization', async () => {
    const s = await presented(
      await kubeconfig('cert-data', {
        'client-certificate-data': b64(pem['admin.crt']!),
        'client-key-data': b64(pem['admin.key']!),
      }),
    );
    expect(s).toMatchObject({ clientCN: 'kubernetes-admin', authorization: undefined });
  });

  test("client certificate files, relative to the kubeconfig's folder", async () => {
    const s = await presented(
      await kubeconfig('cert-file', { 'client-certificate': 'admin.crt', 'client-key': './admin.key' }),
    );
    expect(s.clientCN).toBe('kubernetes-admin');
  });

  test('inline bearer token', async () => {
    const s = await presented(await kubeconfig('token', { token: SA_TOKEN }));
    expect(s).toMatchObject({ authorization: `Bearer ${SA_TOKEN}`, clientCN: undefined });
  });

  test("tokenFile: read on each use (it may rotate), trimmed, relative to the kubeconfig's folder", async () => {
    await writeFile(join(dir, 'sa.token'), `${SA_TOKEN}\n`);
    const file = await kubeconfig('token-file', { tokenFile: 'sa.token' });
    const kc = loadKubeconfig(file);
    await request(`${url}/version`, { auth: asKubeconfigUser(kc) });
    expect(seen.at(-1)!.authorization).toBe(`Bearer ${SA_TOKEN}`);
    await writeFile(join(dir, 'sa.token'), 'rotated\n');
    await request(`${url}/version`, { auth: asKubeconfigUser(kc) });
    expect(seen.at(-1)!.authorization).toBe('Bearer rotated');
  });

  test('exec plugin printing a token (relative command, KUBERNETES_EXEC_INFO set as client-go sets it)', async () => {
    await execPlugin('exec-token', { token: 'token-from-exec' });
    const s = await presented(
      await kubeconfig('exec-token', {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: './exec-token.sh', interactiveMode: 'Never' },
      }),
    );
    expect(s.authorization).toBe('Bearer token-from-exec');
    expect(JSON.parse(await readFile(join(dir, 'exec-token.info'), 'utf8'))).toMatchObject({
      kind: 'ExecCredential',
      apiVersion: 'client.authentication.k8s.io/v1',
      spec: { interactive: false },
    });
  });

  test('exec plugin printing a client certificate and key', async () => {
    const script = await execPlugin('exec-cert', {
      clientCertificateData: pem['exec-user.crt'],
      clientKeyData: pem['exec-user.key'],
    });
    const s = await presented(
      await kubeconfig('exec-cert', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: script } }),
    );
    expect(s).toMatchObject({ clientCN: 'exec-user', authorization: undefined });
  });

  test('as and as-groups: Impersonate-User and Impersonate-Group headers beside the credentials', async () => {
    const s = await presented(
      await kubeconfig('impersonating', { token: SA_TOKEN, as: 'jane', 'as-groups': ['developers'], 'as-uid': 'u-1' }),
    );
    expect(s).toMatchObject({
      authorization: `Bearer ${SA_TOKEN}`,
      impersonateUser: 'jane',
      impersonateGroup: ['developers'],
      impersonateUid: 'u-1',
    });
  });

  test('the API clients of @kubernetes/client-node carry tokenFile and impersonation too', async () => {
    await writeFile(join(dir, 'client.token'), 'client-node-token\n');
    const { version } = kubeClients(
      await kubeconfig('client-node', { tokenFile: 'client.token', as: 'jane', 'as-groups': ['developers'] }),
    );
    expect((await version.getCode()).gitVersion).toBe('v1.33.3');
    expect(seen.at(-1)).toMatchObject({
      authorization: 'Bearer client-node-token',
      impersonateUser: 'jane',
      impersonateGroup: ['developers'],
    });
  });

  test('impersonation client-node cannot send is refused at load, naming why', async () => {
    const several = await kubeconfig('groups', { token: 't', as: 'jane', 'as-groups': ['a', 'b'] });
    expect(() => loadKubeconfig(several)).toThrow(UsageError);
    expect(() => loadKubeconfig(several)).toThrow(/as-groups names 2 groups/);
    expect(() => loadKubeconfig(join(dir, 'x.kubeconfig'))).toThrow(UsageError);
  });

  test('the server check only: CA verified, no credentials presented', async () => {
    const kc = loadKubeconfig(
      await kubeconfig('server-only', {
        token: SA_TOKEN,
        'client-certificate-data': b64(pem['admin.crt']!),
        'client-key-data': b64(pem['admin.key']!),
      }),
    );
    const r = await request(`${url}/version`, { auth: { kind: 'kubeconfig-server-only', kc } });
    expect(r.status).toBe(200);
    expect(seen.at(-1)).toMatchObject({ authorization: undefined, clientCN: undefined });
  });
});

describe('the credential kind of a kubeconfig user, without secrets', () => {
  test('each kind, named as the evidence names it', async () => {
    await writeFile(join(dir, 'sa.token'), `${SA_TOKEN}\n`);
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { 'client-certificate-data': b64(pem['admin.crt']!), 'client-key-data': b64(pem['admin.key']!) },
        'client certificate O=kubeadm:cluster-admins, CN=kubernetes-admin',
      ],
      [{ token: SA_TOKEN }, 'bearer token (ServiceAccount kube-system/claims-admin)'],
      [{ token: 'opaque' }, 'bearer token'],
      [
        { tokenFile: 'sa.token' },
        `bearer token from file ${join(dir, 'sa.token')} (ServiceAccount kube-system/claims-admin)`,
      ],
      [
        { exec: { command: './plugin.sh', apiVersion: 'client.authentication.k8s.io/v1' } },
        `exec plugin ${join(dir, 'plugin.sh')} (client.authentication.k8s.io/v1)`,
      ],
      [{ 'auth-provider': { name: 'oidc', config: { 'id-token': 'secret' } } }, 'auth-provider oidc'],
      [
        { token: SA_TOKEN, as: 'jane', 'as-groups': ['a', 'b'] },
        'bearer token (ServiceAccount kube-system/claims-admin), impersonating user jane, groups a, b',
      ],
      [{}, 'no credentials'],
    ];
    for (const [user, described] of cases) {
      const text = describeCredentials(user, dir);
      expect(text).toBe(described);
      expect(text).not.toContain(SA_TOKEN);
      expect(text).not.toContain('secret');
    }
    expect(credentialKinds({ token: 't', 'client-certificate-data': 'x' })).toEqual(['client-certificate', 'token']);
  });
});
