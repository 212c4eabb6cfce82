// Deviations for the negative controls of §3. Live ones are named by the run and undone before they return,
// also when the control fails; the others turn a live observation into a deviated copy.
import { stringify } from 'yaml';
import { vi } from 'vitest';
import { runLabels } from '../../helpers/namespace.ts';
import { nodeExecOk } from '../../helpers/node.ts';
import { PURPOSE_LABEL } from '../../contract/marks.ts';
import { runName } from '../../contract/run-id.ts';
import type { ClusterInfo } from '../../contract/cluster.ts';
import type { Live } from '../live.ts';

const ANONYMOUS_READER = 'anonymous-pod-reader';

const isNotFound = (e: unknown) => (e as { code?: number }).code === 404;

async function ignoreNotFound(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * Grants system:anonymous `list pods` in every namespace (a run-named ClusterRole and ClusterRoleBinding),
 * waits until `anonymousMayList` says the grant is in force, runs fn, then deletes both and waits until
 * the grant is gone again. The API server is reachable on loopback only, and only for the seconds fn takes.
 */
export async function withAnonymousPodReader({ kube, run }: Pick<Live, 'kube' | 'run'>, anonymousMayList: () => Promise<boolean>, fn: () => Promise<void>): Promise<void> {
  const rbac = kube.rbac;
  const name = runName(run.runId, ANONYMOUS_READER);
  const labels = { ...runLabels(run.runId), [PURPOSE_LABEL]: ANONYMOUS_READER };
  try {
    await rbac.createClusterRole({ body: { metadata: { name, labels }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] } });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
      },
    });
    await vi.waitFor(async () => {
      if (!(await anonymousMayList())) throw new Error(`the grant ${name} is not in force after 30 s`);
    }, { timeout: 30_000, interval: 250 });
    await fn();
  } finally {
    await ignoreNotFound(() => rbac.deleteClusterRoleBinding({ name }));
    await ignoreNotFound(() => rbac.deleteClusterRole({ name }));
    await vi.waitFor(async () => {
      if (await anonymousMayList()) throw new Error(`anonymous users may still list pods 30 s after ${name} was deleted`);
    }, { timeout: 30_000, interval: 250 });
  }
}

/** A run-named folder under /tmp on the control-plane node, removed (with its content) afterwards. */
export async function withNodeTempDir({ cluster: c, run }: Pick<Live, 'cluster' | 'run'>, purpose: string, fn: (dir: string) => Promise<void>): Promise<void> {
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
    apiVersion: 'v1', kind: 'Config', preferences: {},
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
  return stderr.split('\n').filter((l) => !/^\s*X-Kubernetes-Pf-/i.test(l)).join('\n');
}
