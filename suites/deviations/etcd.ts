// Deviations for the negative controls of §4. Where a deviation can be staged for real without harming the
// shared cluster, it is (an etcd container configured the insecure way, a lease kept alive, a lock's lease
// revoked, a watcher that is gone); each is undone before it returns. Where it cannot (etcd flags on the
// scheduler, keys under /registry, a different storage format), the check gets a deviated copy of the live
// observation instead.
import { startLaxEtcd, type StartedLaxEtcd } from '../../lib/etcd/container.ts';
import { run } from '../env.ts';
import type { ApiObjectIdentity, EtcdClientsObservation, VersionObservation } from '../checks/etcd.ts';

/** A throw-away etcd from the cluster's own etcd image with plain http and no client-cert-auth, always stopped. */
export async function withLaxEtcd<T>(image: string, fn: (etcd: StartedLaxEtcd) => Promise<T>): Promise<T> {
  await using etcd = await startLaxEtcd(image, run().runId);
  return await fn(etcd);
}

/** The live observation with an etcd flag added to the scheduler, as if it were given etcd credentials. */
export function schedulerWithEtcdFlag(o: EtcdClientsObservation, etcdServers: string): EtcdClientsObservation {
  return { ...o, scheduler: [...o.scheduler, `--etcd-servers=${etcdServers}`] };
}

/** The live observation with the pod's etcd image moved to another patch release. */
export function podImageOtherRelease(o: VersionObservation): VersionObservation {
  const image = o.podImage.replace(/:(v?)(\d+)\.(\d+)\.(\d+)/, (_m, v: string, ma: string, mi: string, pa: string) => `:${v}${ma}.${mi}.${Number(pa) + 1}`);
  return { ...o, podImage: image };
}

/** etcdctl v2's variable names for the certificates: etcdctl v3 ignores them (and warns). */
export function v2StyleEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return {
    ETCDCTL_API: env.ETCDCTL_API!,
    ETCDCTL_ENDPOINTS: env.ETCDCTL_ENDPOINTS!,
    ETCDCTL_CA_FILE: env.ETCDCTL_CACERT!,
    ETCDCTL_CERT_FILE: env.ETCDCTL_CERT!,
    ETCDCTL_KEY_FILE: env.ETCDCTL_KEY!,
  };
}

/** A key list with one more key, as if something wrote it (nothing is written under /registry). */
export function withExtraKey(keys: string[], key: string): string[] {
  return [...keys, key];
}

export function withoutKey(keys: string[], key: string): string[] {
  return keys.filter((k) => k !== key);
}

/** The object as JSON, the way an API server with --storage-media-type=application/json stores it. */
export function jsonStoredValue(object: unknown, identity: ApiObjectIdentity): Buffer {
  return Buffer.from(JSON.stringify({ kind: identity.kind, apiVersion: identity.apiVersion, ...(object as object) }));
}
