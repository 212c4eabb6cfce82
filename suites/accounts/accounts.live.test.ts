// The clusters users bring come with other credentials and fewer rights than kind's admin certificate. After the
// claims of `npm test` ran, kube-claims is run again, as a user would, through --kubeconfig on the same cluster:
// with a ServiceAccount token bound to cluster-admin, with an exec plugin that prints an ExecCredential, with
// a ServiceAccount bound to `view`, and with one bound to what `kube-claims rbac --read-only` prints, run
// --read-only. The accounts and roles are named by the run and removed afterwards (and by the next run's
// leftover removal, should this one be killed). Nothing of a token is printed.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { KubernetesObjectApi, loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { EXIT } from '../../contract/exit-codes.ts';
import { PACKAGE_ROOT } from '../../contract/package-root.ts';
import { runName } from '../../contract/run-id.ts';
import { kubeClients } from '../../helpers/kube.ts';
import { createRunNamespace, deleteNamespace, runLabels } from '../../helpers/namespace.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';
import { redact } from '../../helpers/redact.ts';
import { READ_ONLY_REASON } from '../../contract/rights.ts';
import { watchWrites } from './writes.ts';
import { waitUntil } from '../../helpers/wait.ts';

const cluster = inject('cluster');
const run = inject('run');
const k = kubeClients(cluster.kubeconfig, cluster.context);
const namespace = runName(run.runId, 'accounts');
const bindings = {
  admin: runName(run.runId, 'accounts-admin'),
  viewer: runName(run.runId, 'accounts-view'),
  readOnly: runName(run.runId, 'accounts-read-only'),
  full: runName(run.runId, 'accounts-rbac'),
};
const dir = mkdtempSync(join(tmpdir(), 'kc-accounts-'));
/** Claims that read the API server with the kubeconfig's credentials, and nothing the controls disturb. */
const FOCUS = 'API-01,API-02,API-09,COMP-04';
/** Claims whose checks need a write (the article's workload, an exec into etcd's pod): unchecked when read-only. */
const NEEDS_A_WRITE = 'COMP-05,ETCD-04';
/** Claims that need an exec into etcd's pod and a shell on the node: what `kube-claims rbac` must grant. */
const NEEDS_A_WRITE_OF_RIGHTS = 'ETCD-04,COMP-01';

async function serviceAccountToken(name: string, clusterRole: string, binding: string): Promise<string> {
  await k.core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name, labels: runLabels(run.runId) } },
  });
  await k.rbac.createClusterRoleBinding({
    body: {
      metadata: { name: binding, labels: runLabels(run.runId) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  return tokenOf(name);
}

async function tokenOf(name: string): Promise<string> {
  const r = await k.core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { expirationSeconds: 3600 } },
  });
  const token = r.status?.token;
  if (!token) throw new Error(`the TokenRequest for ServiceAccount ${namespace}/${name} returned no token`);
  return token;
}

/** A kubeconfig of the cluster's server and CA with `user` as its only user (written 0600, removed afterwards). */
function kubeconfigWith(file: string, user: Record<string, unknown>): string {
  const c = k.kc.getCurrentCluster()!;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'kc',
    clusters: [
      {
        name: 'kc',
        cluster: {
          server: c.server,
          ...(c.caData ? { 'certificate-authority-data': c.caData } : { 'certificate-authority': c.caFile }),
        },
      },
    ],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'kc', context: { cluster: 'kc', user: 'u' } }],
  };
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

/** kube-claims as a user runs it: a process of its own, none of this run's KUBE_CLAIMS_* settings. */
function kubeClaims(args: string[]) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('KUBE_CLAIMS_') || key === 'KUBE_CLAIMS_CACHE'),
  );
  return execa(process.execPath, [join(PACKAGE_ROOT, 'bin/kube-claims.js'), ...args], {
    env: { ...env, NO_COLOR: '1' },
    extendEnv: false,
    reject: false,
    timeout: 150_000,
  });
}

/** `kube-claims verify --kubeconfig` on this cluster, its JSON report read back. */
async function verify(label: string, kubeconfig: string, ...args: string[]) {
  const reportDir = join(dir, 'reports', label);
  const r = await kubeClaims([
    'verify',
    '--kubeconfig',
    kubeconfig,
    '--kubectl',
    cluster.kubectl,
    '--kubernetes',
    cluster.serverVersion,
    '--report-dir',
    reportDir,
    '--formats',
    'json',
    ...args,
  ]);
  const output = redact(`${r.stdout}\n${r.stderr}`);
  // The results of the run, as JSON text (its evidence says which credentials a request carried).
  const runs = !existsSync(reportDir)
    ? []
    : readdirSync(reportDir, { withFileTypes: true }).filter((d) => d.isDirectory());
  const results = runs.length === 1 ? readFileSync(join(reportDir, runs[0]!.name, 'results.json'), 'utf8') : '';
  return { exitCode: r.exitCode, output, results, tail: output.trim().split('\n').slice(-15).join('\n') };
}

/**
 * What `kube-claims rbac [--read-only]` prints for a ServiceAccount of the run's namespace, applied under names
 * of the run (the printed names are the ones a user applies once; a test must not take them from the cluster).
 */
async function applyRbac(serviceAccount: string, readOnly: boolean): Promise<void> {
  const name = readOnly ? bindings.readOnly : bindings.full;
  const args = ['rbac', ...(readOnly ? ['--read-only'] : []), '--service-account', `${namespace}/${serviceAccount}`];
  const r = await kubeClaims(args);
  if (r.exitCode !== 0) throw new Error(`kube-claims ${args.join(' ')}: exit ${r.exitCode}: ${r.stderr}`);
  const objects = loadAllYaml(r.stdout) as KubernetesObject[];
  const api = KubernetesObjectApi.makeApiClient(k.kc);
  for (const o of objects) {
    const named = structuredClone(o) as KubernetesObject & { roleRef?: { name: string } };
    named.metadata = { ...named.metadata, labels: { ...named.metadata?.labels, ...runLabels(run.runId) } };
    if (o.kind !== 'ServiceAccount') named.metadata.name = name;
    if (named.roleRef) named.roleRef.name = name;
    await api.create(named);
  }
}

let adminToken: string;
let viewerToken: string;
let readOnlyToken: string;
let rbacToken: string;

beforeAll(async () => {
  await createRunNamespace(k, run.runId, namespace);
  adminToken = await serviceAccountToken('admin', 'cluster-admin', bindings.admin);
  viewerToken = await serviceAccountToken('viewer', 'view', bindings.viewer);
  await applyRbac('reader', true);
  readOnlyToken = await tokenOf('reader');
  await applyRbac('runner', false);
  rbacToken = await tokenOf('runner');
}, 60_000);

afterAll(async () => {
  for (const name of Object.values(bindings)) {
    await unlessNotFound(k.rbac.deleteClusterRoleBinding({ name }));
    await unlessNotFound(k.rbac.deleteClusterRole({ name }));
    await unlessNotFound(k.rbac.deleteNamespacedRoleBinding({ name, namespace: 'kube-system' }));
    await unlessNotFound(k.rbac.deleteNamespacedRole({ name, namespace: 'kube-system' }));
  }
  await deleteNamespace(k, namespace, 0);
  rmSync(dir, { recursive: true, force: true });
});

describe('kube-claims verify --kubeconfig with the credentials users bring', () => {
  test('a ServiceAccount token bound to cluster-admin: every claim checked and passed', async () => {
    const r = await verify(
      'token',
      kubeconfigWith('admin-token.kubeconfig', { token: adminToken }),
      '--claims-only',
      '--focus',
      FOCUS,
    );
    expect(r.exitCode, r.tail).toBe(EXIT.PASSED);
    expect(r.output).toMatch(/^4 claims PASS\b/m);
    expect(r.results).toContain(`with the kubeconfig's credentials: bearer token (ServiceAccount ${namespace}/admin)`);
    expect(r.output + r.results).not.toContain(adminToken);
  }, 180_000);

  test('an exec plugin printing an ExecCredential with that token: every claim checked and passed', async () => {
    const plugin = join(dir, 'exec-plugin.sh');
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: adminToken },
    });
    writeFileSync(plugin, `#!/bin/sh\ncat <<'EOF'\n${credential}\nEOF\n`, { mode: 0o700 });
    chmodSync(plugin, 0o700);
    const r = await verify(
      'exec',
      kubeconfigWith('admin-exec.kubeconfig', {
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
      }),
      '--claims-only',
      '--focus',
      FOCUS,
    );
    expect(r.exitCode, r.tail).toBe(EXIT.PASSED);
    expect(r.output).toMatch(/^4 claims PASS\b/m);
    expect(r.results).toContain(`with the kubeconfig's credentials: exec plugin ${plugin}`);
    expect(r.output + r.results).not.toContain(adminToken);
  }, 180_000);

  test('a ServiceAccount bound to what `kube-claims rbac` prints: exec, node shell and all, every claim passed', async () => {
    const r = await verify(
      'rbac',
      kubeconfigWith('runner-token.kubeconfig', { token: rbacToken }),
      '--claims-only',
      '--focus',
      `${FOCUS},${NEEDS_A_WRITE_OF_RIGHTS}`,
    );
    expect(r.exitCode, r.tail).toBe(EXIT.PASSED);
    expect(r.output).toMatch(/^6 claims PASS\b/m);
    expect(r.output).not.toContain(rbacToken);
  }, 180_000);

  test('a ServiceAccount bound to view: exit 2 before any claim, naming the rights the run lacks and the user', async () => {
    const r = await verify(
      'view',
      kubeconfigWith('viewer-token.kubeconfig', { token: viewerToken }),
      '--claims-only',
      '--focus',
      FOCUS,
    );
    expect(r.exitCode, r.tail).toBe(EXIT.USAGE_OR_ENVIRONMENT);
    expect(r.output).toMatch(
      new RegExp(`the run needs create namespaces[^\\n]*denied for system:serviceaccount:${namespace}:viewer`),
    );
    expect(r.output).not.toMatch(/claims FAIL/);
    expect(r.output).not.toContain(viewerToken);
  }, 180_000);

  test('a ServiceAccount bound to `kube-claims rbac --read-only`, run --read-only: exit 3, nothing failed, nothing written', async () => {
    const writes = await watchWrites(k.kc);
    const r = await verify(
      'read-only',
      kubeconfigWith('reader-token.kubeconfig', { token: readOnlyToken }),
      '--read-only',
      '--focus',
      `${FOCUS},${NEEDS_A_WRITE}`,
    ).finally(() => writes.stop());
    expect(r.exitCode, r.tail).toBe(EXIT.UNCHECKED);
    expect(r.output).toMatch(/^4 claims PASS\b/m);
    expect(r.output).toMatch(/^0 claims FAIL\b/m);
    const report = JSON.parse(r.results) as {
      readOnly?: unknown;
      groups: Array<{ claims: Array<{ id: string; status: string; message?: string }> }>;
    };
    expect(report.readOnly).toBeTruthy();
    for (const id of NEEDS_A_WRITE.split(',')) {
      const c = report.groups.flatMap((g) => g.claims).find((x) => x.id === id);
      expect(c?.status, id).toBe('skip');
      expect(c?.message, id).toContain(READ_ONLY_REASON);
    }
    expect(writes.seen(), 'writes seen while the read-only run ran').toEqual([]);
    expect(r.output).not.toContain(readOnlyToken);
  }, 180_000);

  test('the write watch sees a write (its negative control: a ConfigMap made in the accounts namespace)', async () => {
    const writes = await watchWrites(k.kc);
    const name = 'write-watch-probe';
    try {
      await k.core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: runLabels(run.runId) } } });
      await waitUntil('the watch to see the ConfigMap', async () => writes.seen().length > 0, 20_000, 200);
    } finally {
      writes.stop();
    }
    expect(writes.seen()).toEqual([`ADDED ConfigMap ${namespace}/${name}`]);
  }, 60_000);
});
