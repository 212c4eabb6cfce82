// §4.3 of the article: what Kubernetes stores in etcd — the /registry layout, keys against what the API lists
// (namespaces, pods, APIServices), and values as protobuf in the k8s\0 envelope.
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe, expect } from 'vitest';
import { hasK8sMagic } from '../../helpers/etcd/protobuf.ts';
import { ARTICLE_NAMESPACES } from '../checks/components.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkCompactness, checkStoredValue, describeSizes } from '../checks/etcd/protobuf.ts';
import { checkContains, checkRegistryLayout, compareKeysWithApi, type LayoutReport } from '../checks/etcd/registry.ts';
import {
  withCustomResource,
  withExtraKey,
  withKeyOutsideRegistry,
  withRunMadeNamespace,
  withRunMadePod,
  withoutKey,
  withPaddedConfigMap,
} from '../deviations/etcd.ts';

import { expectDifference, expectNoDifferences, findingsOf } from '../differences.ts';
import { NAMESPACE, RUNS_KEY_PREFIX as RUNS_PREFIX } from './fixture.ts';
import {
  apiApiServices,
  apiNamespaces,
  apiPods,
  describeValue,
  everyKey,
  keysAt,
  resourceScopes,
  storedAndApi,
  storedSizes,
} from './observe.ts';

describe('§4.3 Kubernetes objects in etcd', () => {
  claim('ETCD-10', async ({ record, cluster, skip, kube, etcd }) => {
    const { all, keys, typed, scopes, outside } = await everyKey({ cluster, skip, kube, etcd });
    const report: LayoutReport = { judged: 0, notJudged: [] };
    const diffs = checkRegistryLayout(keys, scopes, report, outside.keys);
    record(
      `${typed} (every key: ${all.length}, of which ${all.length - keys.length} of kube-claims runs under ${RUNS_PREFIX}, not judged; first 40)`,
      keys.slice(0, 40).join('\n'),
    );
    record("the API server's own keys outside /registry", outside.source);
    record(
      'layout judged',
      `${report.judged} keys of resources the API serves; not judged (not API resources): ${report.notJudged.join(', ') || 'none'}`,
    );
    expectNoDifferences(diffs);
  });

  negativeControl(
    'ETCD-10',
    'a key outside /registry/, put into etcd by the run and deleted',
    'live',
    async ({ run, cluster, skip, kube, etcd }) => {
      await withKeyOutsideRegistry(etcd, run.runId, async (stray) => {
        const { keys, scopes, outside } = await everyKey({ cluster, skip, kube, etcd });
        const diffs = checkRegistryLayout(keys, scopes, undefined, outside.keys);
        expect(findingsOf(diffs, 'key-prefix').map((f) => f.actual)).toEqual([stray]);
      });
    },
  );

  negativeControl(
    'ETCD-10',
    'a pod key without its namespace, /registry/pods/onlytwo (deviated copy of the live key list)',
    'copy',
    async ({ kube, etcd }) => {
      const [{ keys }, scopes] = await Promise.all([keysAt(etcd, '/registry', undefined), resourceScopes(kube)]);
      const diffs = checkRegistryLayout(withExtraKey(keys, '/registry/pods/onlytwo'), scopes);
      expectDifference(diffs, 'key-segments');
      expect(findingsOf(diffs, 'key-segments').map((f) => f.actual)).toContain('/registry/pods/onlytwo');
    },
  );

  claim('ETCD-11', async ({ record, kube, etcd }) => {
    const api = await apiNamespaces(kube);
    const { keys, typed, stdout } = await keysAt(etcd, '/registry/namespaces/', api.resourceVersion);
    record(typed, stdout);
    record(`namespaces the API lists (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([
      ...compareKeysWithApi(keys, '/registry/namespaces/', api.names, 'namespace'),
      ...checkContains(
        keys.map((k) => k.slice('/registry/namespaces/'.length)),
        ARTICLE_NAMESPACES,
        '/registry/namespaces/',
      ),
    ]);
  });

  negativeControl(
    'ETCD-11',
    'the kube-public key missing and a stray key present (deviated copy of the live keys)',
    'copy',
    async ({ kube, etcd }) => {
      const api = await apiNamespaces(kube);
      const { keys } = await keysAt(etcd, '/registry/namespaces/', api.resourceVersion);
      const deviated = withExtraKey(
        withoutKey(keys, '/registry/namespaces/kube-public'),
        '/registry/namespaces/kc-ghost',
      );
      const diffs = [
        ...compareKeysWithApi(deviated, '/registry/namespaces/', api.names, 'namespace'),
        ...checkContains(
          deviated.map((k) => k.slice('/registry/namespaces/'.length)),
          ARTICLE_NAMESPACES,
          '/registry/namespaces/',
        ),
      ];
      expect(expectDifference(diffs, 'key-for-api-object').expected).toBe('/registry/namespaces/kube-public');
      expect(expectDifference(diffs, 'api-object-for-key').expected).toBe('kc-ghost');
    },
  );

  negativeControl(
    'ETCD-11',
    "a namespace the run makes, against etcd's keys of the revision before it",
    'live',
    async ({ kube, run, etcd }) => {
      const before = await apiNamespaces(kube);
      await withRunMadeNamespace({ kube, run }, async (name) => {
        const after = await apiNamespaces(kube);
        const { keys } = await keysAt(etcd, '/registry/namespaces/', before.resourceVersion);
        const diffs = compareKeysWithApi(keys, '/registry/namespaces/', after.names, 'namespace');
        expect(findingsOf(diffs, 'key-for-api-object').map((f) => f.expected)).toContain(
          `/registry/namespaces/${name}`,
        );
      });
    },
  );

  claim('ETCD-12', async ({ record, kube, etcd }) => {
    const api = await apiPods(kube);
    const { keys, typed, stdout } = await keysAt(etcd, '/registry/pods/', api.resourceVersion);
    record(typed, stdout);
    record(`pods the API lists (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([
      ...compareKeysWithApi(keys, '/registry/pods/', api.names, 'pod'),
      ...checkContains(api.names, [`${NAMESPACE}/${etcd.podName}`], "the API's pod list"),
    ]);
  });

  negativeControl(
    'ETCD-12',
    'a pod key whose pod the API does not have (deviated copy of the live keys)',
    'copy',
    async ({ kube, etcd }) => {
      const api = await apiPods(kube);
      const { keys } = await keysAt(etcd, '/registry/pods/', api.resourceVersion);
      const diffs = compareKeysWithApi(
        withExtraKey(keys, '/registry/pods/kube-system/kc-ghost-pod'),
        '/registry/pods/',
        api.names,
        'pod',
      );
      expect(expectDifference(diffs, 'api-object-for-key').expected).toBe('kube-system/kc-ghost-pod');
    },
  );

  negativeControl(
    'ETCD-12',
    "a pod the run makes (never scheduled), against etcd's keys of the revision before it",
    'live',
    async ({ kube, run, etcd }) => {
      const before = await apiPods(kube);
      await withRunMadePod({ kube, run }, async (pod) => {
        const after = await apiPods(kube);
        const { keys } = await keysAt(etcd, '/registry/pods/', before.resourceVersion);
        const diffs = compareKeysWithApi(keys, '/registry/pods/', after.names, 'pod');
        expect(findingsOf(diffs, 'key-for-api-object').map((f) => f.expected)).toContain(`/registry/pods/${pod}`);
      });
    },
  );

  claim('ETCD-13', async ({ record, kube, etcd }) => {
    const api = await apiApiServices(kube);
    const prefix = '/registry/apiregistration.k8s.io/apiservices/';
    const { keys, typed, stdout } = await keysAt(etcd, prefix, api.resourceVersion);
    record(typed, stdout);
    record(`${api.request} (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([
      ...compareKeysWithApi(keys, prefix, api.names, 'APIService'),
      ...checkContains(api.names, ['v1.'], 'the APIService list'),
    ]);
  });

  negativeControl(
    'ETCD-13',
    'the v1. APIService key missing (deviated copy of the live keys)',
    'copy',
    async ({ kube, etcd }) => {
      const api = await apiApiServices(kube);
      const prefix = '/registry/apiregistration.k8s.io/apiservices/';
      const { keys } = await keysAt(etcd, prefix, api.resourceVersion);
      const diffs = compareKeysWithApi(withoutKey(keys, `${prefix}v1.`), prefix, api.names, 'APIService');
      expect(expectDifference(diffs, 'key-for-api-object').expected).toBe(`${prefix}v1.`);
    },
  );

  claim('ETCD-14', async ({ record, kube, etcd }) => {
    const stored = await storedAndApi({ kube, etcd });
    for (const s of stored)
      record(`etcd3 get ${s.key} (API: ${s.api.kind} ${s.api.name} uid ${s.api.uid})`, describeValue(s.value));
    expectNoDifferences(stored.flatMap((s) => checkStoredValue(s.key, s.value, s.api)));
  });

  negativeControl(
    'ETCD-14',
    'a custom resource, which the API server stores as JSON (a run-named definition, removed afterwards)',
    'live',
    async ({ record, skip, run, kube, etcd }) => {
      await withCustomResource(
        { kube, run },
        async (cr) => {
          const { client } = await etcd.etcd3();
          const value = await client.get(cr.key).buffer();
          const meta = cr.object.metadata as { name: string; namespace: string; uid: string };
          const api = {
            apiVersion: String(cr.object.apiVersion),
            kind: String(cr.object.kind),
            name: meta.name,
            namespace: meta.namespace,
            uid: meta.uid,
          };
          record(`etcd3 get ${cr.key}`, describeValue(value));
          const diffs = checkStoredValue(cr.key, value, api);
          expect(expectDifference(diffs, 'envelope-magic').actual).toMatch(/ \(JSON\)$/);
        },
        skip,
      );
    },
    { timeout: 90_000 },
  );

  claim(
    'ETCD-16',
    async ({ record, kube, etcd }) => {
      const { sizes, unpaired } = await storedSizes({ kube, etcd });
      record(
        'sizes: stored under /registry against the same object as JSON from the API',
        `${describeSizes(sizes)}\n(${unpaired} objects changed between the two reads and were not compared)`,
      );
      record('each object', sizes.map((s) => `${s.key}: ${s.stored} / ${s.json} bytes`).join('\n'));
      expectNoDifferences(checkCompactness(sizes));
    },
    60_000,
  );

  negativeControl(
    'ETCD-16',
    'a custom resource beside them, stored as JSON (a run-named definition, removed afterwards)',
    'live',
    async ({ skip, run, kube, etcd }) => {
      await withCustomResource(
        { kube, run },
        async (cr) => {
          const { client } = await etcd.etcd3();
          const value = await client.get(cr.key).buffer();
          const diffs = checkCompactness([
            {
              key: cr.key,
              stored: value?.length ?? 0,
              protobuf: !!value && hasK8sMagic(value),
              json: Buffer.byteLength(JSON.stringify(cr.object)),
            },
          ]);
          expect(expectDifference(diffs, 'stored-protobuf').actual).toBe('JSON');
        },
        skip,
      );
    },
    { timeout: 90_000 },
  );

  negativeControl(
    'ETCD-16',
    'a ConfigMap of the run whose stored protobuf value is padded past its JSON (put into etcd, deleted afterwards)',
    'live',
    async ({ record, run, kube, etcd }) => {
      const { client } = await etcd.etcd3();
      await withPaddedConfigMap({ kube, run }, client, async (cm) => {
        const sizes = [
          { key: cm.key, stored: cm.stored.length, protobuf: hasK8sMagic(cm.stored), json: Buffer.byteLength(cm.json) },
        ];
        record(
          'the padded value and the object the API serves at its revision',
          `${cm.key}: ${cm.stored.length} bytes stored (protobuf: ${sizes[0]!.protobuf}), ${sizes[0]!.json} bytes as JSON from the API\n${cm.json}`,
        );
        const diffs = checkCompactness(sizes);
        const found = expectDifference(diffs, 'stored-smaller');
        expect([found.expected, found.actual]).toEqual([`< ${sizes[0]!.json} bytes`, `${cm.stored.length} bytes`]);
      });
    },
    { timeout: 60_000 },
  );
});
