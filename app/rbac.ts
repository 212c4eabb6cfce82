// `kube-claims rbac [--read-only] [--service-account NS/NAME]`: the RBAC objects that grant exactly what a run
// needs, printed as YAML, generated from the table the preflight asks about (contract/rights.ts).
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { CATALOGUE, type ClaimId } from '../contract/catalogue.ts';
import { UsageError } from '../contract/errors.ts';
import {
  allRights,
  claimNeeds,
  isWrite,
  RUN_GROUP,
  RUN_NEEDS,
  type ResourceRight,
  type Right,
} from '../contract/rights.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'kube-claims/kube-claims';
const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface RbacOptions {
  readOnly: boolean;
  /** NAMESPACE/NAME of the ServiceAccount the roles are bound to. */
  serviceAccount: string;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** The rules that grant `rights`: one per group, resource set and name, verbs merged; rules alike merged into one. */
export function rulesFor(rights: Right[]): PolicyRule[] {
  const byTarget = new Map<string, { group: string; resource: string; name?: string; verbs: Set<string> }>();
  const urls = new Map<string, Set<string>>();
  for (const r of rights) {
    if ('path' in r) {
      // kubectl's discovery reads the versions below /api and /apis too (/api/v1, /apis/apps/v1).
      for (const path of r.path === '/api' || r.path === '/apis' ? [r.path, `${r.path}/*`] : [r.path])
        (urls.get(r.verb) ?? urls.set(r.verb, new Set()).get(r.verb)!).add(path);
      continue;
    }
    // The run's custom resource group is named by the run (kc-HASH.kube-claims.io), and RBAC has no pattern for
    // groups: resource `probes` in any group.
    const group = r.group === RUN_GROUP ? '*' : r.group;
    const resource = `${r.resource}${r.subresource ? `/${r.subresource}` : ''}`;
    const key = `${group} ${resource} ${r.name ?? ''}`;
    const entry = byTarget.get(key) ?? byTarget.set(key, { group, resource, name: r.name, verbs: new Set() }).get(key)!;
    entry.verbs.add(r.verb);
  }
  const merged = new Map<string, PolicyRule>();
  for (const t of byTarget.values()) {
    const verbs = [...t.verbs].sort();
    const key = `${t.group} ${verbs.join(',')} ${t.name ?? ''}`;
    const rule = merged.get(key);
    if (rule) rule.resources!.push(t.resource);
    else
      merged.set(key, {
        apiGroups: [t.group],
        resources: [t.resource],
        ...(t.name ? { resourceNames: [t.name] } : {}),
        verbs,
      });
  }
  const rules = [...merged.values()]
    .map((r) => ({ ...r, resources: r.resources!.sort() }))
    .sort((a, b) => `${a.apiGroups![0]} ${a.resources[0]}`.localeCompare(`${b.apiGroups![0]} ${b.resources[0]}`));
  for (const [verb, paths] of urls)
    rules.push({ nonResourceURLs: [...paths].sort(), verbs: [verb] } as PolicyRule & { resources: string[] });
  return rules;
}

/**
 * Whether `rules` allow `right` (RBAC's matching: verbs, groups and resources or '*', resourceNames empty or naming
 * it).
 */
export function rulesAllow(rules: PolicyRule[], right: Right): boolean {
  const has = (list: string[] | undefined, v: string) => !!list && (list.includes(v) || list.includes('*'));
  if ('path' in right)
    return rules.some(
      (r) =>
        has(r.verbs, right.verb) &&
        (r.nonResourceURLs ?? []).some(
          (u) => u === right.path || u === '*' || (u.endsWith('*') && right.path.startsWith(u.slice(0, -1))),
        ),
    );
  const resource = `${right.resource}${right.subresource ? `/${right.subresource}` : ''}`;
  const group = right.group === RUN_GROUP ? 'kc-0.kube-claims.io' : right.group;
  return rules.some(
    (r) =>
      has(r.verbs, right.verb) &&
      has(r.apiGroups, group) &&
      has(r.resources, resource) &&
      (!r.resourceNames?.length || (!!right.name && r.resourceNames.includes(right.name))),
  );
}

/**
 * Where a right is granted: kube-system's own rights by a Role there (they need not reach any other namespace);
 * everything else cluster-wide. The run's namespace (kc-run-HASH) is named by the run, so no Role can be made for
 * it in advance, and RBAC has no pattern for namespace names: its rights (pods, pods/exec, pods/portforward, the
 * workload, the lease) are granted in every namespace. A right of kube-system that the cluster-wide rules grant
 * anyway is not repeated in the Role.
 */
export function splitRights(rights: Right[]): { cluster: Right[]; kubeSystem: ResourceRight[] } {
  const kubeSystem = rights.filter((r): r is ResourceRight => !('path' in r) && r.scope === 'kube-system');
  const cluster = rights.filter((r) => 'path' in r || r.scope !== 'kube-system');
  const clusterRules = rulesFor(cluster);
  return { cluster, kubeSystem: kubeSystem.filter((r) => !rulesAllow(clusterRules, r)) };
}

/** Claims a role of `rights` leaves unchecked: those whose own check needs a right it does not grant. */
function uncheckedUnder(rights: Right[]): ClaimId[] {
  const { cluster, kubeSystem } = splitRights(rights);
  const rulesC = rulesFor(cluster);
  const rulesK = rulesFor(kubeSystem);
  const granted = (r: Right) =>
    rulesAllow(rulesC, r) || (!('path' in r) && r.scope === 'kube-system' && rulesAllow(rulesK, r));
  return CATALOGUE.map((c) => c.id as ClaimId).filter((id) => !claimNeeds(id).claim.every(granted));
}

export function parseServiceAccount(text: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text);
  if (!m) throw new UsageError(`--service-account must be NAMESPACE/NAME (lower-case DNS names), not ${text}`);
  return { namespace: m[1]!, name: m[3]! };
}

/** The objects: a ServiceAccount, a ClusterRole and its binding, a Role in kube-system and its binding. */
export function rbacObjects(o: RbacOptions): Array<Record<string, unknown>> {
  const sa = parseServiceAccount(o.serviceAccount);
  const rights = allRights().filter((r) => !o.readOnly || !isWrite(r));
  const { cluster, kubeSystem } = splitRights(rights);
  const name = o.readOnly ? 'kube-claims-read-only' : 'kube-claims';
  const labels = { 'app.kubernetes.io/name': 'kube-claims' };
  const subjects = [{ kind: 'ServiceAccount', namespace: sa.namespace, name: sa.name }];
  const roleRef = (kind: string) => ({ apiGroup: RBAC_GROUP, kind, name });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa.name, namespace: sa.namespace, labels } },
    { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: { name, labels }, rules: rulesFor(cluster) },
    {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: roleRef('ClusterRole'),
      subjects,
    },
    ...(kubeSystem.length
      ? [
          {
            apiVersion: `${RBAC_GROUP}/v1`,
            kind: 'Role',
            metadata: { name, namespace: 'kube-system', labels },
            rules: rulesFor(kubeSystem),
          },
          {
            apiVersion: `${RBAC_GROUP}/v1`,
            kind: 'RoleBinding',
            metadata: { name, namespace: 'kube-system', labels },
            roleRef: roleRef('Role'),
            subjects,
          },
        ]
      : []),
  ];
}

function header(o: RbacOptions): string[] {
  const sa = parseServiceAccount(o.serviceAccount);
  const lines = [
    `kube-claims rbac${o.readOnly ? ' --read-only' : ''}: the rights ${o.readOnly ? 'of a run that writes nothing' : 'of a full run'} (contract/rights.ts; the preflight asks about the same).`,
    `Apply with: kubectl create namespace ${sa.namespace}; kube-claims rbac${o.readOnly ? ' --read-only' : ''} | kubectl apply -f -`,
    "The run's own namespace (kc-run-HASH) is named by each run: RBAC cannot name it in advance, so what the run does",
    'there (its lease, the workload, the node-shell and lax etcd pods, exec and port-forward into them) is granted in',
    "every namespace. kube-system's rights that reach no other namespace are in the Role there.",
    "The controls' custom resource is in a group named by the run (kc-HASH.kube-claims.io): `probes` in any group.",
    'Privileged node-shell pods (hostPID, hostPath /) also need Pod Security Admission to let them run: the run labels',
    'its node-shell namespace pod-security.kubernetes.io/enforce=privileged; an admission policy beyond it may refuse them.',
  ];
  if (!o.readOnly) return lines;
  const left = allRights().filter(isWrite);
  const needs = RUN_NEEDS.filter((n) => n.rights.some(isWrite)).map(
    (n) =>
      `${n.for}${n.required ? ' (required: a run under this role alone needs --read-only, which leaves it out)' : ''}`,
  );
  return [
    ...lines,
    '',
    `Read-only leaves out every create, update, patch, delete and impersonate (${left.length} rights), among them`,
    'create on pods/exec and pods/portforward: RBAC counts exec and port-forward as writes. Without them the run cannot:',
    ...needs.map((n) => `  - ${n}`),
    `and these claims go unchecked (their checks exec into pods, or reach the node through a pod): ${uncheckedUnder(allRights().filter((r) => !isWrite(r))).join(', ')}.`,
    'Their negative controls staged live (granting, scaling, creating) go unchecked as well.',
    'Run with `kube-claims verify --kubeconfig FILE --read-only`: it writes nothing and reports the writes it left unchecked.',
  ];
}

export function rbacYaml(o: RbacOptions): string {
  return (
    [
      header(o)
        .map((l) => (l ? `# ${l}` : '#'))
        .join('\n'),
      ...rbacObjects(o).map((obj) => stringify(obj).trimEnd()),
    ].join('\n---\n') + '\n'
  );
}

/** `kube-claims rbac …`: its own options (argv after `rbac`). */
export function parseRbacArgs(argv: string[]): RbacOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'read-only': { type: 'boolean' }, 'service-account': { type: 'string' } },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message.split('\n')[0]} (kube-claims rbac [--read-only] [--service-account NS/NAME])`,
    );
  }
  const options = {
    readOnly: values['read-only'] ?? false,
    serviceAccount: values['service-account'] ?? DEFAULT_SERVICE_ACCOUNT,
  };
  parseServiceAccount(options.serviceAccount);
  return options;
}
