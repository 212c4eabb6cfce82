// The kubeconfig provider: a cluster kube-claims did not make. It is only connected to, never created,
// changed or deleted; node access goes through a node-shell pod of the run (node-shell.ts).
import type { ClusterInfo } from '../../contract/cluster.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { kubeClients } from '../../helpers/kube.ts';
import { Kubectl } from '../../helpers/kubectl.ts';
import { deleteNamespace } from '../../helpers/namespace.ts';
import { runName } from '../../contract/run-id.ts';
import { awaitApi } from './api.ts';
import { exportDiagnostics } from './diagnostics.ts';
import { openNodeShell } from './node-shell.ts';
import { controlPlaneNode, kubectlFor, kubectlVersionFor, type ClusterProvider, type ProviderRequest } from './provider.ts';
import { chooseRedisImage, runtimeImages, workloadFor } from './workload.ts';

export class KubeconfigProvider implements ClusterProvider {
  readonly kind = 'kubeconfig' as const;
  private readonly r: ProviderRequest & { kubeconfig: string };

  constructor(request: ProviderRequest & { kubeconfig: string }) {
    this.r = request;
  }

  async create(): Promise<ClusterInfo> {
    const k = kubeClients(this.r.kubeconfig, this.r.context);
    const t0 = performance.now();
    const api = await awaitApi(k, { startingUpMs: 0 });
    const apiWait = Math.round((performance.now() - t0) / 100) / 10;
    const kubectlVersion = kubectlVersionFor(this.r.requestedVersion, api.serverVersion);
    const kubectl = await kubectlFor(kubectlVersion, this.r.settings);
    const nodeName = await controlPlaneNode(k);
    if (!nodeName) throw new EnvironmentError('the cluster has no node labelled node-role.kubernetes.io/control-plane, and more than one node: kube-claims checks a kubeadm control plane');
    const node = await k.core.readNode({ name: nodeName });
    const nodeAccess = await openNodeShell({ k, kubectl: new Kubectl(kubectl, this.r.kubeconfig, this.r.context), runId: this.r.runId, nodeName, image: this.r.nodeShellImage });
    const cluster: Omit<ClusterInfo, 'workload'> = {
      name: k.kc.getCurrentCluster()?.name ?? 'cluster', provider: 'kubeconfig', madeByKubeClaims: false, createdByThisRun: false,
      kubeconfig: this.r.kubeconfig, context: this.r.context, server: k.server, nodeName, nodeAccess,
      serverVersion: api.serverVersion, requestedVersion: this.r.requestedVersion, kubectl, kubectlVersion,
      timings: { apiWaitSeconds: apiWait },
    };
    // What the node's runtime holds, where there is a shell on it: the node's status lists its images only
    // some time after it started (seen: a cluster a minute old listed none, and redis:7 could not be pulled).
    const images = (await runtimeImages(cluster)) ?? node.status?.images ?? [];
    // Not in default on someone else's cluster: in the run's own namespace (created by the session's lease).
    return { ...cluster, workload: workloadFor(this.r.runId, runName(this.r.runId, 'run'), this.r.workloadImage ?? chooseRedisImage(images)) };
  }

  exportLogs(cluster: ClusterInfo, dir: string): Promise<string[]> {
    return exportDiagnostics(cluster, dir);
  }

  async destroy(cluster: ClusterInfo): Promise<void> {
    if (cluster.nodeAccess.kind === 'pod') await deleteNamespace(kubeClients(cluster.kubeconfig, cluster.context), cluster.nodeAccess.namespace, 0);
  }
}
