// The kind provider: a kind cluster kube-claims makes (or reuses, when it made it before) from the line's
// node image: upstream kindest/node where present or pullable, else the offline build.
import type { ClusterInfo, Timings } from '../../contract/cluster.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { kubeClients } from '../../helpers/kube.ts';
import { log, timed } from '../../helpers/log.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { whileInterruptible } from '../../helpers/cleanup.ts';
import { findOnPath, notOnPath } from '../../helpers/tools.ts';
import { dockerAnswers, imageExists, imageLabels, localImages, tryPull } from '../host/docker.ts';
import { NODE_IMAGE_VERSION_LABEL } from '../../contract/marks.ts';
import { binDir, type KindSettings } from '../settings.ts';
import { buildKind } from '../image/components.ts';
import { localTag } from '../image/images.ts';
import { buildNodeImage, ensureWorkloadImage } from '../image/node-image.ts';
import { awaitApi } from './api.ts';
import { controlPlanesOf, KindCluster, readKindConfig } from './kind.ts';
import { ensureLoadBalancerImage } from '../image/load-balancer.ts';
import { exportDiagnostics } from './diagnostics.ts';
import { schedulableNodes, workloadFor } from './workload.ts';
import { externalEtcdEndpoints, nodesByRole, shapeOf, type ClusterProvider, type ProviderRequest } from './provider.ts';
import { kubectlFor, kubectlVersionFor } from './kubectl.ts';

/**
 * The offline node image is known by its label (whatever repository KUBE_CLAIMS_NODE_REPO gave it), not by its name.
 */
async function isOfflineNodeImage(image: string): Promise<boolean> {
  return !!(await imageLabels(image))?.[NODE_IMAGE_VERSION_LABEL];
}

/** kindest/node:v1.33.12@sha256:… → v1.33.12; undefined for a tag that names no release. */
export function releaseOfNodeImage(image: string): string | undefined {
  return /:(v\d+\.\d+\.\d+)(?:@|$)/.exec(image)?.[1];
}

/** The kind cluster as made or found: its node image, and whether it is starting up (just created or restarted). */
interface MadeCluster {
  image: string;
  offline: boolean;
  created: boolean;
  startingUp: boolean;
}

/** The cluster once its API answers and every node is Ready. */
interface ReadyCluster {
  k: ReturnType<typeof kubeClients>;
  serverVersion: string;
  nodes: ClusterInfo['nodes'];
  initNode?: string;
  nodeName: string;
}

export class KindProvider implements ClusterProvider {
  readonly kind = 'kind' as const;
  private readonly r: ProviderRequest;
  private cluster?: KindCluster;

  constructor(request: ProviderRequest) {
    this.r = request;
  }

  /** upstream kindest/node when present or pullable, else the offline build; `offline` says which. */
  private async chooseImage(timings: Timings): Promise<{ image: string; offline: boolean }> {
    if (this.r.nodeImage) return { image: this.r.nodeImage, offline: await isOfflineNodeImage(this.r.nodeImage) };
    const upstream = this.r.line.upstreamImage.value;
    if (!upstream) {
      // A pre-release line: kind publishes no image of it, so `upstream` cannot be honoured and `auto` builds.
      if (this.r.imageSource === 'upstream')
        throw new EnvironmentError(
          `no upstream node image for ${this.r.line.id}: ${this.r.line.upstreamImage.source}; use --image-source offline (or auto)`,
        );
      log.step(
        `no upstream node image for ${this.r.line.id} (${this.r.line.version}): building the node image offline`,
      );
    } else if (this.r.imageSource !== 'offline') {
      if (await imageExists(upstream)) return { image: upstream, offline: false };
      log.step(`trying to pull ${upstream}`);
      if (await tryPull(upstream, 30_000)) return { image: upstream, offline: false };
      if (this.r.imageSource === 'upstream')
        throw new EnvironmentError(`${upstream} is neither present nor pullable (no registry reachable?)`);
      log.step('no registry reachable: building the node image offline');
    }
    const { result, seconds } = await timed(`node image for ${this.r.line.version}`, () =>
      buildNodeImage(this.r.line, this.r.settings),
    );
    timings.imageBuildSeconds = seconds;
    return { image: result.tag, offline: true };
  }

  /**
   * The run's kind cluster: made (or reused, when kube-claims made it before), its API server answering and
   * every node Ready, the workload image in the nodes; then described in the cluster contract.
   */
  async create(): Promise<ClusterInfo> {
    const timings: Timings = {};
    if (!findOnPath('docker'))
      throw new EnvironmentError(
        `${notOnPath('docker')}: a kind cluster needs a Docker engine (\`npm run host:prepare\` installs one), or check an existing cluster with --kubeconfig`,
      );
    if (!findOnPath('go'))
      throw new EnvironmentError(
        `${notOnPath('go')}: kube-claims builds kind (and the offline node image, kubectl) from Go modules; a cluster given by --kubeconfig needs no Go`,
      );
    if (!(await dockerAnswers()))
      throw new EnvironmentError('no Docker engine answers: run `npm run host:prepare` first');
    const cluster = (this.cluster = new KindCluster(
      await buildKind(binDir(this.r.settings)),
      this.r.clusterName,
      this.r.settings,
    ));
    const made = (await this.reusable(cluster)) ? await this.reuse(cluster) : await this.make(cluster, timings);
    const t0 = performance.now();
    const ready = await this.awaitReady(cluster, made.startingUp);
    timings.apiAndNodeWaitSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const workloadImage = await this.loadWorkloadImage(cluster, ready);
    return this.describe(cluster, made, ready, workloadImage, timings);
  }

  /** Whether a kind cluster of this name is there to reuse: kube-claims' own and running (a stopped one is deleted). */
  private async reusable(cluster: KindCluster): Promise<boolean> {
    // `kind get clusters` once: each asks Docker for every kind container.
    if (!(await cluster.exists())) return false;
    if (!(await cluster.isOurs())) {
      throw new EnvironmentError(
        `a kind cluster named ${cluster.name} exists and was not made by kube-claims; choose another name (--name, KUBE_CLAIMS_CLUSTER)`,
      );
    }
    if (await cluster.running()) return true;
    // A stopped node (the Docker engine restarted) does not come back reliably.
    log.step(`kind cluster ${cluster.name} is stopped: deleting it to start afresh`);
    await cluster.delete();
    return false;
  }

  /** The cluster kube-claims made before, as it is. */
  private async reuse(cluster: KindCluster): Promise<MadeCluster> {
    const image = await cluster.image();
    const restartedRecently = (await cluster.secondsSinceStart()) < 120;
    log.step(
      `reusing kind cluster ${cluster.name} (${image})${restartedRecently ? ': its node has just started' : ''}`,
    );
    await cluster.exportKubeconfig();
    return { image, offline: await isOfflineNodeImage(image), created: false, startingUp: restartedRecently };
  }

  /** A new cluster from the chosen node image, in the topology (or the user's kind configuration). */
  private async make(cluster: KindCluster, timings: Timings): Promise<MadeCluster> {
    const { image, offline } = await this.chooseImage(timings);
    const shape = this.r.kindConfig ? await readKindConfig(this.r.kindConfig) : this.r.topology;
    // Several control planes: kind puts its load balancer in front (an image under kind's own name; offline, ours).
    if (controlPlanesOf(shape) > 1)
      await timed('the HA load balancer image', () => ensureLoadBalancerImage(this.r.settings, this.r.imageSource));
    const { seconds } = await whileInterruptible(
      () => cluster.delete(),
      () =>
        timed(`creating kind cluster ${cluster.name}`, () =>
          cluster.create({
            name: cluster.name,
            image,
            allowCgroupV1: this.r.line.behaviour.cgroupV1NeedsOptIn,
            shape,
          }),
        ),
    );
    timings.clusterCreateSeconds = seconds;
    return { image, offline, created: true, startingUp: true };
  }

  /** The one wait besides the API: claims need nodes that can run pods (every node kind made, registered and Ready). */
  private async awaitReady(cluster: KindCluster, startingUp: boolean): Promise<ReadyCluster> {
    const k = kubeClients(cluster.kubeconfigPath);
    const api = await awaitApi(k, { startingUpMs: startingUp ? 60_000 : 10_000 });
    // kind names each node's container and hostname alike: a node is reached by `docker exec NODE`.
    const containers = await cluster.nodeContainers();
    // The one wait besides the API: claims need nodes that can run pods (every node kind made, registered and Ready).
    await waitUntil(
      `the ${containers.length} node(s) of ${cluster.name} to be Ready`,
      async () => {
        // retried: the wait asks again until its deadline, and then says what it waited for
        const nodes = (await k.core.listNode().catch(() => undefined))?.items ?? [];
        const ready = nodes
          .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
          .map((n) => n.metadata?.name);
        return containers.every((c) => ready.includes(c));
      },
      120_000,
      1000,
    ).catch((e: Error) => {
      throw new EnvironmentError(e.message);
    });
    const nodes = (await nodesByRole(k)).map((n) => ({ ...n, access: { kind: 'docker' as const, container: n.name } }));
    const first = nodes.find((n) => n.role === 'control-plane');
    if (!first)
      throw new EnvironmentError(
        `kind cluster ${cluster.name} has no node labelled node-role.kubernetes.io/control-plane`,
      );
    // kind runs kubeadm init on the node it names NAME-control-plane; the others join.
    const initNode = nodes.some((n) => n.name === cluster.controlPlaneContainer)
      ? cluster.controlPlaneContainer
      : undefined;
    return { k, serverVersion: api.serverVersion, nodes, initNode, nodeName: initNode ?? first.name };
  }

  /**
   * The redis image of the article's workload (--workload-image, else kube-claims' own), loaded into the nodes the
   * workload can be scheduled on only (an HA cluster's control planes are tainted): each node imports and unpacks it.
   */
  private async loadWorkloadImage(cluster: KindCluster, ready: ReadyCluster): Promise<string> {
    if (this.r.workloadImage) return this.r.workloadImage;
    const image = await ensureWorkloadImage(this.r.settings);
    await cluster.loadImage(
      image,
      (await schedulableNodes(ready.k, ready.nodes)).map((n) => n.name),
    );
    return image;
  }

  /** The cluster contract the suites get. */
  private async describe(
    cluster: KindCluster,
    made: MadeCluster,
    ready: ReadyCluster,
    workloadImage: string,
    timings: Timings,
  ): Promise<ClusterInfo> {
    const { image, offline } = made;
    const { k, nodeName, nodes } = ready;
    // What was asked for: the line's offline build, or the release of the node image chosen for the line.
    const requestedVersion = offline ? this.r.line.version : releaseOfNodeImage(image);
    // The build of the release asked for first: the claims about a cluster kube-claims makes hold kubectl to it.
    const [externalEtcd, tool, hostImages] = await Promise.all([
      externalEtcdEndpoints(k),
      kubectlFor({
        flag: this.r.kubectl,
        serverVersion: ready.serverVersion,
        buildVersion: kubectlVersionFor(requestedVersion, ready.serverVersion),
        settings: this.r.settings,
        preferBuild: true,
        target: { kubeconfig: cluster.kubeconfigPath },
      }),
      localImages(),
    ]);
    return {
      name: cluster.name,
      provider: 'kind',
      madeByKubeClaims: true,
      createdByThisRun: made.created,
      kubeconfig: cluster.kubeconfigPath,
      server: k.server,
      nodeName,
      nodeAccess: { kind: 'docker', container: nodeName },
      nodes,
      initNode: ready.initNode,
      shape: shapeOf(nodes),
      externalEtcd,
      serverVersion: ready.serverVersion,
      requestedVersion,
      ...tool,
      nodeImage: image,
      ...(offline ? { offlineBuild: true } : {}),
      hostImagePrefix: offline ? localTag('') : undefined,
      hostImages,
      // As in the article, redis runs in default on clusters kube-claims made.
      workload: workloadFor(this.r.runId, 'default', workloadImage),
      timings,
    };
  }

  exportLogs(cluster: ClusterInfo, dir: string): Promise<string[]> {
    return exportDiagnostics(cluster, dir);
  }

  async destroy(cluster: ClusterInfo): Promise<void> {
    if (!cluster.createdByThisRun || this.r.keep) return;
    log.step(
      `deleting kind cluster ${cluster.name} (created by this run; keep it with --keep or KUBE_CLAIMS_KEEP_CLUSTER=1)`,
    );
    await (
      this.cluster ?? new KindCluster(await buildKind(binDir(this.r.settings)), cluster.name, this.r.settings)
    ).delete();
  }
}

/** Deletes a kind cluster kube-claims made (cluster down); false when there is none of that name. */
export async function deleteKindCluster(name: string, settings: KindSettings): Promise<boolean> {
  const cluster = new KindCluster(await buildKind(binDir(settings)), name, settings);
  if (!(await cluster.exists())) return false;
  if (!(await cluster.isOurs()))
    throw new EnvironmentError(`kind cluster ${name} was not made by kube-claims; not deleting it`);
  await cluster.delete();
  return true;
}
