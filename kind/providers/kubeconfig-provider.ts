// The kubeconfig provider: a cluster kube-claims did not make. It is only connected to, never created,
// changed or deleted; node access goes through a node-shell pod of the run (node-shell.ts).
import type { ClusterInfo, NodeAccess } from '../../contract/cluster.ts';
import { READ_ONLY_REASON } from '../../contract/rights.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { kubeClients } from '../../helpers/kube.ts';
import { Kubectl } from '../../helpers/kubectl.ts';
import { deleteNamespace } from '../../helpers/namespace.ts';
import { localImages } from '../host/docker.ts';
import { runName } from '../../contract/run-id.ts';
import { awaitApi } from './api.ts';
import { exportDiagnostics } from './diagnostics.ts';
import { openNodeShells } from './node-shell.ts';
import { externalEtcdEndpoints, nodesByRole, shapeOf, type ClusterProvider, type ProviderRequest } from './provider.ts';
import { kubectlFor, kubectlVersionFor } from './kubectl.ts';
import { chooseRedisImage, commonRuntimeImages, schedulableNodes, workloadFor } from './workload.ts';

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
    // The user's kubectl where it suits the server (no Go, no build needed), else kube-claims' build of the release.
    const tool = await kubectlFor({
      flag: this.r.kubectl,
      serverVersion: api.serverVersion,
      buildVersion: kubectlVersionFor(this.r.requestedVersion, api.serverVersion),
      settings: this.r.settings,
      preferBuild: false,
      target: { kubeconfig: this.r.kubeconfig, context: this.r.context },
    });
    const byRole = await nodesByRole(k);
    const first = byRole.find((n) => n.role === 'control-plane');
    if (!first)
      throw new EnvironmentError(
        'the cluster has no node labelled node-role.kubernetes.io/control-plane, and more than one node: kube-claims checks a kubeadm control plane',
      );
    const nodeName = first.name;
    const nodeNames = byRole.map((n) => n.name);
    // A node shell is a privileged pod of the run: a read-only run opens none.
    const accesses: Map<string, NodeAccess> = this.r.readOnly
      ? new Map(
          nodeNames.map((name) => [
            name,
            { kind: 'none', reason: `a node shell is a privileged pod of the run, and ${READ_ONLY_REASON}` },
          ]),
        )
      : await openNodeShells({
          k,
          kubectl: new Kubectl(tool.kubectl, this.r.kubeconfig, this.r.context),
          runId: this.r.runId,
          nodeNames,
          image: this.r.nodeShellImage,
        });
    const nodes = byRole.map((n) => ({ ...n, access: accesses.get(n.name)! }));
    const nodeAccess = accesses.get(nodeName)!;
    const cluster: Omit<ClusterInfo, 'workload'> = {
      name: k.kc.getCurrentCluster()?.name ?? 'cluster',
      provider: 'kubeconfig',
      madeByKubeClaims: false,
      createdByThisRun: false,
      kubeconfig: this.r.kubeconfig,
      context: this.r.context,
      server: k.server,
      nodeName,
      nodeAccess,
      nodes,
      shape: shapeOf(nodes),
      externalEtcd: await externalEtcdEndpoints(k),
      // A cluster of one control plane ran kubeadm init on it; of several, nothing independent says which did.
      initNode: byRole.filter((n) => n.role === 'control-plane').length === 1 ? nodeName : undefined,
      serverVersion: api.serverVersion,
      requestedVersion: this.r.requestedVersion,
      ...tool,
      timings: { apiWaitSeconds: apiWait },
      // A lax etcd container can run on this host only from an image this host's Docker already has.
      hostImages: await localImages(),
    };
    // What the nodes' runtimes hold, where there is a shell on them: a node's status lists its images only some
    // time after it started (seen: a cluster a minute old listed none, and redis:7 could not be pulled). The
    // redis pods go wherever the scheduler puts them, so the image must be on every node that can run them.
    // A read-only run applies no workload: no image to choose for it.
    const images = this.r.readOnly ? [] : await commonRuntimeImages(cluster, await schedulableNodes(k, nodes));
    return {
      ...cluster,
      workload: workloadFor(
        this.r.runId,
        runName(this.r.runId, 'run'),
        this.r.workloadImage ?? chooseRedisImage(images),
      ),
    };
  }

  exportLogs(cluster: ClusterInfo, dir: string): Promise<string[]> {
    return exportDiagnostics(cluster, dir);
  }

  async destroy(cluster: ClusterInfo): Promise<void> {
    const shell = cluster.nodes.map((n) => n.access).find((a) => a.kind === 'pod');
    if (shell?.kind === 'pod')
      await deleteNamespace(kubeClients(cluster.kubeconfig, cluster.context), shell.namespace, 0);
  }
}
