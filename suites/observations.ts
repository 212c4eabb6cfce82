// Live observations more than one suite file makes.
import type { V1Pod } from '@kubernetes/client-node';
import { execa } from 'execa';
import { nodeExecOk } from '../helpers/node.ts';
import type { KubeClients } from '../helpers/kube.ts';
import type { ClusterInfo, ClusterNode } from '../contract/cluster.ts';
import { servingDnsNames } from '../helpers/serving-certificate.ts';
import { waitUntil } from '../helpers/wait.ts';
import { serverOf } from './checks/apiserver/load-balancer.ts';
import {
  checkCrictlContainers,
  corednsPodsOn,
  STATIC_COMPONENTS,
  type CrictlContainer,
  type PodExpectations,
} from './checks/components.ts';
import type { Differences } from './differences.ts';
import { isNotFound, unlessNotFound } from '../helpers/not-found.ts';
import { reading } from '../helpers/touches.ts';

/** The cluster as seen from one of its nodes: commands go to that node. */
export const onNode = (cluster: ClusterInfo, node: ClusterNode): ClusterInfo => ({
  ...cluster,
  nodeName: node.name,
  nodeAccess: node.access,
});

export const controlPlaneNodes = (cluster: ClusterInfo): ClusterNode[] =>
  cluster.nodes.filter((n) => n.role === 'control-plane');

/** crictl ps on the node, as JSON and as the table the article shows. */
export async function crictlContainers(c: ClusterInfo): Promise<{ containers: CrictlContainer[]; table: string }> {
  const json = JSON.parse(await nodeExecOk(c, ['crictl', 'ps', '-o', 'json'])) as { containers: CrictlContainer[] };
  const table = await nodeExecOk(c, ['crictl', 'ps']);
  return { containers: json.containers, table };
}

/**
 * What §2's listings must show, from the cluster's objects: its nodes by role and the coredns Deployment's replicas.
 */
export async function podExpectations(cluster: ClusterInfo, kube: KubeClients): Promise<PodExpectations> {
  reading('coredns');
  // absent is the truth: a 404 means no coredns Deployment, and so no coredns pods to expect; a refusal is thrown
  const coredns = await unlessNotFound(
    kube.apps.readNamespacedDeployment({ namespace: 'kube-system', name: 'coredns' }),
  );
  return {
    controlPlanes: controlPlaneNodes(cluster).map((n) => n.name),
    nodes: cluster.nodes.map((n) => n.name),
    corednsReplicas: coredns?.spec?.replicas ?? 0,
    staticComponents: staticComponentsOf(cluster),
  };
}

/** kubeadm's static pods of a control-plane node: etcd among them unless the cluster's etcd is external. */
export const staticComponentsOf = (cluster: ClusterInfo): readonly string[] =>
  cluster.externalEtcd ? STATIC_COMPONENTS.filter((c) => c !== 'etcd') : STATIC_COMPONENTS;

export interface ControlPlaneContainers {
  /** Node → its crictl ps table. */
  tables: Record<string, string>;
  differences: Differences;
}

/** crictl ps on every control-plane node, judged against where the API says the coredns pods are. */
export async function controlPlaneContainers(cluster: ClusterInfo, kube: KubeClients): Promise<ControlPlaneContainers> {
  reading('static-pods', 'coredns');
  const pods: V1Pod[] = (await kube.core.listNamespacedPod({ namespace: 'kube-system' })).items;
  const out: ControlPlaneContainers = { tables: {}, differences: [] };
  for (const node of controlPlaneNodes(cluster)) {
    const { containers, table } = await crictlContainers(onNode(cluster, node));
    out.tables[node.name] = table;
    out.differences.push(
      ...checkCrictlContainers(containers, node.name, {
        controlPlane: true,
        corednsHere: corednsPodsOn(pods, node.name),
        staticComponents: staticComponentsOf(cluster),
      }),
    );
  }
  return out;
}

/** The command line of the static pod COMPONENT-NODE (its mirror pod through the API), on `cluster.nodeName`. */
export async function staticPodCommand(
  { cluster, kube }: { cluster: ClusterInfo; kube: KubeClients },
  component: string,
): Promise<string[]> {
  const name = `${component}-${cluster.nodeName}`;
  const p = await kube.core.readNamespacedPod({ namespace: 'kube-system', name }).catch((e: unknown) => {
    if (isNotFound(e))
      throw new Error(
        `static pod kube-system/${name} not found: the ${component} command line cannot be read (COMP-01 and COMP-02 report the missing pod)`,
      );
    throw e;
  });
  const c = p.spec?.containers.find((x) => x.name === component) ?? p.spec?.containers[0];
  return [...(c?.command ?? []), ...(c?.args ?? [])];
}

/** The InternalIPs of the nodes, by node name. */
export async function internalIps(kube: KubeClients): Promise<Map<string, string[]>> {
  return new Map(
    (await kube.core.listNode()).items.map((n) => [
      n.metadata?.name ?? '',
      (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address),
    ]),
  );
}

/**
 * The addresses of kind's load balancer (the container NAME-external-load-balancer kind adds in front of several
 * control planes), on a kind cluster that has one; undefined elsewhere (nothing independent names a load balancer
 * there).
 */
export async function kindLoadBalancerAddresses(cluster: ClusterInfo): Promise<string[] | undefined> {
  if (cluster.provider !== 'kind') return undefined;
  const r = await execa(
    'docker',
    [
      'inspect',
      '--format',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.GlobalIPv6Address}} {{end}}',
      `${cluster.name}-external-load-balancer`,
    ],
    { reject: false },
  );
  return r.exitCode === 0 ? r.stdout.split(/\s+/).filter(Boolean) : undefined;
}

/**
 * Fresh connections to the run's endpoint (on HA, the load balancer in front of the API servers), and which server
 * each reached: until every control plane's was reached, 20 per control plane at most. The run's other clients
 * open connections meanwhile, so a round robin is not seen in order; 60 connections all missing one of three
 * healthy servers would happen once in 10^10 (3 × (2/3)^60), while a stopped server is never reached.
 */
export async function apiServersBehind(
  kube: KubeClients,
  controlPlanes: string[],
): Promise<{ connections: string[][]; reached: string[] }> {
  const allReached = (seen: string[][]) =>
    controlPlanes.every((n) => seen.some((names) => serverOf(names, controlPlanes) === n));
  const connections = await servingDnsNames(kube.kc, controlPlanes.length * 20, allReached);
  return {
    connections,
    reached: connections.map(
      (names) => serverOf(names, controlPlanes) ?? `(none of the control planes: ${names.join(', ')})`,
    ),
  };
}

/**
 * The load balancer takes a server out after failed health checks (kind's: two, 2 s apart): until it has,
 * connections may still be sent to the API server of `stopped` and fail. Bounded; the servers reached after it.
 */
export async function untilLoadBalancerSkips(
  kube: KubeClients,
  controlPlanes: string[],
  stopped: string,
): Promise<{ connections: string[][]; reached: string[] }> {
  let behind = { connections: [] as string[][], reached: [] as string[] };
  await waitUntil(
    `the load balancer to stop sending connections to ${stopped}`,
    async () => {
      // retried: a connection that fails while the load balancer moves on is asked again until the deadline
      behind = await apiServersBehind(kube, controlPlanes).catch(() => ({ connections: [], reached: [stopped] }));
      return behind.connections.length > 0 && !behind.reached.includes(stopped);
    },
    30_000,
    1000,
  );
  return behind;
}
