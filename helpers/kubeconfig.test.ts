// Unit tests of the kubeconfig helpers. The CA, certificates and keys are made at run time with openssl
// in a temporary folder (removed afterwards); no key material is kept in the repository.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { redact } from './redact.ts';
import {
  contextCredentials,
  contextNamespace,
  inspectCredentials,
  KubeconfigError,
  parseDistinguishedName,
  parseKubeconfig,
  kubeconfigFilesLoaded,
  redactedKubeconfig,
  resolveContext,
} from './kubeconfig.ts';

describe("the files kubectl loads (client-go's loading rules)", () => {
  const exists = (p: string) => p !== '/missing';
  test('--kubeconfig wins over KUBECONFIG and ~/.kube/config', () => {
    expect(kubeconfigFilesLoaded({ flag: '/a', env: '/b:/c', home: '/root' }, exists).files).toEqual(['/a']);
  });
  test('without the flag, every existing file KUBECONFIG lists', () => {
    expect(kubeconfigFilesLoaded({ env: '/b:/missing:/c', home: '/root' }, exists).files).toEqual(['/b', '/c']);
  });
  test('with neither, ~/.kube/config', () => {
    expect(kubeconfigFilesLoaded({ home: '/root' }, exists).files).toEqual(['/root/.kube/config']);
  });
});

let dir: string;
const pem: Record<string, string> = {};

async function openssl(args: string[]): Promise<void> {
  await execa('openssl', args, { cwd: dir });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kc-kubeconfig-test-'));
  for (const ca of ['ca', 'other-ca']) {
    await openssl([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.crt`,
      '-days',
      '1',
      '-subj',
      `/CN=${ca}`,
    ]);
  }
  await openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'admin.key',
    '-out',
    'admin.csr',
    '-subj',
    '/O=kubeadm:cluster-admins/CN=kubernetes-admin',
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    'admin.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'admin.crt',
    '-days',
    '1',
  ]);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'other.key']);
  for (const f of ['ca.crt', 'other-ca.crt', 'admin.crt', 'admin.key', 'other.key'])
    pem[f] = await readFile(join(dir, f), 'utf8');
}, 60_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

function adminConf(): string {
  return stringify({
    apiVersion: 'v1',
    clusters: [
      {
        cluster: { 'certificate-authority-data': b64(pem['ca.crt']!), server: 'https://cp.example:6443' },
        name: 'kubernetes',
      },
    ],
    contexts: [{ context: { cluster: 'kubernetes', user: 'kubernetes-admin' }, name: 'kubernetes-admin@kubernetes' }],
    'current-context': 'kubernetes-admin@kubernetes',
    kind: 'Config',
    preferences: {},
    users: [
      {
        name: 'kubernetes-admin',
        user: { 'client-certificate-data': b64(pem['admin.crt']!), 'client-key-data': b64(pem['admin.key']!) },
      },
    ],
  });
}

describe('kubeconfig parsing', () => {
  test('resolves the current context to its cluster, user and server', () => {
    const ctx = resolveContext(parseKubeconfig(adminConf()));
    expect(ctx).toMatchObject({
      contextName: 'kubernetes-admin@kubernetes',
      clusterName: 'kubernetes',
      userName: 'kubernetes-admin',
      server: 'https://cp.example:6443',
    });
  });

  test('names what is missing', () => {
    expect(() => parseKubeconfig('- a list')).toThrow(KubeconfigError);
    expect(() => parseKubeconfig('a: [')).toThrow(/not YAML/);
    const kc = parseKubeconfig(adminConf());
    expect(() => resolveContext(kc, 'nope')).toThrow(/context nope not found/);
    kc.users = [];
    expect(() => resolveContext(kc)).toThrow(/user kubernetes-admin, which is not in the file/);
  });

  test('parses distinguished names with repeated attributes', () => {
    expect(parseDistinguishedName('O=a\nO=b\nCN=x=y')).toEqual({ O: ['a', 'b'], CN: ['x=y'] });
  });
});

describe('the namespace kubectl uses without -n', () => {
  const kc = (namespace?: string) => ({
    'current-context': 'a',
    contexts: [
      { name: 'a', context: { cluster: 'c', user: 'u', ...(namespace ? { namespace } : {}) } },
      { name: 'b', context: { namespace: 'kube-public' } },
    ],
  });
  test("the context's namespace, default when it names none (or an empty one)", () => {
    expect(contextNamespace(kc())).toBe('default');
    expect(contextNamespace(kc(''))).toBe('default');
    expect(contextNamespace(kc('kube-system'))).toBe('kube-system');
    expect(contextNamespace(kc('kube-system'), 'b')).toBe('kube-public');
  });
});

describe('credential inspection', () => {
  test('a kubeadm-like admin.conf: key matches, signed by the CA, subject and validity', () => {
    const got = inspectCredentials(contextCredentials(resolveContext(parseKubeconfig(adminConf()))));
    expect(got.errors).toEqual([]);
    expect(got.keyMatchesCertificate).toBe(true);
    expect(got.certificateSignedByCa).toBe(true);
    expect(got.certificateValidNow).toBe(true);
    expect(got.cert!.subject).toEqual({ O: ['kubeadm:cluster-admins'], CN: ['kubernetes-admin'] });
    expect(got.cert!.issuer).toEqual({ CN: ['ca'] });
    expect(got.ca!.isCA).toBe(true);
    expect(got.keyType).toBe('rsa');
  });

  test('a key of another pair does not match; another CA did not sign', () => {
    expect(inspectCredentials({ cert: pem['admin.crt'], key: pem['other.key'] }).keyMatchesCertificate).toBe(false);
    expect(inspectCredentials({ ca: pem['other-ca.crt'], cert: pem['admin.crt'] }).certificateSignedByCa).toBe(false);
  });

  test('validity is judged at the time given', () => {
    expect(
      inspectCredentials({ cert: pem['admin.crt'] }, new Date(Date.now() + 3 * 86_400_000)).certificateValidNow,
    ).toBe(false);
  });

  test('garbage is reported per field, not thrown', () => {
    const got = inspectCredentials({ ca: 'not a certificate', key: 'not a key' });
    expect(got.errors).toHaveLength(2);
    expect(got.errors[0]).toMatch(/^CA certificate: /);
    expect(got.errors[1]).toMatch(/^client key: /);
  });
});

describe('kubeconfigs fit for evidence', () => {
  test('the redacted structure keeps names and drops every credential', () => {
    const text = JSON.stringify(redactedKubeconfig(parseKubeconfig(adminConf())));
    expect(text).toContain('"client-key-data":"[REDACTED]"');
    expect(text).toContain('kubernetes-admin@kubernetes');
    expect(text).not.toMatch(/LS0tLS1/);
    expect(redact(text)).toBe(text);
  });
});
