// Checks of §2: what crictl and the pod and namespace lists must show. Pure functions of observations.
import type { V1Pod } from '@kubernetes/client-node';
import { finding, type Differences } from '../differences.ts';

/** The static pods kubeadm puts on a control-plane node, named COMPONENT-NODE. */
export const STATIC_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;
/** The namespaces the article lists. */
export const ARTICLE_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const;

/** Running and Ready, and not being deleted (kubectl shows such a pod as Terminating). */
export function podReady(pod: V1Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

export interface CrictlContainer {
  id: string;
  state: string;
  metadata: { name: string };
  labels: Record<string, string>;
}

/**
 * kubeadm's CoreDNS Deployment asks this many replicas on a new cluster (cmd/kubeadm/app/phases/addons/dns/dns.go,
 * `coreDNSReplicas = 2`, the same in v1.33.3 and v1.38.0-beta.0; kubeadm keeps a changed count on upgrade).
 */
export const KUBEADM_COREDNS_REPLICAS = 2;

/**
 * What §2's listings must show on this cluster, from its own objects (nodes, the coredns Deployment, the pods'
 * placement).
 */
export interface PodExpectations {
  /** Nodes labelled control-plane: each runs the static pods COMPONENT-NODE. */
  controlPlanes: string[];
  /** Every node: kube-proxy (a DaemonSet tolerating every taint) runs once on each. */
  nodes: string[];
  /** spec.replicas of the coredns Deployment. */
  corednsReplicas: number;
  /** The static pods of a control-plane node: without etcd where the cluster's etcd is external (kubeadm-config). */
  staticComponents: readonly string[];
}

/** The control-plane containers of §2 on `node`: name → how its pod is named and how many run there. */
function expectedContainers(
  node: string,
  controlPlane: boolean,
  corednsHere: number,
  staticComponents: readonly string[],
): Array<{ name: string; pod: (p: string) => boolean; count: number }> {
  return [
    ...(controlPlane
      ? staticComponents.map((c) => ({ name: c, pod: (p: string) => p === `${c}-${node}`, count: 1 }))
      : []),
    { name: 'kube-proxy', pod: (p: string) => p.startsWith('kube-proxy-'), count: 1 },
    { name: 'coredns', pod: (p: string) => p.startsWith('coredns-'), count: corednsHere },
  ];
}

/** Where the scheduler put the coredns pods (the API's spec.nodeName): how many on `node`. */
export function corednsPodsOn(pods: V1Pod[], node: string): number {
  return pods.filter(
    (p) =>
      p.metadata?.namespace === 'kube-system' &&
      p.metadata?.labels?.['k8s-app'] === 'kube-dns' &&
      !p.metadata.deletionTimestamp &&
      p.spec?.nodeName === node,
  ).length;
}

/**
 * crictl ps on one node: the static pods' containers on a control-plane node, kube-proxy once, and as many coredns
 * containers as the API says coredns pods are scheduled there (`corednsHere`).
 */
export function checkCrictlContainers(
  containers: CrictlContainer[],
  node: string,
  where: { controlPlane: boolean; corednsHere: number; staticComponents?: readonly string[] },
): Differences {
  const diffs: Differences = [];
  for (const want of expectedContainers(
    node,
    where.controlPlane,
    where.corednsHere,
    where.staticComponents ?? STATIC_COMPONENTS,
  )) {
    const found = containers.filter(
      (c) => c.metadata.name === want.name && c.labels['io.kubernetes.pod.namespace'] === 'kube-system',
    );
    const running = found.filter(
      (c) => c.state === 'CONTAINER_RUNNING' && want.pod(c.labels['io.kubernetes.pod.name'] ?? ''),
    );
    if (running.length !== want.count) {
      const seen = found.map((c) => `${c.labels['io.kubernetes.pod.name']}:${c.state}`).join(', ') || 'none';
      diffs.push(
        finding(
          'container-count',
          `${node}: container ${want.name}: ${running.length} running in the expected pod, ${want.count} expected (seen: ${seen})`,
          { expected: `${node}/${want.name} × ${want.count}`, actual: `${node}/${want.name} × ${running.length}` },
        ),
      );
    }
  }
  return diffs;
}

const podLabel = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;

/**
 * kube-system as §2 lists it, on a cluster of any shape: the static pods COMPONENT-NODE of every control-plane
 * node, one kube-proxy on every node, and the coredns pods the Deployment asks (kubeadm's two on a cluster as
 * kubeadm made it), all Running and Ready.
 */
export function checkKubeSystemPods(pods: V1Pod[], expect: PodExpectations): Differences {
  const diffs: Differences = [];
  const system = pods.filter((p) => p.metadata?.namespace === 'kube-system');
  for (const node of expect.controlPlanes) {
    for (const c of expect.staticComponents) {
      const pod = system.find((p) => p.metadata?.name === `${c}-${node}`);
      if (!pod)
        diffs.push(
          finding(
            'static-pod-present',
            `static pod ${c}-${node} missing (kube-system has: ${system.map((p) => p.metadata?.name).join(', ')})`,
            { expected: `${c}-${node}`, actual: 'absent' },
          ),
        );
      else if (!podReady(pod))
        diffs.push(
          finding('static-pod-ready', `pod ${c}-${node} is ${pod.status?.phase}, not Running and Ready`, {
            expected: `${c}-${node} Running and Ready`,
            actual: `${c}-${node} ${pod.status?.phase}`,
          }),
        );
    }
  }
  const proxies = system.filter((p) => p.metadata?.name?.startsWith('kube-proxy-') && podReady(p));
  for (const node of expect.nodes) {
    const here = proxies.filter((p) => p.spec?.nodeName === node).length;
    if (here !== 1)
      diffs.push(
        finding('kube-proxy-count', `${here} kube-proxy-* pod(s) Running and Ready on node ${node}, 1 expected`, {
          expected: `${node}: 1`,
          actual: `${node}: ${here}`,
        }),
      );
  }
  if (expect.corednsReplicas !== KUBEADM_COREDNS_REPLICAS)
    diffs.push(
      finding(
        'coredns-replicas',
        `the coredns Deployment asks ${expect.corednsReplicas} replica(s), kubeadm deploys ${KUBEADM_COREDNS_REPLICAS}`,
        { expected: KUBEADM_COREDNS_REPLICAS, actual: expect.corednsReplicas },
      ),
    );
  const coredns = system.filter((p) => p.metadata?.name?.startsWith('coredns-') && podReady(p));
  if (coredns.length !== expect.corednsReplicas)
    diffs.push(
      finding(
        'coredns-ready',
        `${expect.corednsReplicas} coredns-* pod(s) Running and Ready expected (the Deployment's replicas), found ${coredns.length}`,
        { expected: expect.corednsReplicas, actual: coredns.length },
      ),
    );
  return diffs;
}

/**
 * Listings taken one after another, judged at one consistent point: a pod in the first and in the last of
 * them (the same pod: the same UID) existed all the while, so every listing between must name it. Pods
 * that appeared or went meanwhile (the run's own node-shell pod, a rollout) prove nothing either way.
 */
export function missingStablePods(
  first: V1Pod[],
  last: V1Pod[],
  between: V1Pod[],
  name: string,
  inScope: (p: V1Pod) => boolean = () => true,
): Differences {
  const lastUids = new Set(last.map((p) => p.metadata?.uid));
  const seen = new Set(between.map((p) => p.metadata?.uid));
  return first
    .filter((p) => inScope(p) && lastUids.has(p.metadata?.uid) && !seen.has(p.metadata?.uid))
    .map((p) =>
      finding(
        'stable-pod-listed',
        `${podLabel(p)} existed throughout (in the first and the last listing) but ${name} does not list it`,
        { expected: podLabel(p), actual: 'absent' },
      ),
    );
}

/** Two listings of the same pods must name the same pods. */
export function comparePodSets(a: V1Pod[], b: V1Pod[], aName: string, bName: string): Differences {
  const as = new Set(a.map(podLabel));
  const bs = new Set(b.map(podLabel));
  return [
    ...[...as]
      .filter((p) => !bs.has(p))
      .map((p) =>
        finding('pod-sets-equal', `${p} listed by ${aName} but not by ${bName}`, {
          expected: `${p} (${aName})`,
          actual: `absent (${bName})`,
        }),
      ),
    ...[...bs]
      .filter((p) => !as.has(p))
      .map((p) =>
        finding('pod-sets-equal', `${p} listed by ${bName} but not by ${aName}`, {
          expected: `${p} (${bName})`,
          actual: `absent (${aName})`,
        }),
      ),
  ];
}

/**
 * `kubectl get pod` without -n: only `namespace` (the kubeconfig context's, default unless it names another), and (when
 * given) the pods known to run there.
 */
export function checkOnlyNamespace(pods: V1Pod[], namespace: string, expected: readonly string[] = []): Differences {
  const names = new Set(pods.filter((p) => p.metadata?.namespace === namespace).map((p) => p.metadata?.name));
  return [
    ...pods
      .filter((p) => p.metadata?.namespace !== namespace)
      .map((p) =>
        finding('pod-namespace', `${podLabel(p)} is listed, but only namespace ${namespace} should be`, {
          expected: namespace,
          actual: p.metadata?.namespace,
        }),
      ),
    ...expected
      .filter((n) => !names.has(n))
      .map((n) =>
        finding(
          'workload-pod-listed',
          `${namespace}/${n}, a pod of the StatefulSet this run applied in ${namespace}, is not listed`,
          { expected: `${namespace}/${n}`, actual: 'absent' },
        ),
      ),
  ];
}

export function checkArticleNamespaces(namespaces: Array<{ name: string; phase?: string }>): Differences {
  return ARTICLE_NAMESPACES.flatMap((ns) => {
    const found = namespaces.find((n) => n.name === ns);
    if (!found) return [finding('namespace-present', `namespace ${ns} missing`, { expected: ns, actual: 'absent' })];
    return found.phase === 'Active'
      ? []
      : [
          finding('namespace-phase', `namespace ${ns} is ${found.phase}, not Active`, {
            expected: `${ns} Active`,
            actual: `${ns} ${found.phase}`,
          }),
        ];
  });
}

/** The ordinal pods NAME-0 … NAME-(N-1) of a StatefulSet. */
export const ordinalPods = (name: string, replicas: number) =>
  Array.from({ length: replicas }, (_, i) => `${name}-${i}`);

/** Each replica of the StatefulSet answers PING with PONG; `answers` maps pod name → redis-cli output. */
export function checkRedisReplicas(answers: Record<string, string>, name: string, replicas = 3): Differences {
  const diffs: Differences = [];
  for (const pod of ordinalPods(name, replicas)) {
    if (!(pod in answers))
      diffs.push(finding('replica-present', `${pod} not found`, { expected: pod, actual: 'absent' }));
    else if (answers[pod]!.trim() !== 'PONG')
      diffs.push(
        finding('ping-answer', `${pod} answered ${JSON.stringify(answers[pod]!.trim())} to PING, not PONG`, {
          expected: `${pod}: PONG`,
          actual: `${pod}: ${answers[pod]!.trim()}`,
        }),
      );
  }
  return diffs;
}
