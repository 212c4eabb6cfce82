// Environment set-up: provision or reuse a kind cluster, or take an existing kubeconfig,
// and wait until the control plane the article describes is up.
import { existsSync } from 'node:fs';
import { config } from '../../app/config.ts';
import { resolveLine, type KubernetesLine } from '../../contract/lines.ts';
import { dockerAnswers, imageExists, tryPull } from '../host/docker.ts';
import { log, timed } from '../../lib/log.ts';
import { EnvironmentError } from '../../lib/errors.ts';
import { buildKind } from '../image/components.ts';
import { buildNodeImage, ensureWorkloadImage, REDIS_IMAGE } from '../image/node-image.ts';
import { whileInterruptible } from '../../lib/cleanup.ts';
import { KindCluster } from './kind.ts';
import { startNodeShell, stopNodeShell, type NodeShell } from './node-shell.ts';
import { waitForControlPlane } from './readiness.ts';

/** What the suites know about the cluster under test; serialisable (vitest `provide`). */
export interface ClusterInfo {
  name: string;
  source: 'kind' | 'external';
  kubeconfig: string;
  context?: string;
  /** Docker container of the control-plane node, when kube-claims can `docker exec` into it. */
  nodeContainer?: string;
  nodeName: string;
  /** On a cluster kind did not make: the privileged pod that gives a shell on the node. */
  nodeShell?: NodeShell;
  /** Why there is no shell on the node, when there is none. */
  nodeAccessUnavailable?: string;
  kubernetesVersion: string;
  nodeImage?: string;
  /** The workload image for the redis claim, loaded into the cluster. */
  redisImage?: string;
  timings: Record<string, number>;
  created: boolean;
}

export interface ProvisionOptions {
  name?: string;
  kubernetesVersion?: string;
  imageSource?: 'auto' | 'offline' | 'upstream';
  /** A node image to use as it is (e.g. a pinned kindest/node@sha256 digest). */
  nodeImage?: string;
  kubeconfig?: string;
  context?: string;
}

/** Picks the node image: upstream kindest/node when present or pullable, else the offline build. */
async function chooseNodeImage(line: KubernetesLine, upstream: string, source: 'auto' | 'offline' | 'upstream', timings: Record<string, number>): Promise<string> {
  if (source !== 'offline') {
    if (await imageExists(upstream)) return upstream;
    log.step(`trying to pull ${upstream}`);
    if (await tryPull(upstream)) return upstream;
    if (source === 'upstream') throw new EnvironmentError(`${upstream} is neither present nor pullable (no registry reachable?)`);
    log.step(`no registry reachable: building the node image offline`);
  }
  const { result, seconds } = await timed(`node image for ${line.version}`, () => buildNodeImage(line));
  timings.imageBuildSeconds = seconds;
  return result.tag;
}

export async function provisionCluster(o: ProvisionOptions = {}): Promise<ClusterInfo> {
  const timings: Record<string, number> = {};
  const kubeconfig = o.kubeconfig ?? config.kubeconfig;
  if (kubeconfig) {
    if (!existsSync(kubeconfig)) throw new EnvironmentError(`kubeconfig ${kubeconfig} does not exist`);
    const { result: ready, seconds } = await timed('waiting for the control plane', () => waitForControlPlane(kubeconfig, o.context ?? config.context));
    timings.waitSeconds = seconds;
    const context = o.context ?? config.context;
    const { shell, reason } = await startNodeShell(kubeconfig, context, ready.nodeName);
    return {
      name: ready.clusterName, source: 'external', kubeconfig, context, nodeName: ready.nodeName, nodeShell: shell, nodeAccessUnavailable: reason,
      kubernetesVersion: ready.serverVersion, timings, created: false,
    };
  }

  const line = resolveLine(o.kubernetesVersion ?? config.kubernetesVersion);
  const upstreamImage = line.upstreamImage.value;
  const name = o.name ?? config.clusterName;
  if (!(await dockerAnswers())) throw new EnvironmentError('no Docker engine answers: run `npm run host:prepare` first');
  const cluster = new KindCluster(await buildKind(), name);

  let created = false;
  let image: string;
  if ((await cluster.exists()) && !(await cluster.running())) {
    // A node container stopped (e.g. the Docker engine restarted): kind nodes do not come back reliably.
    if (!(await cluster.isOurs())) throw new EnvironmentError(`a kind cluster named ${name} exists, is stopped, and was not made by kube-claims; choose another name (KUBE_CLAIMS_CLUSTER or --name)`);
    log.step(`kind cluster ${name} is stopped: deleting it to start afresh`);
    await cluster.delete();
  }
  if (await cluster.exists()) {
    if (!(await cluster.isOurs())) throw new EnvironmentError(`a kind cluster named ${name} exists and was not made by kube-claims; choose another name (KUBE_CLAIMS_CLUSTER or --name)`);
    image = await cluster.image();
    log.step(`reusing kind cluster ${name} (${image})`);
    await cluster.exportKubeconfig();
  } else {
    image = o.nodeImage ?? config.nodeImage ?? (await chooseNodeImage(line, upstreamImage, o.imageSource ?? config.imageSource, timings));
    const { seconds } = await whileInterruptible(() => cluster.delete(), () =>
      timed(`creating kind cluster ${name}`, () => cluster.create({ name, image, allowCgroupV1: line.behaviour.cgroupV1NeedsOptIn })));
    timings.clusterCreateSeconds = seconds;
    created = true;
  }
  await cluster.loadImage(await ensureWorkloadImage());
  const { result: ready, seconds } = await timed('waiting for every kube-system pod to be Ready', () => waitForControlPlane(cluster.kubeconfigPath));
  timings.waitSeconds = seconds;
  return {
    name, source: 'kind', kubeconfig: cluster.kubeconfigPath, nodeContainer: cluster.controlPlaneContainer,
    nodeName: ready.nodeName, kubernetesVersion: ready.serverVersion, nodeImage: image,
    redisImage: REDIS_IMAGE, timings, created,
  };
}

/** Undoes what provisioning made: the node-shell pod, and the kind cluster if this run created it (unless kept). */
export async function releaseCluster(info: ClusterInfo, keep: boolean): Promise<void> {
  if (info.nodeShell) await stopNodeShell(info.kubeconfig, info.context, info.nodeShell);
  if (info.created && !keep) {
    log.step(`deleting kind cluster ${info.name} (created by this run; keep it with --keep or KUBE_CLAIMS_KEEP_CLUSTER=1)`);
    await deleteCluster(info.name);
  }
}

export async function deleteCluster(name = config.clusterName): Promise<boolean> {
  const cluster = new KindCluster(await buildKind(), name);
  if (!(await cluster.exists())) return false;
  if (!(await cluster.isOurs())) throw new EnvironmentError(`kind cluster ${name} was not made by kube-claims; not deleting it`);
  await cluster.delete();
  return true;
}
