// What a run writes to a cluster, seen from outside it: a watch on every kind of object kube-claims creates or
// changes, from the resourceVersion of a list made before. Counted as a write: an object added or deleted, or one
// changed that carries kube-claims' marks (its run label, a scaled-by or restricted-by annotation). Renewals of
// the cluster's own leases and status updates by its controllers and kubelets carry no mark and change no set of
// objects: they go on whatever a verifier does, so they are left out (docs/clusters.md, "Read-only runs"). So is
// what goes on in a namespace already being deleted when the watch starts (an earlier run's, its contents
// removed by the namespace controller): the write was made before.
import { KubernetesObjectApi, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { RESTRICTED_BY, RUN_LABEL, SCALED_BY } from '../../contract/marks.ts';

/** The kinds kube-claims creates or changes, watched cluster-wide: [apiVersion, kind, list path]. */
const WATCHED: ReadonlyArray<readonly [string, string, string]> = [
  ['v1', 'Namespace', '/api/v1/namespaces'],
  ['v1', 'Pod', '/api/v1/pods'],
  ['v1', 'ConfigMap', '/api/v1/configmaps'],
  ['v1', 'Secret', '/api/v1/secrets'],
  ['v1', 'ServiceAccount', '/api/v1/serviceaccounts'],
  ['v1', 'Service', '/api/v1/services'],
  ['v1', 'PersistentVolumeClaim', '/api/v1/persistentvolumeclaims'],
  ['apps/v1', 'StatefulSet', '/apis/apps/v1/statefulsets'],
  ['apps/v1', 'Deployment', '/apis/apps/v1/deployments'],
  ['apps/v1', 'DaemonSet', '/apis/apps/v1/daemonsets'],
  ['coordination.k8s.io/v1', 'Lease', '/apis/coordination.k8s.io/v1/leases'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', '/apis/rbac.authorization.k8s.io/v1/clusterroles'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'],
  ['rbac.authorization.k8s.io/v1', 'Role', '/apis/rbac.authorization.k8s.io/v1/roles'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', '/apis/rbac.authorization.k8s.io/v1/rolebindings'],
  ['apiextensions.k8s.io/v1', 'CustomResourceDefinition', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'],
];

export interface WriteWatch {
  /** "TYPE Kind namespace/name" of each write seen so far; throws when a watch ended before stop(). */
  seen(): string[];
  stop(): void;
}

const marked = (o: KubernetesObject) =>
  !!o.metadata?.labels?.[RUN_LABEL] ||
  !!o.metadata?.annotations?.[SCALED_BY] ||
  !!o.metadata?.annotations?.[RESTRICTED_BY];

/** Starts watching; resolves once every watch is open. */
export async function watchWrites(kc: KubeConfig): Promise<WriteWatch> {
  const writes: string[] = [];
  const ended: string[] = [];
  let stopped = false;
  const watch = new Watch(kc);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const aborts: AbortController[] = [];
  const namespaces = await objects.list('v1', 'Namespace');
  const terminating = new Set(
    namespaces.items.filter((n) => n.metadata?.deletionTimestamp).map((n) => n.metadata!.name!),
  );
  const before = (kind: string, o: KubernetesObject) =>
    terminating.has((kind === 'Namespace' ? o.metadata?.name : o.metadata?.namespace) ?? '');
  for (const [apiVersion, kind, path] of WATCHED) {
    // From the list's resourceVersion: the events after it, none for the objects that were already there.
    const list = await objects.list(
      apiVersion,
      kind,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      1,
    );
    aborts.push(
      await watch.watch(
        path,
        { resourceVersion: list.metadata?.resourceVersion },
        (type: string, o: KubernetesObject) => {
          if (before(kind, o)) return;
          if (type === 'ADDED' || type === 'DELETED' || (type === 'MODIFIED' && marked(o)))
            writes.push(`${type} ${kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
        },
        (e: unknown) => {
          if (!stopped) ended.push(`${kind}: ${e ? String(e) : 'closed by the server'}`);
        },
      ),
    );
  }
  return {
    seen: () => {
      if (ended.length) throw new Error(`a watch ended early, so writes may have gone unseen: ${ended.join('; ')}`);
      return [...writes];
    },
    stop: () => {
      stopped = true;
      for (const a of aborts) a.abort();
    },
  };
}
