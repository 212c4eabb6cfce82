// Cluster providers behind one interface (in the spirit of e2e-framework's support.E2EClusterProvider):
// a kind cluster kube-claims makes (or reuses), or an existing cluster given by a kubeconfig.
// Each gives the cluster contract (contract/cluster.ts); the session (session.ts) adds what every run needs.
import type { ClusterInfo, ClusterNode } from '../../contract/cluster.ts';
import { describeShape } from '../../contract/topology.ts';
import { parse } from 'yaml';
import type { KubeClients } from '../../helpers/kube.ts';
import type { KindSettings } from '../settings.ts';
import type { ImageSource } from '../../contract/cluster.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';

export interface ClusterProvider {
  /** 'kind' or 'kubeconfig'. */
  readonly kind: ClusterInfo['provider'];
  /**
   * Creates (or reuses) the cluster, or connects to it; describes it. Bounded: fails with a one-line EnvironmentError.
   */
  create(): Promise<ClusterInfo>;
  /** Collects the node's diagnostics (kubelet journal, container logs, events) into dir; returns the files written. */
  exportLogs(cluster: ClusterInfo, dir: string): Promise<string[]>;
  /** Undoes what create() made: the kind cluster if this run created it (unless kept), the node-shell pod. */
  destroy(cluster: ClusterInfo): Promise<void>;
}

export interface ProviderRequest {
  runId: string;
  /** kind: the cluster's name. */
  clusterName: string;
  line: import('../../contract/lines.ts').KubernetesLine;
  /** The version the configuration asked for, when it did (expected version of an existing cluster). */
  requestedVersion?: string;
  keep: boolean;
  imageSource: ImageSource;
  nodeImage?: string;
  kubeconfig?: string;
  context?: string;
  nodeShellImage?: string;
  workloadImage?: string;
  /** kind: the shape of the cluster to make (ignored when reusing one: its nodes say its shape). */
  topology: import('../../contract/topology.ts').Topology;
  /** kind: a user's own kind configuration, instead of the topology's nodes. */
  kindConfig?: string;
  /** The kubectl to run (--kubectl, KUBE_CLAIMS_KUBECTL): a path, or a name looked up on PATH. */
  kubectl?: string;
  /** Where kind clusters' kubeconfigs and the build cache are (the run's configuration). */
  settings: KindSettings;
  /** Write nothing to the cluster (--read-only, a cluster given by --kubeconfig): no node-shell pods. */
  readOnly?: boolean;
}

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

/**
 * The cluster's nodes by kubeadm's role labels, control planes first, each group by name; a lone unlabelled node counts
 * as the control plane.
 */
export async function nodesByRole(k: KubeClients): Promise<Array<{ name: string; role: ClusterNode['role'] }>> {
  const all = (await k.core.listNode()).items;
  const isControlPlane = (labels: Record<string, string> = {}) => CONTROL_PLANE_LABELS.some((l) => l in labels);
  const named = all.map((n) => ({
    name: n.metadata!.name!,
    role: (isControlPlane(n.metadata?.labels) || all.length === 1 ? 'control-plane' : 'worker') as ClusterNode['role'],
  }));
  return named.sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'control-plane' ? -1 : 1));
}

/** The shape the nodes show. */
export function shapeOf(nodes: Array<{ role: ClusterNode['role'] }>): string {
  return describeShape(
    nodes.filter((n) => n.role === 'control-plane').length,
    nodes.filter((n) => n.role === 'worker').length,
  );
}

/** kubeadm-config's etcd.external endpoints, when the cluster's own configuration says its etcd is external. */
export async function externalEtcdEndpoints(k: KubeClients): Promise<string[] | undefined> {
  // absent is the truth: a 404 means no kubeadm-config, so nothing says the etcd is external; a refusal is thrown
  const cm = await unlessNotFound(k.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' }));
  const config = parse(cm?.data?.ClusterConfiguration ?? '') as {
    etcd?: { external?: { endpoints?: string[] } };
  } | null;
  const endpoints = config?.etcd?.external?.endpoints;
  return endpoints?.length ? endpoints : undefined;
}
