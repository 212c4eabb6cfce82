// The kind provider: a kind cluster kube-claims makes (or reuses, when it made it before) from the line's
// node image: upstream kindest/node where present or pullable, else the offline build.
import type { ClusterInfo, Timings } from '../../contract/cluster.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { kubeClients } from '../../helpers/kube.ts';
import { log, timed } from '../../helpers/log.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { whileInterruptible } from '../../helpers/cleanup.ts';
import { dockerAnswers, imageExists, imageLabels, tryPull } from '../host/docker.ts';
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
import { externalEtcdEndpoints, kubectlFor, kubectlVersionFor, nodesByRole, shapeOf, type ClusterProvider, type ProviderRequest } from './provider.ts';

/** The offline node image is known by its label (whatever repository KUBE_CLAIMS_NODE_REPO gave it), not by its name. */
async function isOfflineNodeImage(image: string): Promise<boolean> {
  return !!(await imageLabels(image))?.[NODE_IMAGE_VERSION_LABEL];
}

/** kindest/node:v1.33.12@sha256:… → v1.33.12; undefined for a tag that names no release. */
export function releaseOfNodeImage(image: string): string | undefined {
  return /:(v\d+\.\d+\.\d+)(?:@|$)/.exec(image)?.[1];
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
      if (this.r.imageSource === 'upstream') throw new EnvironmentError(`no upstream node image for ${this.r.line.id}: ${this.r.line.upstreamImage.source}; use --image-source offline (or auto)`);
      log.step(`no upstream node image for ${this.r.line.id} (${this.r.line.version}): building the node image offline`);
    } else if (this.r.imageSource !== 'offline') {
      if (await imageExists(upstream)) return { image: upstream, offline: false };
      log.step(`trying to pull ${upstream}`);
      if (await tryPull(upstream, 30_000)) return { image: upstream, offline: false };
      if (this.r.imageSource === 'upstream') throw new EnvironmentError(`${upstream} is neither present nor pullable (no registry reachable?)`);
      log.step('no registry reachable: building the node image offline');
    }
    const { result, seconds } = await timed(`node image for ${this.r.line.version}`, () => buildNodeImage(this.r.line, this.r.settings));
    timings.imageBuildSeconds = seconds;
    return { image: result.tag, offline: true };
  }

  async create(): Promise<ClusterInfo> {
    const timings: Timings = {};
    const name = this.r.clusterName;
    if (!(await dockerAnswers())) throw new EnvironmentError('no Docker engine answers: run `npm run host:prepare` first');
    const cluster = (this.cluster = new KindCluster(await buildKind(binDir(this.r.settings)), name, this.r.settings));
    // `kind get clusters` once: each asks Docker for every kind container.
    let exists = await cluster.exists();
    if (exists && !(await cluster.isOurs())) {
      throw new EnvironmentError(`a kind cluster named ${name} exists and was not made by kube-claims; choose another name (--name, KUBE_CLAIMS_CLUSTER)`);
    }
    if (exists && !(await cluster.running())) {
      // A stopped node (the Docker engine restarted) does not come back reliably.
      log.step(`kind cluster ${name} is stopped: deleting it to start afresh`);
      await cluster.delete();
      exists = false;
    }
    let created = false;
    let restartedRecently = false;
    let image: string;
    let offline: boolean;
    if (exists) {
      image = await cluster.image();
      offline = await isOfflineNodeImage(image);
      restartedRecently = (await cluster.secondsSinceStart()) < 120;
      log.step(`reusing kind cluster ${name} (${image})${restartedRecently ? ': its node has just started' : ''}`);
      await cluster.exportKubeconfig();
    } else {
      const chosen = await this.chooseImage(timings);
      image = chosen.image;
      offline = chosen.offline;
      const shape = this.r.kindConfig ? await readKindConfig(this.r.kindConfig) : this.r.topology;
      // Several control planes: kind puts its load balancer in front (an image under kind's own name; offline, ours).
      if (controlPlanesOf(shape) > 1) await timed('the HA load balancer image', () => ensureLoadBalancerImage(this.r.settings, this.r.imageSource));
      const { seconds } = await whileInterruptible(() => cluster.delete(), () => timed(`creating kind cluster ${name}`, () => cluster.create({
        name, image, allowCgroupV1: this.r.line.behaviour.cgroupV1NeedsOptIn, shape,
      })));
      timings.clusterCreateSeconds = seconds;
      created = true;
    }
    const k = kubeClients(cluster.kubeconfigPath);
    const t0 = performance.now();
    const api = await awaitApi(k, { startingUpMs: created || restartedRecently ? 60_000 : 10_000 });
    // kind names each node's container and hostname alike: a node is reached by `docker exec NODE`.
    const containers = await cluster.nodeContainers();
    // The one wait besides the API: claims need nodes that can run pods (every node kind made, registered and Ready).
    await waitUntil(`the ${containers.length} node(s) of ${name} to be Ready`, async () => {
      // retried: the wait asks again until its deadline, and then says what it waited for
      const nodes = (await k.core.listNode().catch(() => undefined))?.items ?? [];
      const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata?.name);
      return containers.every((c) => ready.includes(c));
    }, 120_000, 1000).catch((e: Error) => { throw new EnvironmentError(e.message); });
    const nodes = (await nodesByRole(k)).map((n) => ({ ...n, access: { kind: 'docker' as const, container: n.name } }));
    const first = nodes.find((n) => n.role === 'control-plane');
    if (!first) throw new EnvironmentError(`kind cluster ${name} has no node labelled node-role.kubernetes.io/control-plane`);
    // kind runs kubeadm init on the node it names NAME-control-plane; the others join.
    const initNode = nodes.some((n) => n.name === cluster.controlPlaneContainer) ? cluster.controlPlaneContainer : undefined;
    const nodeName = initNode ?? first.name;
    timings.apiAndNodeWaitSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const workloadImage = this.r.workloadImage ?? (await ensureWorkloadImage(this.r.settings));
    const requestedVersion = offline ? this.r.line.version : releaseOfNodeImage(image);
    const kubectlVersion = kubectlVersionFor(requestedVersion, api.serverVersion);
    // Into the nodes the workload can be scheduled on only (an HA cluster's control planes are tainted): each node
    // imports and unpacks it, five at once on an HA cluster otherwise.
    if (!this.r.workloadImage) await cluster.loadImage(workloadImage, (await schedulableNodes(k, nodes)).map((n) => n.name));
    return {
      name, provider: 'kind', madeByKubeClaims: true, createdByThisRun: created,
      kubeconfig: cluster.kubeconfigPath, server: k.server, nodeName,
      nodeAccess: { kind: 'docker', container: nodeName }, nodes, initNode, shape: shapeOf(nodes), externalEtcd: await externalEtcdEndpoints(k),
      // What was asked for: the line's offline build, or the release of the node image chosen for the line.
      serverVersion: api.serverVersion, requestedVersion, kubectlVersion,
      kubectl: await kubectlFor(kubectlVersion, this.r.settings), nodeImage: image, ...(offline ? { offlineBuild: true } : {}), hostImagePrefix: offline ? localTag('') : undefined,
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
    log.step(`deleting kind cluster ${cluster.name} (created by this run; keep it with --keep or KUBE_CLAIMS_KEEP_CLUSTER=1)`);
    await (this.cluster ?? new KindCluster(await buildKind(binDir(this.r.settings)), cluster.name, this.r.settings)).delete();
  }
}

/** Deletes a kind cluster kube-claims made (cluster down); false when there is none of that name. */
export async function deleteKindCluster(name: string, settings: KindSettings): Promise<boolean> {
  const cluster = new KindCluster(await buildKind(binDir(settings)), name, settings);
  if (!(await cluster.exists())) return false;
  if (!(await cluster.isOurs())) throw new EnvironmentError(`kind cluster ${name} was not made by kube-claims; not deleting it`);
  await cluster.delete();
  return true;
}
