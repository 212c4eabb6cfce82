// §4.3, ETCD-10..13: the /registry layout and its agreement with what the API lists.
// Expectations come from the cluster under test (the API's discovery and lists), never from the article.
import { finding, type Differences } from '../../differences.ts';

export interface ResourceScopes {
  /** Resource names (plural, with ".group" for non-core groups) → namespaced, from the API's discovery. */
  namespaced: Map<string, boolean>;
}

/** Where a key's resource is and how many segments its NAMESPACE/NAME part must have. */
function classifyKey(
  key: string,
  scopes: ResourceScopes,
): { resource: string; rest: string[]; namespaced: boolean } | undefined {
  const segs = key.slice('/registry/'.length).split('/');
  let resource: string;
  let rest: string[];
  if (segs[0]!.includes('.')) {
    // Group-qualified: /registry/GROUP/RESOURCE/[NAMESPACE/]NAME
    resource = `${segs[1]}.${segs[0]}`;
    rest = segs.slice(2);
  } else if (segs[0] === 'services' && (segs[1] === 'specs' || segs[1] === 'endpoints')) {
    // Services and Endpoints share /registry/services/{specs,endpoints}/NAMESPACE/NAME.
    resource = segs[1] === 'specs' ? 'services' : 'endpoints';
    rest = segs.slice(2);
  } else {
    resource = segs[0] === 'minions' ? 'nodes' : segs[0]!; // Nodes are stored as "minions".
    rest = segs.slice(1);
  }
  const namespaced =
    scopes.namespaced.get(resource) ?? [...scopes.namespaced].find(([r]) => r.split('.')[0] === resource)?.[1];
  return namespaced === undefined ? undefined : { resource, rest, namespaced };
}

export interface LayoutReport {
  judged: number;
  /** Prefixes of keys whose resource the API does not serve (internal allocators such as ranges). */
  notJudged: string[];
}

/**
 * Every key under /registry/, but the keys the API server keeps outside its prefix (`outside`: its compaction
 * marker compact_rev_key, from k8s.io/apiserver's source), and each key of a served resource is
 * /registry/[GROUP/]RESOURCE/[NAMESPACE/]NAME.
 */
export function checkRegistryLayout(
  keys: string[],
  scopes: ResourceScopes,
  report?: LayoutReport,
  outside: readonly string[] = [],
): Differences {
  const diffs: Differences = [];
  let judged = 0;
  const notJudged = new Set<string>();
  const judgedResources = new Set<string>();
  for (const key of keys) {
    if (outside.includes(key)) continue;
    if (!key.startsWith('/registry/')) {
      diffs.push(finding('key-prefix', `${key} is not under /registry/`, { expected: '/registry/', actual: key }));
      continue;
    }
    const k = classifyKey(key, scopes);
    if (!k) {
      notJudged.add(key.split('/').slice(0, 3).join('/'));
      continue;
    }
    judged++;
    judgedResources.add(k.resource);
    const want = k.namespaced ? 2 : 1;
    if (k.rest.length !== want || k.rest.some((s) => !s)) {
      diffs.push(
        finding(
          'key-segments',
          `${key}: ${k.resource} are ${k.namespaced ? 'namespaced' : 'cluster-scoped'}, so …/${k.namespaced ? 'NAMESPACE/NAME' : 'NAME'} is expected, found ${k.rest.length} segment(s) after the resource`,
          { expected: `…/${k.resource}/${k.namespaced ? 'NAMESPACE/NAME' : 'NAME'}`, actual: key },
        ),
      );
    }
  }
  for (const r of ['namespaces', 'pods'])
    if (!judgedResources.has(r))
      diffs.push(
        finding('resource-keys-present', `no key of ${r} found under /registry/`, { expected: r, actual: 'absent' }),
      );
  if (report) {
    report.judged = judged;
    report.notJudged = [...notJudged].sort();
  }
  return diffs;
}

/** The names under a key prefix equal the API's list, both ways. `what` names the objects in messages. */
export function compareKeysWithApi(keys: string[], prefix: string, apiNames: string[], what: string): Differences {
  const keyNames = new Set(keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
  const outside = keys.filter((k) => !k.startsWith(prefix));
  const api = new Set(apiNames);
  return [
    ...outside.map((k) =>
      finding('key-outside-prefix', `key ${k} is outside ${prefix}`, { expected: prefix, actual: k }),
    ),
    ...[...api]
      .filter((n) => !keyNames.has(n))
      .map((n) =>
        finding('key-for-api-object', `${what} ${n} listed by the API has no key ${prefix}${n}`, {
          expected: `${prefix}${n}`,
          actual: 'absent',
        }),
      ),
    ...[...keyNames]
      .filter((n) => !api.has(n))
      .map((n) =>
        finding('api-object-for-key', `key ${prefix}${n} has no ${what} in the API`, { expected: n, actual: 'absent' }),
      ),
  ];
}

export function checkContains(names: string[], required: readonly string[], where: string): Differences {
  return required
    .filter((r) => !names.includes(r))
    .map((r) => finding('name-present', `${r} missing from ${where}`, { expected: r, actual: 'absent' }));
}
