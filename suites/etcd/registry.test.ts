// §4.3 of the article: what Kubernetes stores in etcd — the /registry layout, keys against what the API lists
// (namespaces, pods, APIServices), and values as protobuf in the k8s\0 envelope.
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe } from 'vitest';
import { ARTICLE_NAMESPACES } from '../checks/components.ts';
import { ok } from '../../helpers/etcd/etcdctl.ts';
import { decodeObjectMeta, decodeStorageValue, hasK8sMagic } from '../../helpers/etcd/protobuf.ts';
import { claim, negativeControl } from '../claim.ts';
import { parseKeysOnly } from '../checks/etcd/common.ts';
import { checkCompactness, checkStoredValue, describeSizes, type ApiObjectIdentity, type StoredSize } from '../checks/etcd/protobuf.ts';
import { checkContains, checkRegistryLayout, compareKeysWithApi, type LayoutReport, type ResourceScopes } from '../checks/etcd/registry.ts';
import { withCustomResource, withExtraKey, withoutKey, withPaddedConfigMap } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import type { Live } from '../live.ts';
import { NAMESPACE, type EtcdUnderTest } from './fixture.ts';

async function resourceScopes(k: Live['kubectl']): Promise<ResourceScopes> {
  const names = async (namespaced: boolean) => (await k.ok(['api-resources', `--namespaced=${namespaced}`, '-o', 'name'])).stdout.split('\n').filter(Boolean);
  const [ns, cluster] = await Promise.all([names(true), names(false)]);
  return { namespaced: new Map([...ns.map((n) => [n, true] as const), ...cluster.map((n) => [n, false] as const)]) };
}

/** Keys under a prefix at the revision an API list was served at, so both describe the same moment. */
async function keysAt(etcd: EtcdUnderTest, prefix: string, revision: string | undefined): Promise<{ keys: string[]; typed: string; stdout: string }> {
  const r = ok(await etcd.etcdctl(['get', prefix, '--prefix', '--keys-only', ...(revision ? [`--rev=${revision}`] : [])]));
  return { keys: parseKeysOnly(r.stdout), typed: r.typed, stdout: r.stdout };
}

interface Listed { names: string[]; resourceVersion?: string }

async function apiNamespaces(kube: Live['kube']): Promise<Listed> {
  const l = await kube.core.listNamespace();
  return { names: l.items.map((n) => n.metadata!.name!), resourceVersion: l.metadata?.resourceVersion };
}
async function apiPods(kube: Live['kube']): Promise<Listed> {
  const l = await kube.core.listPodForAllNamespaces();
  return { names: l.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`), resourceVersion: l.metadata?.resourceVersion };
}
/** The APIServices through kubectl. `kubectl get apiservices -o json` wraps them in a List without a resourceVersion, so the raw list is read. */
async function apiApiServices(kubectl: Live['kubectl']): Promise<Listed & { command: string }> {
  const args = ['get', '--raw', '/apis/apiregistration.k8s.io/v1/apiservices'];
  const l = JSON.parse((await kubectl.ok(args)).stdout) as { items: Array<{ metadata: { name: string } }>; metadata?: { resourceVersion?: string } };
  return { names: l.items.map((a) => a.metadata.name), resourceVersion: l.metadata?.resourceVersion, command: `kubectl ${args.join(' ')}` };
}

describe('§4.3 Kubernetes objects in etcd', () => {
  claim('ETCD-10', async ({ record, kubectl, etcd }) => {
    const [{ keys, typed }, scopes] = await Promise.all([keysAt(etcd, '/registry', undefined), resourceScopes(kubectl)]);
    const report: LayoutReport = { judged: 0, notJudged: [] };
    const diffs = checkRegistryLayout(keys, scopes, report);
    record(`${typed} (${keys.length} keys; first 40)`, keys.slice(0, 40).join('\n'));
    record('layout judged', `${report.judged} keys of resources the API serves; not judged (not API resources): ${report.notJudged.join(', ') || 'none'}`);
    expectNoDifferences(diffs);
  });

  negativeControl('ETCD-10', 'a pod key without its namespace, /registry/pods/onlytwo (deviated copy of the live key list)', 'copy', async ({ record, kubectl, etcd }) => {
    const [{ keys }, scopes] = await Promise.all([keysAt(etcd, '/registry', undefined), resourceScopes(kubectl)]);
    const diffs = checkRegistryLayout(withExtraKey(keys, '/registry/pods/onlytwo'), scopes);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, '/registry/pods/onlytwo: pods are namespaced');
  });

  claim('ETCD-11', async ({ record, kube, etcd }) => {
    const api = await apiNamespaces(kube);
    const { keys, typed, stdout } = await keysAt(etcd, '/registry/namespaces/', api.resourceVersion);
    record(typed, stdout);
    record(`namespaces the API lists (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([
      ...compareKeysWithApi(keys, '/registry/namespaces/', api.names, 'namespace'),
      ...checkContains(keys.map((k) => k.slice('/registry/namespaces/'.length)), ARTICLE_NAMESPACES, '/registry/namespaces/'),
    ]);
  });

  negativeControl('ETCD-11', 'the kube-public key missing and a stray key present (deviated copy of the live keys)', 'copy', async ({ record, kube, etcd }) => {
    const api = await apiNamespaces(kube);
    const { keys } = await keysAt(etcd, '/registry/namespaces/', api.resourceVersion);
    const deviated = withExtraKey(withoutKey(keys, '/registry/namespaces/kube-public'), '/registry/namespaces/kc-ghost');
    const diffs = [
      ...compareKeysWithApi(deviated, '/registry/namespaces/', api.names, 'namespace'),
      ...checkContains(deviated.map((k) => k.slice('/registry/namespaces/'.length)), ARTICLE_NAMESPACES, '/registry/namespaces/'),
    ];
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'namespace kube-public listed by the API has no key /registry/namespaces/kube-public');
    expectDifference(diffs, 'key /registry/namespaces/kc-ghost has no namespace in the API');
  });

  claim('ETCD-12', async ({ record, kube, etcd }) => {
    const api = await apiPods(kube);
    const { keys, typed, stdout } = await keysAt(etcd, '/registry/pods/', api.resourceVersion);
    record(typed, stdout);
    record(`pods the API lists (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([
      ...compareKeysWithApi(keys, '/registry/pods/', api.names, 'pod'),
      ...checkContains(api.names, [`${NAMESPACE}/${etcd.podName}`], 'the API\'s pod list'),
    ]);
  });

  negativeControl('ETCD-12', 'a pod key whose pod the API does not have (deviated copy of the live keys)', 'copy', async ({ record, kube, etcd }) => {
    const api = await apiPods(kube);
    const { keys } = await keysAt(etcd, '/registry/pods/', api.resourceVersion);
    const diffs = compareKeysWithApi(withExtraKey(keys, '/registry/pods/kube-system/kc-ghost-pod'), '/registry/pods/', api.names, 'pod');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'key /registry/pods/kube-system/kc-ghost-pod has no pod in the API');
  });

  claim('ETCD-13', async ({ record, kubectl, etcd }) => {
    const api = await apiApiServices(kubectl);
    const prefix = '/registry/apiregistration.k8s.io/apiservices/';
    const { keys, typed, stdout } = await keysAt(etcd, prefix, api.resourceVersion);
    record(typed, stdout);
    record(`${api.command} (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([...compareKeysWithApi(keys, prefix, api.names, 'APIService'), ...checkContains(api.names, ['v1.'], 'the APIService list')]);
  });

  negativeControl('ETCD-13', 'the v1. APIService key missing (deviated copy of the live keys)', 'copy', async ({ record, kubectl, etcd }) => {
    const api = await apiApiServices(kubectl);
    const prefix = '/registry/apiregistration.k8s.io/apiservices/';
    const { keys } = await keysAt(etcd, prefix, api.resourceVersion);
    const diffs = compareKeysWithApi(withoutKey(keys, `${prefix}v1.`), prefix, api.names, 'APIService');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `APIService v1. listed by the API has no key ${prefix}v1.`);
  });

  async function storedAndApi({ kube, etcd }: Pick<Live, 'kube'> & { etcd: EtcdUnderTest }): Promise<Array<{ key: string; value: Buffer | null; api: ApiObjectIdentity; object: unknown }>> {
    const { client } = await etcd.etcd3();
    const ns = await kube.core.readNamespace({ name: NAMESPACE });
    const p = await etcd.spec();
    const nsKey = `/registry/namespaces/${NAMESPACE}`;
    const podKey = `/registry/pods/${NAMESPACE}/${etcd.podName}`;
    return [
      { key: nsKey, value: await client.get(nsKey).buffer(), object: ns, api: { apiVersion: 'v1', kind: 'Namespace', name: ns.metadata!.name!, uid: ns.metadata!.uid! } },
      { key: podKey, value: await client.get(podKey).buffer(), object: p, api: { apiVersion: 'v1', kind: 'Pod', name: p.metadata!.name!, namespace: p.metadata!.namespace!, uid: p.metadata!.uid! } },
    ];
  }

  const describeValue = (value: Buffer | null) => {
    if (!value) return '(no value)';
    const head = value.subarray(0, 24).toString('hex').replace(/(..)/g, '$1 ').trim();
    try {
      const env = decodeStorageValue(value);
      const meta = decodeObjectMeta(env.raw);
      return `${value.length} bytes: ${head} …\nenvelope: apiVersion=${env.apiVersion} kind=${env.kind} raw=${env.raw.length} bytes\nmetadata: name=${meta.name} namespace=${meta.namespace ?? ''} uid=${meta.uid}`;
    } catch (e) {
      return `${value.length} bytes: ${head} … (${(e as Error).message})`;
    }
  };

  claim('ETCD-14', async ({ record, kube, etcd }) => {
    const stored = await storedAndApi({ kube, etcd });
    for (const s of stored) record(`etcd3 get ${s.key} (API: ${s.api.kind} ${s.api.name} uid ${s.api.uid})`, describeValue(s.value));
    expectNoDifferences(stored.flatMap((s) => checkStoredValue(s.key, s.value, s.api)));
  });

  negativeControl('ETCD-14', 'a custom resource, which the API server stores as JSON (a run-named definition, removed afterwards)', 'live', async ({ record, skip, run, kube, etcd }) => {
    await withCustomResource({ kube, run }, async (cr) => {
      const { client } = await etcd.etcd3();
      const value = await client.get(cr.key).buffer();
      const meta = cr.object.metadata as { name: string; namespace: string; uid: string };
      const api = { apiVersion: String(cr.object.apiVersion), kind: String(cr.object.kind), name: meta.name, namespace: meta.namespace, uid: meta.uid };
      record(`etcd3 get ${cr.key}`, describeValue(value));
      const diffs = checkStoredValue(cr.key, value, api);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'no k8s\\0 envelope');
      expectDifference(diffs, '(JSON)');
    }, skip);
  }, { timeout: 90_000 });

  /** Values under the prefixes and the same objects from the API, paired where etcd's mod revision is the object's resourceVersion. */
  async function storedSizes({ kubectl, etcd }: Pick<Live, 'kubectl'> & { etcd: EtcdUnderTest }): Promise<{ sizes: StoredSize[]; unpaired: number }> {
    const { client } = await etcd.etcd3();
    const kinds = [
      { prefix: '/registry/pods/', path: '/api/v1/pods', kind: 'Pod', namespaced: true },
      { prefix: '/registry/namespaces/', path: '/api/v1/namespaces', kind: 'Namespace', namespaced: false },
      { prefix: '/registry/services/specs/', path: '/api/v1/services', kind: 'Service', namespaced: true },
    ];
    const sizes: StoredSize[] = [];
    let unpaired = 0;
    for (const k of kinds) {
      const list = JSON.parse((await kubectl.ok(['get', '--raw', k.path])).stdout) as { items: Array<{ metadata: { name: string; namespace?: string; resourceVersion: string } }> };
      const kvs = (await client.getAll().prefix(k.prefix).exec()).kvs;
      const byKey = new Map(kvs.map((kv) => [kv.key.toString(), kv]));
      for (const item of list.items) {
        const key = `${k.prefix}${k.namespaced ? `${item.metadata.namespace}/` : ''}${item.metadata.name}`;
        const kv = byKey.get(key);
        // An object that changed between the two reads is not compared (its sizes would be of two versions).
        if (!kv || String(kv.mod_revision) !== item.metadata.resourceVersion) { unpaired++; continue; }
        sizes.push({ key, stored: kv.value.length, protobuf: hasK8sMagic(kv.value), json: Buffer.byteLength(JSON.stringify({ kind: k.kind, apiVersion: 'v1', ...item })) });
      }
    }
    return { sizes, unpaired };
  }

  claim('ETCD-16', async ({ record, kubectl, etcd }) => {
    const { sizes, unpaired } = await storedSizes({ kubectl, etcd });
    record('sizes: stored under /registry against the same object as JSON from the API', `${describeSizes(sizes)}\n(${unpaired} objects changed between the two reads and were not compared)`);
    record('each object', sizes.map((s) => `${s.key}: ${s.stored} / ${s.json} bytes`).join('\n'));
    expectNoDifferences(checkCompactness(sizes));
  }, 60_000);

  negativeControl('ETCD-16', 'a custom resource beside them, stored as JSON (a run-named definition, removed afterwards)', 'live', async ({ record, skip, run, kube, etcd }) => {
    await withCustomResource({ kube, run }, async (cr) => {
      const { client } = await etcd.etcd3();
      const value = await client.get(cr.key).buffer();
      const diffs = checkCompactness([{ key: cr.key, stored: value?.length ?? 0, protobuf: !!value && hasK8sMagic(value), json: Buffer.byteLength(JSON.stringify(cr.object)) }]);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `${cr.key}: stored as`);
      expectDifference(diffs, 'not protobuf');
    }, skip);
  }, { timeout: 90_000 });

  negativeControl('ETCD-16', 'a ConfigMap of the run whose stored protobuf value is padded past its JSON (put into etcd, deleted afterwards)', 'live', async ({ record, run, kube, kubectl, etcd }) => {
    const { client } = await etcd.etcd3();
    await withPaddedConfigMap({ kube, run, kubectl }, client, async (cm) => {
      const sizes = [{ key: cm.key, stored: cm.stored.length, protobuf: hasK8sMagic(cm.stored), json: Buffer.byteLength(cm.json) }];
      record('the padded value and the object the API serves at its revision', `${cm.key}: ${cm.stored.length} bytes stored (protobuf: ${sizes[0]!.protobuf}), ${sizes[0]!.json} bytes as JSON from the API\n${cm.json}`);
      const diffs = checkCompactness(sizes);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `${cm.key}: ${cm.stored.length} bytes stored, not fewer than the ${sizes[0]!.json} bytes of its JSON`);
    });
  }, { timeout: 60_000 });
});
