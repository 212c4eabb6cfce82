// Cluster providers behind one interface (in the spirit of e2e-framework's support.E2EClusterProvider):
// a kind cluster kube-claims makes (or reuses), or an existing cluster given by a kubeconfig.
// Each gives the cluster contract (contract/cluster.ts); the session (session.ts) adds what every run needs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterInfo } from '../../contract/cluster.ts';
import type { KubeClients } from '../../helpers/kube.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { profileFor } from '../../contract/lines.ts';
import { buildKubectl } from '../image/components.ts';
import { binDir, type KindSettings } from '../settings.ts';
import type { ImageSource } from '../../contract/cluster.ts';

export interface ClusterProvider {
  /** 'kind' or 'kubeconfig'. */
  readonly kind: ClusterInfo['provider'];
  /** Creates (or reuses) the cluster, or connects to it; describes it. Bounded: fails with a one-line EnvironmentError. */
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
  /** Where kind clusters' kubeconfigs and the build cache are (the run's configuration). */
  settings: KindSettings;
}

/** kubectl of exactly the server's version: the node image's build when there is one, else built from its module. */
/** The release kubectl is built for (ClusterInfo.kubectlVersion): the version asked for, else the server's line profile's. */
export function kubectlVersionFor(requestedVersion: string | undefined, serverVersion: string): string {
  return requestedVersion ?? profileFor(serverVersion).line.version;
}

export async function kubectlFor(version: string, settings: KindSettings): Promise<string> {
  const built = join(binDir(settings), 'kubernetes', version, 'kubectl');
  if (existsSync(built)) return built;
  try {
    return await buildKubectl(binDir(settings), version);
  } catch (e) {
    throw new EnvironmentError(`no kubectl ${version} can be built: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The control-plane node the node claims look at: labelled control-plane (or master), else the only node. */
export async function controlPlaneNode(k: KubeClients): Promise<string | undefined> {
  for (const labelSelector of ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master']) {
    const nodes = (await k.core.listNode({ labelSelector })).items;
    if (nodes.length) return nodes[0]!.metadata!.name!;
  }
  const all = (await k.core.listNode()).items;
  return all.length === 1 ? all[0]!.metadata!.name! : undefined;
}
