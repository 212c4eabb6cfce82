// The clusters users bring come with other credentials and fewer rights than kind's admin certificate. After the
// claims of `npm test` ran, kube-claims is run again, as a user would, through --kubeconfig on the same cluster:
// with a ServiceAccount token bound to cluster-admin, with an exec plugin that prints an ExecCredential, and with
// a ServiceAccount bound to `view`. The accounts live in a namespace named by the run, removed afterwards (and by
// the next run's leftover removal, should this one be killed). Nothing of a token is printed.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { EXIT } from '../../contract/exit-codes.ts';
import { PACKAGE_ROOT } from '../../contract/package-root.ts';
import { runName } from '../../contract/run-id.ts';
import { kubeClients } from '../../helpers/kube.ts';
import { createRunNamespace, deleteNamespace, runLabels } from '../../helpers/namespace.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';
import { redact } from '../../helpers/redact.ts';

const cluster = inject('cluster');
const run = inject('run');
const k = kubeClients(cluster.kubeconfig, cluster.context);
const namespace = runName(run.runId, 'accounts');
const bindings = { admin: runName(run.runId, 'accounts-admin'), viewer: runName(run.runId, 'accounts-view') };
const dir = mkdtempSync(join(tmpdir(), 'kc-accounts-'));
/** Claims that read the API server with the kubeconfig's credentials, and nothing the controls disturb. */
const FOCUS = 'API-01,API-02,API-09,COMP-04';

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

/** `kube-claims verify` as a user runs it: a process of its own, none of this run's KUBE_CLAIMS_* settings. */
async function verify(label: string, kubeconfig: string, ...args: string[]) {
  const reportDir = join(dir, 'reports', label);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('KUBE_CLAIMS_') || key === 'KUBE_CLAIMS_CACHE'),
  );
  const r = await execa(
    process.execPath,
    [
      join(PACKAGE_ROOT, 'bin/kube-claims.js'),
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
    ],
    { env: { ...env, NO_COLOR: '1' }, extendEnv: false, reject: false, timeout: 150_000 },
  );
  const output = redact(`${r.stdout}\n${r.stderr}`);
  // The results of the run, as JSON text (its evidence says which credentials a request carried).
  const runs = !existsSync(reportDir)
    ? []
    : readdirSync(reportDir, { withFileTypes: true }).filter((d) => d.isDirectory());
  const results = runs.length === 1 ? readFileSync(join(reportDir, runs[0]!.name, 'results.json'), 'utf8') : '';
  return { exitCode: r.exitCode, output, results, tail: output.trim().split('\n').slice(-15).join('\n') };
}

let adminToken: string;
let viewerToken: string;

beforeAll(async () => {
  await createRunNamespace(k, run.runId, namespace);
  adminToken = await serviceAccountToken('admin', 'cluster-admin', bindings.admin);
  viewerToken = await serviceAccountToken('viewer', 'view', bindings.viewer);
}, 60_000);

afterAll(async () => {
  for (const name of Object.values(bindings)) await unlessNotFound(k.rbac.deleteClusterRoleBinding({ name }));
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
});
