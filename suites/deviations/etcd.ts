// Deviations for the negative controls of §4. Where a deviation can be staged for real without harming the
// shared cluster, it is (an etcd container configured the insecure way, a lease kept alive, a lock's lease
// revoked, a watcher that is gone); each is undone before it returns. Where it cannot (etcd flags on the
// scheduler, keys under /registry, a different storage format), the check gets a deviated copy of the live
// observation instead.
import { startLaxEtcd, type StartedLaxEtcd } from '../../helpers/etcd/container.ts';
import { startLaxEtcdPod } from '../../helpers/etcd/lax-pod.ts';
import { ApiextensionsV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { createRunNamespace, runLabels } from '../../helpers/namespace.ts';
import { randomBytes } from 'node:crypto';
import { runHash, runName } from '../../contract/run-id.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { getApiJson } from '../../helpers/http.ts';
import type { Etcd3 } from 'etcd3';
import { NotStaged } from '../differences.ts';
import type { Live } from '../live.ts';
import type { EtcdClientsObservation } from '../checks/etcd/clients.ts';
import type { VersionObservation } from '../checks/etcd/version.ts';
import { isNotFound, unlessNotFound } from '../../helpers/not-found.ts';
import type { EtcdUnderTest } from '../etcd/fixture.ts';

/**
 * A throw-away etcd from the cluster's own etcd image with plain http and no client-cert-auth, always stopped:
 * a container on this host (testcontainers) when this host's Docker has the image (under the name it gives
 * it), else a pod of the run on the control-plane node, which has it. No registry is asked either way.
 */
export async function withLaxEtcd<T>(
  { cluster, kube, run }: Pick<Live, 'cluster' | 'kube' | 'run'>,
  image: string,
  fn: (etcd: StartedLaxEtcd) => Promise<T>,
): Promise<T> {
  const hostImage = `${cluster.hostImagePrefix ?? ''}${image}`;
  const { runId } = run;
  const start = cluster.hostImages?.includes(hostImage)
    ? startLaxEtcd(hostImage, runId)
    : startLaxEtcdPod({ k: kube, namespace: runName(runId, 'run'), nodeName: cluster.nodeName, image, runId });
  await using etcd = await start.catch((e: Error) => {
    throw new NotStaged(`the lax etcd could not be started: ${e.message.split('\n')[0]}`);
  });
  return await fn(etcd);
}

/** The live observation with an etcd flag added to the scheduler, as if it were given etcd credentials. */
export function schedulerWithEtcdFlag(o: EtcdClientsObservation, etcdServers: string): EtcdClientsObservation {
  return { ...o, scheduler: [...o.scheduler, `--etcd-servers=${etcdServers}`] };
}

/** The live observation with the pod's etcd image moved to another patch release. */
export function podImageOtherRelease(o: VersionObservation): VersionObservation {
  const image = o.podImage.replace(
    /:(v?)(\d+)\.(\d+)\.(\d+)/,
    (_m, v: string, ma: string, mi: string, pa: string) => `:${v}${ma}.${mi}.${Number(pa) + 1}`,
  );
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

/** Where a run's stray key goes: outside /registry/ and outside the runs' own /kube-claims/ (leftovers find both). */
export const strayKey = (runId: string) => `/kube-claims-stray/${runId}`;

/**
 * A key outside /registry/ put into the cluster's etcd for real, named by the run, and deleted afterwards (by a
 * later run's leftover removal should this one be killed). Nothing of Kubernetes' is touched.
 */
export async function withKeyOutsideRegistry<T>(
  etcd: Pick<EtcdUnderTest, 'etcdctl'>,
  runId: string,
  fn: (key: string) => Promise<T>,
): Promise<T> {
  const key = strayKey(runId);
  const put = await etcd.etcdctl(['put', key, 'kube-claims ETCD-10 negative control']);
  if (put.exitCode !== 0) throw new NotStaged(`etcdctl put ${key}: ${put.stderr.trim().split('\n').at(-1)}`);
  try {
    return await fn(key);
  } finally {
    await etcd.etcdctl(['del', key]);
  }
}

/**
 * A namespace the run makes (named and labelled by the run) and deletes afterwards, without waiting for it to
 * go: `fn` gets its name. The API then lists a namespace that etcd's keys of an earlier revision lack.
 */
export async function withRunMadeNamespace<T>(
  { kube, run }: Pick<Live, 'kube' | 'run'>,
  fn: (name: string) => Promise<T>,
): Promise<T> {
  const name = runName(run.runId, `etcd11-${randomBytes(2).toString('hex')}`);
  await createRunNamespace(kube, run.runId, name);
  try {
    return await fn(name);
  } finally {
    await unlessNotFound(kube.core.deleteNamespace({ name }));
  }
}

/**
 * A pod the run makes in its own namespace and deletes afterwards: held by a scheduling gate, so it is never
 * scheduled and no image is pulled; only the object (and its key) exists. `fn` gets NAMESPACE/NAME.
 */
export async function withRunMadePod<T>(
  { kube, run }: Pick<Live, 'kube' | 'run'>,
  fn: (pod: string) => Promise<T>,
): Promise<T> {
  const namespace = runName(run.runId, 'run');
  const name = `etcd12-${randomBytes(2).toString('hex')}`;
  await kube.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: runLabels(run.runId) },
      spec: {
        schedulingGates: [{ name: 'kube-claims.io/never-scheduled' }],
        containers: [{ name: 'never-runs', image: 'registry.k8s.io/pause:3.10' }],
      },
    },
  });
  try {
    return await fn(`${namespace}/${name}`);
  } finally {
    await unlessNotFound(kube.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }));
  }
}

/** A key list with one more key, as if something wrote it (nothing is written under /registry). */
export function withExtraKey(keys: string[], key: string): string[] {
  return [...keys, key];
}

export function withoutKey(keys: string[], key: string): string[] {
  return keys.filter((k) => k !== key);
}

/**
 * A custom resource of a run-named CustomResourceDefinition, in the run's namespace: the API server stores
 * custom resources as JSON, whatever it does for built-in types. A live value in etcd that is not protobuf,
 * made for a negative control and removed (with its definition) afterwards; labelled with the run, so a later
 * run removes it if this one is killed. `fn` gets its etcd key and the object as the API serves it.
 */
export async function withCustomResource<T>(
  { kube, run }: Pick<Live, 'kube' | 'run'>,
  fn: (cr: { key: string; object: Record<string, unknown> }) => Promise<T>,
  skip: (reason: string) => never,
): Promise<T> {
  const runId = run.runId;
  const group = `kc-${runHash(runId)}.kube-claims.io`;
  const name = `probes.${group}`;
  const namespace = runName(runId, 'run');
  const ext = kube.make(ApiextensionsV1Api);
  try {
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name, labels: runLabels(runId) },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'probes', singular: 'probe', kind: 'Probe' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          ],
        },
      },
    });
  } catch (e) {
    if ((e as { code?: number }).code === 403)
      skip(`unchecked: the kubeconfig's user may not create a CustomResourceDefinition (${name})`);
    throw e;
  }
  try {
    const custom = kube.make(CustomObjectsApi);
    const body = {
      apiVersion: `${group}/v1`,
      kind: 'Probe',
      metadata: { name: 'stored-as-json' },
      spec: { note: 'kube-claims negative control' },
    };
    // The new type is served once the definition is established and discovery has it: bounded.
    let object: Record<string, unknown> | undefined;
    await waitUntil(
      `custom resource type ${name} to be served`,
      async () => {
        try {
          object = (await custom.createNamespacedCustomObject({
            group,
            version: 'v1',
            namespace,
            plural: 'probes',
            body,
          })) as Record<string, unknown>;
          return true;
        } catch (e) {
          // retried: the API server does not serve the new type yet (404)
          if (isNotFound(e)) return false;
          throw e;
        }
      },
      30_000,
      500,
    );
    return await fn({ key: `/registry/${group}/probes/${namespace}/stored-as-json`, object: object! });
  } finally {
    // best-effort: the run-named type; one that lingers is removed by the next run
    await ext.deleteCustomResourceDefinition({ name }).catch(() => undefined);
  }
}

/** Bytes a padded value carries beyond what the API server stored: more than any small object's JSON. */
const PADDING = 4096;
/** A field number runtime.Unknown does not define (it has 1–4): protobuf decoders skip it. */
const UNKNOWN_FIELD = 15;

/**
 * A ConfigMap of the run in its namespace whose stored value is larger than its JSON: once the API server has
 * stored it (protobuf in the k8s\0 envelope), the value is put back into etcd with PADDING bytes more, in an
 * envelope field runtime.Unknown does not define. Decoders skip such a field, so the API server still serves
 * the object (at the revision of the put); its next write of the object would drop it. Deleted through the API
 * afterwards; a killed run's namespace, with it, goes with its leftovers. `fn` gets the key, the padded value and
 * the object's JSON as the API serves it at that revision.
 */
export async function withPaddedConfigMap<T>(
  { kube, run }: Pick<Live, 'kube' | 'run'>,
  client: Etcd3,
  fn: (cm: { key: string; stored: Buffer; json: string }) => Promise<T>,
): Promise<T> {
  const namespace = runName(run.runId, 'run');
  const name = runName(run.runId, 'padded');
  const key = `/registry/configmaps/${namespace}/${name}`;
  await kube.core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name, labels: runLabels(run.runId) }, data: { note: 'kube-claims negative control' } },
  });
  try {
    const stored = await client.get(key).buffer();
    if (!stored) throw new NotStaged(`the API server stored no value under ${key}`);
    const length: number[] = [];
    for (let n = PADDING; ; n >>= 7) {
      if (n < 0x80) {
        length.push(n);
        break;
      }
      length.push((n & 0x7f) | 0x80);
    }
    const padded = Buffer.concat([stored, Buffer.from([(UNKNOWN_FIELD << 3) | 2, ...length]), Buffer.alloc(PADDING)]);
    const revision = String((await client.put(key).value(padded).exec()).header.revision);
    let json = '';
    await waitUntil(
      `the API server to serve ${namespace}/${name} at revision ${revision}`,
      async () => {
        json = await getApiJson(kube.kc, `/api/v1/namespaces/${namespace}/configmaps/${name}`);
        return (JSON.parse(json) as { metadata: { resourceVersion: string } }).metadata.resourceVersion === revision;
      },
      15_000,
      200,
    );
    return await fn({ key, stored: padded, json: JSON.stringify(JSON.parse(json)) });
  } finally {
    // best-effort: in the run's namespace, which goes at the end of the run
    await kube.core.deleteNamespacedConfigMap({ namespace, name }).catch(() => undefined);
  }
}
