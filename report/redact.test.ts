// Redaction: no private key, certificate body, kubeconfig credential, bearer token or service-account
// token survives redact(), nor any rendered report. All secret material is generated at run time.
import { describe, expect, test } from 'vitest';
import { stringify as toYaml } from 'yaml';
import { redact } from '../helpers/redact.ts';
import { fixtureModel } from './fixtures/model.ts';
import { fragments, makeSecrets, pemBody, privateKeyLabel } from './fixtures/secrets.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderTerminal } from './terminal.ts';
import type { ResultsModel } from './types.ts';

const secrets = makeSecrets();
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** A PEM header for a private key, built here so that no such literal sits in the repository. */
const PRIVATE_KEY_HEADER = new RegExp(`BEGIN [A-Z ]*${privateKeyLabel('').replace(' ', '\\s')}`);

function expectNoLeak(output: string, secret: string): void {
  for (const fragment of fragments(secret)) expect(output, `leaked ${fragment}`).not.toContain(fragment);
}

function kubeconfig(form: 'yaml' | 'json'): { text: string; material: string[] } {
  const ca = b64(secrets.caCertificate);
  const cert = b64(secrets.certificate);
  const key = b64(secrets.rsaKey);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'kubernetes', cluster: { 'certificate-authority-data': ca, server: 'https://172.18.0.2:6443' } },
    ],
    contexts: [{ name: 'kubernetes-admin@kubernetes', context: { cluster: 'kubernetes', user: 'kubernetes-admin' } }],
    'current-context': 'kubernetes-admin@kubernetes',
    users: [
      { name: 'kubernetes-admin', user: { 'client-certificate-data': cert, 'client-key-data': key } },
      { name: 'sa', user: { token: secrets.jwt } },
    ],
  };
  const text = form === 'yaml' ? toYaml(config, { lineWidth: 0 }) : JSON.stringify(config, null, 2);
  return { text, material: [ca, cert, key, secrets.jwt] };
}

describe('redact', () => {
  test.each([
    ['RSA (PKCS#1)', () => secrets.rsaKey],
    ['EC (SEC1)', () => secrets.ecKey],
    ['PKCS#8 (RSA and Ed25519)', () => secrets.pkcs8Key],
  ])('removes %s private keys, header included', (_kind, key) => {
    const out = redact(`key file:\n${key()}\ndone`);
    for (const block of key().split(/(?<=-----\n)(?=-----BEGIN)/)) expectNoLeak(out, pemBody(block));
    expect(out).not.toMatch(PRIVATE_KEY_HEADER);
    expect(out).toContain('[REDACTED');
    expect(out).toMatch(/^key file:\n.*\ndone$/s);
  });

  test('removes certificate PEM bodies', () => {
    const out = redact(`ca.crt:\n${secrets.caCertificate}apiserver.crt:\n${secrets.certificate}`);
    expectNoLeak(out, pemBody(secrets.caCertificate));
    expectNoLeak(out, pemBody(secrets.certificate));
    expect(out).toContain('[REDACTED CERTIFICATE]');
  });

  test('removes PEM blocks inside JSON strings (escaped line breaks)', () => {
    const out = redact(JSON.stringify({ key: secrets.ecKey, cert: secrets.certificate }));
    expectNoLeak(out, pemBody(secrets.ecKey));
    expectNoLeak(out, pemBody(secrets.certificate));
    expect(() => JSON.parse(out)).not.toThrow();
  });

  test('removes a PEM block cut short, and the tail of one whose start was cut', () => {
    const key = secrets.rsaKey;
    const head = key.slice(0, Math.floor(key.length / 2));
    const tail = key.slice(Math.floor(key.length / 2));
    const out = redact(`${head}\n(output truncated)\n\n…\n${tail}`);
    expectNoLeak(out, pemBody(key));
    expect(out).not.toMatch(PRIVATE_KEY_HEADER);
  });

  test.each(['yaml', 'json'] as const)('removes kubeconfig credentials (%s form)', (form) => {
    const { text, material } = kubeconfig(form);
    const out = redact(text);
    for (const secret of material) expectNoLeak(out, secret);
    expect(out).toContain('server: https://172.18.0.2:6443'.replace(': ', form === 'json' ? '": "' : ': '));
    expect(out).toContain('kubernetes-admin@kubernetes');
    if (form === 'json') expect(() => JSON.parse(out)).not.toThrow();
  });

  test('removes kubeconfig credentials written as YAML block scalars and as camelCase fields', () => {
    const key = b64(secrets.ecKey);
    const block = `users:\n- name: admin\n  user:\n    client-key-data: |\n      ${key.slice(0, 60)}\n      ${key.slice(60)}\n    username: admin\n`;
    const camel = JSON.stringify({
      keyData: secrets.ecKey,
      certData: b64(secrets.certificate),
      caData: 'Q0FEQVRB'.repeat(12),
    });
    const out = redact(`${block}\n${camel}`);
    expectNoLeak(out, key);
    expectNoLeak(out, pemBody(secrets.ecKey));
    expectNoLeak(out, b64(secrets.certificate));
    expect(out).toContain('username: admin');
  });

  test('removes bearer tokens in headers, JSON header maps and command lines', () => {
    const token = secrets.bearer;
    const out = redact(
      [
        `Authorization: Bearer ${token}`,
        JSON.stringify({ headers: { Authorization: `Bearer ${token}` } }),
        `curl -H "Authorization: Bearer ${token}" https://127.0.0.1:6443/api`,
        `kubectl --token=${token} get pods`,
        `authorization: basic ${b64(`admin:${token}`)}`,
        `token: ${token}`,
      ].join('\n'),
    );
    expectNoLeak(out, token);
    expectNoLeak(out, b64(`admin:${token}`));
  });

  test('removes passwords in URLs', () => {
    const out = redact(
      `etcd endpoint https://root:${secrets.bearer}@127.0.0.1:2379 and "url":"http://u:${secrets.bearer}@h/x"`,
    );
    expectNoLeak(out, secrets.bearer);
    expect(out).toContain('https://root:[REDACTED]@127.0.0.1:2379');
  });

  test('removes service-account JWTs wherever they appear', () => {
    const jwt = secrets.jwt;
    const out = redact(`mounted token: ${jwt}\n{"status":{"token":"${jwt}"}}\nthe bare token ${jwt} again`);
    for (const part of jwt.split('.')) expectNoLeak(out, part);
    expect(out).toContain('[REDACTED');
  });

  test('removes kubeadm bootstrap tokens', () => {
    const out = redact(
      `kubeadm join 172.18.0.2:6443 --token ${secrets.bootstrapToken} --discovery-token-ca-cert-hash sha256:${'ab'.repeat(32)}`,
    );
    expect(out).not.toContain(secrets.bootstrapToken);
    expect(out).toContain(`sha256:${'ab'.repeat(32)}`);
  });

  test('keeps ordinary evidence as it is', () => {
    const text = [
      'kube-apiserver-kube-claims-control-plane   1/1     Running   0          5m',
      'GET https://127.0.0.1:39211/api/v1/namespaces/default/pods?limit=500 403 Forbidden in 4 milliseconds',
      'Authorization: Bearer <masked>',
      `image: registry.k8s.io/etcd:3.5.21-0@sha256:${'0123456789abcdef'.repeat(4)}`,
      '/registry/apiregistration.k8s.io/apiservices/v1.admissionregistration.k8s.io',
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"Forbidden","code":403}',
      '{"clusters":[{"cluster":{"server":"https://cp.example:6443"},"name":"kubernetes"}],"contexts":[{"name":"kubernetes-admin@kubernetes"}]}',
    ].join('\n');
    expect(redact(text)).toBe(text);
  });

  test('is idempotent', () => {
    const { text } = kubeconfig('yaml');
    const once = redact(`${text}\n${secrets.rsaKey}\nAuthorization: Bearer ${secrets.bearer}`);
    expect(redact(once)).toBe(once);
  });
});

/**
 * A model with secrets everywhere a string goes, built by hand (not by buildModel), so renderers must redact
 * themselves.
 */
function modelWithSecrets(): { model: ResultsModel; material: string[] } {
  const model = fixtureModel();
  const { text: kubeconfigYaml, material } = kubeconfig('yaml');
  const claims = model.groups.flatMap((g) => g.claims);
  const failing = claims.find((c) => c.status === 'fail')!;
  failing.message = `admin.conf did not parse:\n${secrets.rsaKey}\nAuthorization: Bearer ${secrets.bearer}`;
  failing.evidence.push(
    { label: '/etc/kubernetes/admin.conf', body: kubeconfigYaml },
    { label: `token ${secrets.jwt}`, body: `${secrets.certificate}\n${secrets.ecKey}` },
  );
  failing.findings.push({
    check: 'user-credential',
    expected: `token ${secrets.jwt}`,
    actual: secrets.ecKey,
    message: `Authorization: Bearer ${secrets.bearer}`,
  });
  failing.negativeControls.push({
    name: `with token: ${secrets.bearer}`,
    status: 'fail',
    durationMs: 5,
    message: secrets.pkcs8Key,
    evidence: [{ label: 'sa token', body: secrets.jwt }],
    findings: [
      { check: 'ca-data', expected: b64(secrets.caCertificate), actual: secrets.rsaKey, message: secrets.jwt },
    ],
  });
  const skipped = claims.find((c) => c.status === 'skip')!;
  skipped.message = `skipped: ${JSON.stringify({ 'client-key-data': b64(secrets.ecKey) })}`;
  model.otherTests.push({
    name: 'leaky unit test',
    file: 'helpers/x.test.ts',
    status: 'fail',
    durationMs: 1,
    message: `expected ${secrets.jwt} to be undefined`,
  });
  model.errors.push({
    origin: 'unhandled',
    message: `Error: could not load ${secrets.pkcs8Key}`,
    countsAsFailure: true,
  });
  model.environment = {
    ...model.environment,
    serverUrl: `https://user:${secrets.bearer}@127.0.0.1:6443`,
    token: secrets.jwt,
    caData: b64(secrets.caCertificate),
  };
  return {
    model,
    material: [
      ...material,
      pemBody(secrets.rsaKey),
      pemBody(secrets.ecKey),
      pemBody(secrets.certificate),
      pemBody(secrets.caCertificate),
      ...secrets.pkcs8Key.split(/(?<=-----\n)(?=-----BEGIN)/).map(pemBody),
      secrets.bearer,
      ...secrets.jwt.split('.'),
      b64(secrets.ecKey),
    ],
  };
}

describe('rendered reports', () => {
  const { model, material } = modelWithSecrets();
  const outputs: Record<string, string> = {
    'junit.xml': renderJunit(model),
    'results.json': renderJson(model),
    'report.md': renderMarkdown(model),
    'report.html': renderHtml(model),
    terminal: renderTerminal(model, { color: true, reportDir: '/tmp/reports/x', files: ['junit.xml'] }),
  };

  test.each(Object.keys(outputs))('%s holds no secret material', (name) => {
    const output = outputs[name]!;
    for (const secret of material) expectNoLeak(output, secret);
    expect(output).not.toMatch(PRIVATE_KEY_HEADER);
  });

  test('the fixture really carried the secrets into the model', () => {
    const raw = JSON.stringify(model);
    expect(raw).toContain(secrets.bearer);
    expect(raw).toContain(secrets.jwt);
  });
});
