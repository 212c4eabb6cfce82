// Deviations for the negative controls of §3. Live ones are named by the run and undone before they return,
// also when the control fails; the others turn a live observation into a deviated copy.
import { stringify } from 'yaml';
import { vi } from 'vitest';
import { isDeepStrictEqual } from 'node:util';
import { runLabels } from '../../helpers/namespace.ts';
import type { V1PolicyRule } from '@kubernetes/client-node';
import { restoreRestricted, restrictRecorded } from '../../helpers/restricted-role.ts';
import { nodeExecOk } from '../../helpers/node.ts';
import { PURPOSE_LABEL } from '../../contract/marks.ts';
import { runName } from '../../contract/run-id.ts';
import type { ClusterInfo } from '../../contract/cluster.ts';
import type { Live } from '../live.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';

const ANONYMOUS_READER = 'anonymous-pod-reader';

/**
 * Grants system:anonymous `list pods` in every namespace (a run-named ClusterRole and ClusterRoleBinding),
 * waits until `anonymousMayList` says the grant is in force, runs fn, then deletes both and waits until
 * the grant is gone again. The API server is reachable on loopback only, and only for the seconds fn takes.
 */
export async function withAnonymousPodReader(
  { kube, run }: Pick<Live, 'kube' | 'run'>,
  anonymousMayList: () => Promise<boolean>,
  fn: () => Promise<void>,
): Promise<void> {
  const rbac = kube.rbac;
  const name = runName(run.runId, ANONYMOUS_READER);
  const labels = { ...runLabels(run.runId), [PURPOSE_LABEL]: ANONYMOUS_READER };
  try {
    await rbac.createClusterRole({
      body: { metadata: { name, labels }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
      },
    });
    await vi.waitFor(
      async () => {
        if (!(await anonymousMayList())) throw new Error(`the grant ${name} is not in force after 30 s`);
      },
      { timeout: 30_000, interval: 250 },
    );
    await fn();
  } finally {
    // Absent is what removal wants: a 404 is fine, any other failure is thrown.
    await unlessNotFound(rbac.deleteClusterRoleBinding({ name }));
    await unlessNotFound(rbac.deleteClusterRole({ name }));
    await vi.waitFor(
      async () => {
        if (await anonymousMayList())
          throw new Error(`anonymous users may still list pods 30 s after ${name} was deleted`);
      },
      { timeout: 30_000, interval: 250 },
    );
  }
}

/**
 * The role (and its binding) that lets anonymous users read /version, /healthz, /livez and /readyz (kube-apiserver's
 * RBAC bootstrap policy).
 */
export const PUBLIC_INFO_VIEWER = 'system:public-info-viewer';

const VERSION_URLS = new Set(['/version', '/version/']);

/**
 * The rules without the non-resource URLs /version and /version/ (the health endpoints stay: kubelet probes
 * kube-apiserver with them).
 */
function withoutVersion(rules: V1PolicyRule[]): V1PolicyRule[] {
  return rules
    .map((r) =>
      r.nonResourceURLs ? { ...r, nonResourceURLs: r.nonResourceURLs.filter((u) => !VERSION_URLS.has(u)) } : r,
    )
    .filter((r) => !r.nonResourceURLs || r.nonResourceURLs.length);
}

/**
 * Takes /version from the ClusterRole system:public-info-viewer (recorded on it, so that the next run puts it
 * back if this one is killed: kind/providers/leftovers.ts), waits until `anonymousStatus` is 403, runs fn, puts
 * the rules back and waits until it is 200 again; then the role must be as it was (rules, labels, annotations).
 * Only anonymous users lose /version meanwhile (authenticated ones have it through system:discovery too), and
 * the health endpoints stay readable.
 */
export async function withoutAnonymousVersion(
  { kube, run }: Pick<Live, 'kube' | 'run'>,
  anonymousStatus: () => Promise<number>,
  fn: () => Promise<void>,
): Promise<{ deniedAfterMs: number; windowMs: number }> {
  const rbac = kube.rbac;
  const before = await rbac.readClusterRole({ name: PUBLIC_INFO_VIEWER });
  const t0 = performance.now();
  let restricted = false;
  let deniedAfterMs: number | undefined;
  try {
    await restrictRecorded(kube, PUBLIC_INFO_VIEWER, withoutVersion, run.runId);
    restricted = true;
    await vi.waitFor(
      async () => {
        if ((await anonymousStatus()) !== 403)
          throw new Error(`anonymous GET /version is not denied 10 s after ${PUBLIC_INFO_VIEWER} lost it`);
      },
      { timeout: 10_000, interval: 20 },
    );
    deniedAfterMs = Math.round(performance.now() - t0);
    await fn();
  } finally {
    if (restricted) await restoreRestricted(kube, PUBLIC_INFO_VIEWER);
  }
  await vi.waitFor(
    async () => {
      if ((await anonymousStatus()) !== 200)
        throw new Error(`anonymous GET /version is still denied 10 s after ${PUBLIC_INFO_VIEWER} got it back`);
    },
    { timeout: 10_000, interval: 20 },
  );
  const windowMs = Math.round(performance.now() - t0);
  const after = await rbac.readClusterRole({ name: PUBLIC_INFO_VIEWER });
  const shape = (r: typeof before) => ({
    rules: r.rules,
    aggregationRule: r.aggregationRule,
    labels: r.metadata?.labels,
    annotations: r.metadata?.annotations,
  });
  if (!isDeepStrictEqual(shape(after), shape(before))) {
    throw new Error(
      `${PUBLIC_INFO_VIEWER} is not as it was after the control: ${JSON.stringify(shape(after))} (before: ${JSON.stringify(shape(before))})`,
    );
  }
  return { deniedAfterMs: deniedAfterMs ?? windowMs, windowMs };
}

/** A run-named folder under /tmp on the control-plane node, removed (with its content) afterwards. */
export async function withNodeTempDir(
  { cluster: c, run }: Pick<Live, 'cluster' | 'run'>,
  purpose: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = `/tmp/${runName(run.runId, purpose)}`;
  await nodeExecOk(c, ['mkdir', '-m', '755', dir]);
  try {
    await fn(dir);
  } finally {
    await nodeExecOk(c, ['rm', '-rf', '--', dir]);
  }
}

/** A kubeconfig of the shape kubeadm writes, with no credentials in it (for staged copies on the node). */
export function credentialFreeKubeconfig(name: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name, cluster: { server: 'https://control-plane.invalid:6443' } }],
    contexts: [{ name: `user@${name}`, context: { cluster: name, user: 'user' } }],
    users: [{ name: 'user', user: {} }],
    'current-context': `user@${name}`,
  });
}

/** Writes `content` to `path` on the node with the given mode. */
export async function writeNodeFile(c: ClusterInfo, path: string, content: string, mode: string): Promise<void> {
  await nodeExecOk(c, ['tee', path], content);
  await nodeExecOk(c, ['chmod', mode, path]);
}

/** kubectl -v 8 output as if API Priority and Fairness were off: without the X-Kubernetes-Pf-* response headers. */
export function withoutApfHeaders(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^\s*X-Kubernetes-Pf-/i.test(l))
    .join('\n');
}

/** v1.33.3 → v1.33.4. */
export function nextPatch(version: string): string {
  return version.replace(/^(v\d+\.\d+\.)(\d+)/, (_m, p: string, patch: string) => `${p}${Number(patch) + 1}`);
}

/**
 * The run told to expect the next patch release of what it was configured with (as when the wrong image was used);
 * the cluster and its observation stay as they are.
 */
export function expectingNextPatch(configured: string): string {
  return nextPatch(configured);
}
