// The rights a run needs, as data: what the run itself does (its lease, the removal of what ended runs left,
// the article's workload, the node shells) and what each claim and each of its negative controls does through
// the API server. The preflight (kind/providers/preflight.ts) asks the API server about each of them before
// the first claim; `kube-claims rbac` (app/rbac.ts) prints the roles that grant them. One table for both: a
// right a check starts to use is added here, or the check goes unchecked on clusters that grant only this table.
// Each entry names where the right is used (file).
import { claimById, type ClaimId } from './catalogue.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'impersonate';

/** Verbs that change nothing. Exec and port-forward are `create` on a subresource: writes, in RBAC terms. */
export const READ_VERBS: readonly Verb[] = ['get', 'list', 'watch'];

/**
 * Where a namespaced right applies, or that a resource is cluster-scoped:
 *   cluster:        a cluster-scoped resource (nodes, namespaces, ClusterRoles, CRDs, APIServices)
 *   all-namespaces: a namespaced resource in every namespace (kubectl get -A)
 *   kube-system:    the control plane's namespace (the etcd pod, kubeadm-config, coredns)
 *   run:            the run's own namespace, kc-run-HASH, named by the run (contract/run-id.ts runName)
 *   context:        the namespace of the kubeconfig's context (default when it names none), which kubectl get uses
 */
export type Scope = 'cluster' | 'all-namespaces' | 'kube-system' | 'run' | 'context';

export interface ResourceRight {
  verb: Verb;
  /** The API group: '' for the core group. RUN_GROUP stands for the run's own custom resource group. */
  group: string;
  resource: string;
  subresource?: string;
  /** One object by name (RBAC resourceNames), where the check touches only that one. */
  name?: string;
  scope: Scope;
}

/** A non-resource URL (/version, discovery). */
export interface UrlRight {
  verb: 'get';
  path: string;
}

export type Right = ResourceRight | UrlRight;

/**
 * The API group of the run's custom resource definition (suites/deviations/etcd.ts withCustomResource):
 * kc-HASH.kube-claims.io.
 */
export const RUN_GROUP = 'kc-HASH.kube-claims.io';

const GROUP_OF = {
  pods: '',
  'pods/exec': '',
  'pods/portforward': '',
  namespaces: '',
  nodes: '',
  services: '',
  configmaps: '',
  events: '',
  users: '',
  leases: 'coordination.k8s.io',
  statefulsets: 'apps',
  deployments: 'apps',
  clusterroles: 'rbac.authorization.k8s.io',
  clusterrolebindings: 'rbac.authorization.k8s.io',
  roles: 'rbac.authorization.k8s.io',
  rolebindings: 'rbac.authorization.k8s.io',
  customresourcedefinitions: 'apiextensions.k8s.io',
  apiservices: 'apiregistration.k8s.io',
  flowschemas: 'flowcontrol.apiserver.k8s.io',
  prioritylevelconfigurations: 'flowcontrol.apiserver.k8s.io',
  probes: RUN_GROUP,
} as const;

type Resource = keyof typeof GROUP_OF;

/** A right on a resource ('pods/exec': resource pods, subresource exec). */
function on(verbs: Verb | Verb[], resource: Resource, scope: Scope, name?: string): ResourceRight[] {
  const [res, subresource] = resource.split('/') as [string, string | undefined];
  return [verbs].flat().map((verb) => ({
    verb,
    group: GROUP_OF[resource],
    resource: res,
    ...(subresource ? { subresource } : {}),
    ...(name ? { name } : {}),
    scope,
  }));
}

const url = (...paths: string[]): UrlRight[] => paths.map((path) => ({ verb: 'get', path }));

// Rights several checks share.
/**
 * kubectl's discovery before a resource request (kubectl get, exec, api-resources): granted to every authenticated user
 * by system:discovery.
 */
const KUBECTL = url('/api', '/apis');
/**
 * Commands in a pod (helpers/etcd/exec.ts, kubectl exec): the pod is read, then pods/exec is opened over a
 * WebSocket, an HTTP GET (authorized as get); from Kubernetes 1.35 the API server also checks create
 * (AuthorizePodWebsocketUpgradeCreatePermission), as it always did for SPDY's POST.
 */
const exec = (scope: Scope) => [...on('get', 'pods', scope), ...on(['create', 'get'], 'pods/exec', scope)];
/** pods/portforward, likewise a WebSocket (helpers/etcd/port-forward.ts). */
const portForward = (scope: Scope) => on(['create', 'get'], 'pods/portforward', scope);
/**
 * etcdctl in the etcd pod (suites/etcd/fixture.ts EtcdUnderTest, whose teardown removes the file's keys with etcdctl
 * too).
 */
const ETCDCTL = exec('kube-system');
/**
 * etcd3 from this process through a port-forward to the etcd pod, with the API server's etcd client certificate (its
 * --etcd-* flags from its static pod).
 */
const ETCD3 = [...portForward('kube-system'), ...on('get', 'pods', 'kube-system')];
/** A static pod's command line through its mirror pod (suites/observations.ts staticPodCommand). */
const STATIC_POD = on('get', 'pods', 'kube-system');
/**
 * kubeadm-config (kube-system ConfigMap): the cluster's name, endpoint, version (suites/apiserver/fixture.ts
 * expectedVersion, admin-conf.test.ts).
 */
const KUBEADM_CONFIG = on('get', 'configmaps', 'kube-system', 'kubeadm-config');
/**
 * The throw-away etcd of the controls, where this host's Docker lacks the cluster's etcd image: a pod of the run
 * in its namespace, on the control-plane node, reached through pods/exec and pods/portforward
 * (helpers/etcd/lax-pod.ts).
 */
const LAX_ETCD_POD = [
  ...on(['create', 'delete'], 'pods', 'run'),
  ...exec('run'),
  ...portForward('run'),
  ...on('get', 'pods', 'kube-system'),
];
/**
 * The run-named custom resource the etcd storage controls make and remove (suites/deviations/etcd.ts
 * withCustomResource).
 */
const CUSTOM_RESOURCE = [
  ...on(['create', 'delete'], 'customresourcedefinitions', 'cluster'),
  ...on('create', 'probes', 'run'),
];
const PUBLIC_INFO_VIEWER = 'system:public-info-viewer';

/**
 * A privileged pod of the run on each node of a cluster kube-claims did not make, entered with the node's own
 * nsenter (kind/providers/node-shell.ts): every claim that needs the node goes through it (helpers/node.ts).
 * Its namespace is labelled for Pod Security Admission's privileged level; no RBAC right beyond these is asked.
 */
export const NODE_SHELL: readonly Right[] = [
  ...on('create', 'namespaces', 'cluster'),
  ...on('get', 'nodes', 'cluster'),
  ...on(['create', 'delete'], 'pods', 'run'),
  ...exec('run'),
];

/** What the run does besides the claims, and whether it can go on without it (then it says what is lost). */
export interface RunNeed {
  for: string;
  /** Without it the run cannot start: it ends with exit 2 before the provider does anything it needs rights for. */
  required: boolean;
  /**
   * A read-only run (--read-only) does it too: it reads only. The others a read-only run leaves out whole (finding
   * what ended runs left is only for removing it), so their rights are neither needed nor warned about.
   */
  readOnly: boolean;
  rights: Right[];
}

export const RUN_NEEDS: readonly RunNeed[] = [
  // kind/providers/api.ts awaitApi (its SelfSubjectReview is allowed to every user).
  { for: 'reach the API server', required: true, readOnly: true, rights: url('/version') },
  // kind/providers/leftovers.ts holdRunLease (helpers/namespace.ts createRunNamespace); app/session.ts close() deletes
  // the namespace.
  {
    for: "hold the run's lease in a namespace of its own",
    required: true,
    readOnly: false,
    rights: [...on(['create', 'delete'], 'namespaces', 'cluster'), ...on(['create', 'patch'], 'leases', 'run')],
  },
  // kind/providers/provider.ts nodesByRole, kind/providers/workload.ts schedulableNodes.
  { for: 'know the nodes and their roles', required: true, readOnly: true, rights: on('list', 'nodes', 'cluster') },
  // kind/providers/leftovers.ts clusterObjects and runAlive (the lease of each run that left something, in its
  // namespace kc-run-HASH).
  {
    for: 'find what ended runs left',
    required: true,
    readOnly: false,
    rights: [
      ...on('list', 'namespaces', 'cluster'),
      ...on('list', 'clusterrolebindings', 'cluster'),
      ...on('list', 'clusterroles', 'cluster'),
      ...on('list', 'roles', 'kube-system'),
      ...on('list', 'rolebindings', 'kube-system'),
      ...on('list', 'statefulsets', 'all-namespaces'),
      ...on('list', 'services', 'all-namespaces'),
      ...on('list', 'customresourcedefinitions', 'cluster'),
      ...on('list', 'deployments', 'all-namespaces'),
      ...on('get', 'leases', 'all-namespaces'),
    ],
  },
  // kind/providers/leftovers.ts: the removals (helpers/scaled.ts restoreScaled: coredns; helpers/restricted-role.ts
  // restoreRestricted:
  // system:public-info-viewer) and etcdKeys (etcdctl in the etcd pod). A leftover that cannot be removed is warned
  // about.
  {
    for: 'remove what ended runs left',
    required: false,
    readOnly: false,
    rights: [
      ...on('delete', 'clusterrolebindings', 'cluster'),
      ...on('delete', 'clusterroles', 'cluster'),
      ...on('delete', 'roles', 'kube-system'),
      ...on('delete', 'rolebindings', 'kube-system'),
      ...on('delete', 'statefulsets', 'all-namespaces'),
      ...on('delete', 'services', 'all-namespaces'),
      ...on('delete', 'customresourcedefinitions', 'cluster'),
      ...on(['get', 'patch'], 'deployments', 'kube-system', 'coredns'),
      ...on(['get', 'patch'], 'clusterroles', 'cluster', PUBLIC_INFO_VIEWER),
      ...ETCDCTL,
    ],
  },
  // kind/providers/workload.ts applyWorkload and removeWorkload (in the run's namespace on clusters kube-claims did not
  // make).
  {
    for: "apply the article's workload",
    required: false,
    readOnly: false,
    rights: [...on(['create', 'delete'], 'services', 'run'), ...on(['create', 'delete'], 'statefulsets', 'run')],
  },
  // kind/providers/node-shell.ts openNodeShells; the claims that need the node are unchecked without it.
  { for: 'open a shell on the nodes', required: false, readOnly: false, rights: [...NODE_SHELL] },
  // kind/providers/provider.ts externalEtcdEndpoints (kubeadm-config), kind/providers/facts.ts (the etcd pod's image).
  {
    for: 'describe the environment',
    required: false,
    readOnly: true,
    rights: [...KUBEADM_CONFIG, ...on('get', 'pods', 'kube-system')],
  },
  // kind/providers/diagnostics.ts: kubectl get events -A, kubectl get pods -A.
  {
    for: 'collect diagnostics of a failed run',
    required: false,
    readOnly: true,
    rights: [...on('list', 'events', 'all-namespaces'), ...on('list', 'pods', 'all-namespaces'), ...KUBECTL],
  },
];

/** What a claim needs, and what its negative controls staged live need beyond it. */
export interface ClaimRights {
  /** The claim's own check; a control needs these too (it judges a deviation with the same check). */
  claim: Right[];
  /**
   * Rights of the controls staged live (made on the cluster and undone), beyond the claim's: by a phrase of the
   * control's deviation (its test name), or '*' for every live control of the claim. A control staged on a copy
   * or on a recorded observation needs the claim's rights only.
   */
  controls?: Record<string, Right[]>;
}

/** Every claim of the catalogue (contract/rights.test.ts holds the table to it). */
export const CLAIM_RIGHTS: Record<ClaimId, ClaimRights> = {
  // suites/components.test.ts, suites/observations.ts controlPlaneContainers (crictl ps on the node, pods of
  // kube-system);
  // the control: suites/deviations/components.ts withStaticPodRemoved (the pod Ready again).
  'COMP-01': { claim: on('list', 'pods', 'kube-system'), controls: { '*': on('get', 'pods', 'kube-system') } },
  // kubectl get pod -A / --all-namespaces / -n kube-system, listPodForAllNamespaces, podExpectations (the coredns
  // Deployment);
  // the control: helpers/scaled.ts (patch spec.replicas), kubectl rollout status (list and watch).
  'COMP-02': {
    claim: [
      ...on('list', 'pods', 'all-namespaces'),
      ...on('list', 'pods', 'kube-system'),
      ...on('get', 'deployments', 'kube-system', 'coredns'),
      ...KUBECTL,
    ],
    controls: {
      '*': [
        ...on('patch', 'deployments', 'kube-system', 'coredns'),
        ...on(['list', 'watch'], 'deployments', 'kube-system'),
      ],
    },
  },
  // kubectl get pod, listNamespacedPod of the context's namespace; the control lists another namespace: kube-system
  // (kube-public where the context's namespace is kube-system, which kube-system's rights do not cover).
  'COMP-03': {
    claim: [...on('list', 'pods', 'context'), ...KUBECTL],
    controls: { '*': on('list', 'pods', 'kube-system') },
  },
  'COMP-04': { claim: [...on('list', 'namespaces', 'cluster'), ...KUBECTL] },
  // The StatefulSet the session applies (kind/providers/workload.ts), kubectl exec redis-cli in each replica, kubectl
  // get pod -l.
  'COMP-05': {
    claim: [
      ...on('create', 'services', 'run'),
      ...on('create', 'statefulsets', 'run'),
      ...on('list', 'pods', 'run'),
      ...exec('run'),
      ...KUBECTL,
    ],
  },
  // suites/apiserver/version.test.ts: kubectl version -v 8, the authenticated /version, the APF objects its headers
  // name.
  'API-01': {
    claim: [
      ...url('/version'),
      ...on('list', 'flowschemas', 'cluster'),
      ...on('list', 'prioritylevelconfigurations', 'cluster'),
    ],
  },
  // kubectl version; suites/apiserver/fixture.ts expectedVersion (kubeadm-config when no version was asked for).
  'API-02': { claim: [...url('/version'), ...KUBEADM_CONFIG] },
  // /version, expectedVersion, ownArgs (the kube-apiserver pod), nodePlatform (the node's status).
  'API-03': { claim: [...url('/version'), ...KUBEADM_CONFIG, ...STATIC_POD, ...on('get', 'nodes', 'cluster')] },
  // The binding and role read through RbacAuthorizationV1Api; the live control (clusters kube-claims made):
  // suites/deviations/apiserver.ts withoutAnonymousVersion (helpers/restricted-role.ts patches the role and puts it
  // back).
  'API-04': {
    claim: [
      ...url('/version'),
      ...on('get', 'clusterrolebindings', 'cluster', PUBLIC_INFO_VIEWER),
      ...on('get', 'clusterroles', 'cluster', PUBLIC_INFO_VIEWER),
    ],
    controls: { '*': on('patch', 'clusterroles', 'cluster', PUBLIC_INFO_VIEWER) },
  },
  // suites/apiserver/admin-conf.test.ts: kubeadm-config, the nodes' InternalIPs, kube-apiserver's --secure-port;
  // the HA control (suites/control-plane.ha.disruptive.test.ts) lists namespaces through the load balancer.
  'API-05': {
    claim: [...url('/version'), ...KUBEADM_CONFIG, ...on('list', 'nodes', 'cluster'), ...STATIC_POD],
    controls: { 'kube-apiserver of': on('list', 'namespaces', 'cluster') },
  },
  // admin.conf and the CAs, read on the node.
  'API-06': { claim: [] },
  'API-07': { claim: [] },
  // suites/apiserver/verbosity.test.ts: kubectl get pods -v 8 (the context's namespace).
  'API-12': { claim: [...on('list', 'pods', 'context'), ...KUBECTL] },
  // kubectl get pods -A at -v 6 to -v 9.
  'API-13': { claim: [...on('list', 'pods', 'all-namespaces'), ...KUBECTL] },
  // kubectl version -v 8.
  'API-14': { claim: url('/version') },
  // kubectl version, get pods and proxy at -v 8 (GET /version through the proxy).
  'API-15': { claim: [...url('/version'), ...on('list', 'pods', 'context'), ...KUBECTL] },
  // suites/apiserver/anonymous-and-proxy.test.ts: the pod list path from kubectl get pods -v 8
  // (suites/apiserver/fixture.ts podListPath);
  // the control: suites/deviations/apiserver.ts withAnonymousPodReader (a run-named ClusterRole and binding, deleted
  // afterwards;
  // RBAC lets a user grant only what the user holds: list pods, which the claims need anyway).
  'API-08': {
    claim: [...on('list', 'pods', 'context'), ...KUBECTL],
    controls: {
      '*': [
        ...on(['create', 'delete'], 'clusterroles', 'cluster'),
        ...on(['create', 'delete'], 'clusterrolebindings', 'cluster'),
      ],
    },
  },
  'API-09': { claim: [...on('list', 'pods', 'context'), ...KUBECTL] },
  // kubectl proxy forwards the pod list; the control: kubectl proxy --as=system:anonymous (impersonation).
  'API-10': {
    claim: [...on('list', 'pods', 'context'), ...KUBECTL],
    controls: { '*': on('impersonate', 'users', 'cluster', 'system:anonymous') },
  },
  // kubectl proxy is started and connected to over TCP; nothing is asked of the API server.
  'API-11': { claim: [] },
  // GET /version through kubectl proxy.
  'API-16': { claim: url('/version') },
  // suites/etcd/clients.test.ts: the static pods' command lines, the node's addresses, kubeadm-config; the live control
  // starts an etcdctl watch in the etcd pod that the run does not mark.
  'ETCD-01': { claim: [...STATIC_POD, ...on('get', 'nodes', 'cluster'), ...KUBEADM_CONFIG, ...ETCDCTL] },
  // suites/etcd/etcdctl.test.ts: etcdctl member list, the members expected from the Node objects
  // (suites/etcd/fixture.ts memberExpectations);
  // the control: a lax etcd of the cluster's image (suites/deviations/etcd.ts withLaxEtcd).
  'ETCD-02': { claim: [...ETCDCTL, ...on('list', 'nodes', 'cluster')], controls: { 'another etcd': LAX_ETCD_POD } },
  // The etcd pod's shell; the control runs the same observation in a redis replica of the run.
  'ETCD-15': { claim: ETCDCTL, controls: { 'redis workload': exec('run') } },
  // etcdctl version, the pod's image, kubeadm config images list on the node.
  'ETCD-03': { claim: [...ETCDCTL, ...url('/version')] },
  'ETCD-04': { claim: ETCDCTL },
  // etcdctl probes in the pod and etcd3 probes through a port-forward; the second control: a lax etcd.
  'ETCD-05': { claim: [...ETCDCTL, ...ETCD3], controls: { 'no client-cert-auth': LAX_ETCD_POD } },
  // suites/etcd/key-operations.test.ts: etcdctl in every member's pod, etcd3; the first control adds a lax etcd; the HA
  // control stops a member's process on its node.
  'ETCD-06': { claim: [...ETCDCTL, ...ETCD3], controls: { 'not a member': LAX_ETCD_POD } },
  'ETCD-07': { claim: [...ETCDCTL, ...ETCD3] },
  // suites/etcd/leases.test.ts, suites/etcd/locks.test.ts.
  'ETCD-08': { claim: [...ETCDCTL, ...ETCD3] },
  'ETCD-09': { claim: [...ETCDCTL, ...ETCD3] },
  // suites/etcd/registry.test.ts: kubectl api-resources (discovery), etcdctl get --keys-only.
  'ETCD-10': { claim: [...ETCDCTL, ...KUBECTL] },
  // The control: a namespace the run makes and deletes.
  'ETCD-11': {
    claim: [...ETCDCTL, ...on('list', 'namespaces', 'cluster')],
    controls: { 'a namespace the run makes': on(['create', 'delete'], 'namespaces', 'cluster') },
  },
  // The control: a pod the run makes (never scheduled) and deletes.
  'ETCD-12': {
    claim: [...ETCDCTL, ...on('list', 'pods', 'all-namespaces')],
    controls: { 'a pod the run makes': on(['create', 'delete'], 'pods', 'run') },
  },
  // kubectl get --raw /apis/apiregistration.k8s.io/v1/apiservices.
  'ETCD-13': { claim: [...ETCDCTL, ...on('list', 'apiservices', 'cluster')] },
  // etcd3 reads of /registry/namespaces/kube-system and the etcd pod's key beside the API objects; the control: a
  // custom resource.
  'ETCD-14': {
    claim: [...ETCDCTL, ...ETCD3, ...on('get', 'namespaces', 'cluster', 'kube-system')],
    controls: { 'custom resource': CUSTOM_RESOURCE },
  },
  // The pods, namespaces and services of the cluster (kubectl get --raw) beside their stored values; the controls: a
  // custom
  // resource, and a ConfigMap of the run whose stored value is padded (suites/deviations/etcd.ts withPaddedConfigMap).
  'ETCD-16': {
    claim: [
      ...ETCDCTL,
      ...ETCD3,
      ...on('list', 'pods', 'all-namespaces'),
      ...on('list', 'namespaces', 'cluster'),
      ...on('list', 'services', 'all-namespaces'),
    ],
    controls: { 'custom resource': CUSTOM_RESOURCE, ConfigMap: on(['create', 'get', 'delete'], 'configmaps', 'run') },
  },
};

/** The same right (so that each is asked once). */
export function rightKey(r: Right): string {
  return 'path' in r
    ? `${r.verb} ${r.path}`
    : `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}.${r.group} ${r.name ?? ''} ${r.scope}`;
}

export function uniqueRights(rights: Iterable<Right>): Right[] {
  return [...new Map([...rights].map((r) => [rightKey(r), r])).values()];
}

/** Every right of a full run: the run's own and every claim's and control's. */
export function allRights(): Right[] {
  return uniqueRights([
    ...RUN_NEEDS.flatMap((n) => n.rights),
    ...NODE_SHELL,
    ...Object.values(CLAIM_RIGHTS).flatMap((c) => [...c.claim, ...Object.values(c.controls ?? {}).flat()]),
  ]);
}

/**
 * Whether a right changes anything: a verb other than get, list and watch, or any verb on pods/exec and
 * pods/portforward (before Kubernetes 1.35 a WebSocket exec needs only get on pods/exec).
 */
export const isWrite = (r: Right): boolean =>
  !READ_VERBS.includes(r.verb) || ('subresource' in r && (r.subresource === 'exec' || r.subresource === 'portforward'));

/** The namespaces the scopes stand for in one run. */
export interface ScopeNamespaces {
  /** The run's namespace, kc-run-HASH. */
  run: string;
  /** The kubeconfig context's namespace. */
  context: string;
  /** The run's custom resource group, kc-HASH.kube-claims.io. */
  runGroup: string;
}

/** The namespace a review asks about: undefined for a cluster-scoped resource, '' for every namespace. */
export function namespaceOf(scope: Scope, ns: ScopeNamespaces): string | undefined {
  switch (scope) {
    case 'cluster':
      return undefined;
    case 'all-namespaces':
      return '';
    case 'kube-system':
      return 'kube-system';
    case 'run':
      return ns.run;
    case 'context':
      return ns.context;
  }
}

/** A right as a sentence's object: "create pods/exec in namespace kube-system", "list nodes", "get /version". */
export function describeRight(r: Right, ns: ScopeNamespaces): string {
  if ('path' in r) return `${r.verb} ${r.path}`;
  const group = r.group === RUN_GROUP ? ns.runGroup : r.group;
  const what = `${r.resource}${group ? `.${group}` : ''}${r.subresource ? `/${r.subresource}` : ''}${r.name ? ` ${r.name}` : ''}`;
  const where =
    r.scope === 'cluster'
      ? ''
      : r.scope === 'all-namespaces'
        ? ' in all namespaces'
        : r.scope === 'run'
          ? ` in the run's namespace ${ns.run}`
          : r.scope === 'context'
            ? ` in namespace ${ns.context} (the context's)`
            : ` in namespace ${r.scope}`;
  return `${r.verb} ${what}${where}`;
}

/** Why a read-only run makes no write, as the unchecked reasons end. */
export const READ_ONLY_REASON = 'the run is read-only (--read-only)';

/**
 * The reason a claim or control is reported unchecked: every right it lacks, the denied ones for whom, the writes of
 * a read-only run (readOnlyWrites) because the run makes none.
 */
export function uncheckedText(lacking: readonly string[], l: Pick<LackingRights, 'user' | 'readOnlyWrites'>): string {
  const unmade = new Set(l.readOnlyWrites ?? []);
  const denied = lacking.filter((r) => !unmade.has(r));
  const writes = lacking.filter((r) => unmade.has(r));
  const parts = [
    ...(denied.length ? [`needs ${denied.join(', ')}, denied for ${l.user}`] : []),
    ...(writes.length ? [`needs ${writes.join(', ')}, and ${READ_ONLY_REASON}`] : []),
  ];
  return `unchecked: ${parts.join('; ')}`;
}

/**
 * What a claim needs on a cluster kube-claims did not make: its rights, and the node shell's where it needs the node.
 */
export function claimNeeds(id: ClaimId): { claim: Right[]; controls: Record<string, Right[]> } {
  const own = CLAIM_RIGHTS[id];
  return {
    claim: uniqueRights([...own.claim, ...(claimById(id).needsNode ? NODE_SHELL : [])]),
    controls: own.controls ?? {},
  };
}

/**
 * The rights the kubeconfig's user lacks, per claim ID, as the preflight found them: plain data, provided to the
 * tests in the run's context (contract/cluster.ts RunContext). Rights whose review failed are not counted as lacking.
 */
export interface LackingRights {
  /** Who the API server says the user is (SelfSubjectReview), else "the kubeconfig's user". */
  user: string;
  /**
   * A read-only run (--read-only): every write of the table (isWrite) counts as lacking whatever the user may do;
   * these are the ones among the lacking below, described, so that their reasons say the run is read-only, not denied.
   */
  readOnlyWrites?: string[];
  /** Claim ID → the rights its check lacks, described (describeRight). */
  claims: Record<string, string[]>;
  /**
   * Claim ID → the rights its live controls lack beyond the claim's, by the phrase of the deviation ('*': every live
   * control).
   */
  controls: Record<string, Array<{ deviation: string; lacking: string[] }>>;
}

/** What a test lacks: a claim its claim's rights; a control also those of the live controls its deviation names. */
export function lackingOf(l: LackingRights, id: string, control?: { name: string; live: boolean }): string[] {
  const own = l.claims[id] ?? [];
  const extra = control?.live
    ? (l.controls[id] ?? [])
        .filter((c) => c.deviation === '*' || control.name.includes(c.deviation))
        .flatMap((c) => c.lacking)
    : [];
  return [...new Set([...own, ...extra])];
}
