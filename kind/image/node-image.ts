// The offline node-image recipe for one Kubernetes version, end to end.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import type { KubernetesLine } from '../../contract/lines.ts';
import { fileURLToPath } from 'node:url';
import { log } from '../../helpers/log.ts';
import { runPlan, Slots, type Plan } from '../../helpers/plan.ts';
import { binDir, type KindSettings } from '../settings.ts';
import { TOOLS } from './tools.ts';
import { downloadModule, type ModuleInfo } from './go-modules.ts';
import {
  KUBERNETES_BINARIES, buildContainerd, buildCoredns, buildCrictl, buildEtcd, buildKubernetes, buildPause, buildRunc, kindBaseFiles,
} from './components.ts';
import {
  DISTROLESS_IMAGE, STAGE_IMAGE, ensureBaseImage, ensureComponentBases, ensureComponentImage, ensureNodeImage, ensureRecipeImage, localTag, type DebianSource,
} from './images.ts';

/** The node image's tag: the configured repository (KUBE_CLAIMS_NODE_REPO, default kube-claims/node) and the version. */
export const nodeImageTag = (nodeRepo: string, version: string) => `${nodeRepo}:${version}`;
/** The article's workload image (redis), built from Debian's redis-server. */
export const REDIS_IMAGE = 'kube-claims.local/redis:7-bookworm';

export interface KubeadmImages {
  apiserver: string; controllerManager: string; scheduler: string; proxy: string;
  coredns: string; pause: string; etcd: string;
}

/** The exact tags kubeadm will ask the node for; works offline with an explicit version. */
export async function kubeadmImages(kubeadm: string, version: string): Promise<KubeadmImages> {
  const { stdout } = await execa(kubeadm, ['config', 'images', 'list', '--kubernetes-version', version]);
  const refs = stdout.trim().split('\n');
  const find = (name: string) => {
    const ref = refs.find((r) => r.split(':')[0]!.endsWith(`/${name}`));
    if (!ref) throw new Error(`kubeadm ${version} lists no ${name} image`);
    return ref;
  };
  return {
    apiserver: find('kube-apiserver'), controllerManager: find('kube-controller-manager'), scheduler: find('kube-scheduler'),
    proxy: find('kube-proxy'), coredns: find('coredns'), pause: find('pause'), etcd: find('etcd'),
  };
}

const tagOf = (ref: string) => ref.slice(ref.lastIndexOf(':') + 1);

/** The article's redis workload, built from Debian's redis-server; loaded into any cluster, upstream image or not. */
export async function ensureWorkloadImage(debian: DebianSource): Promise<string> {
  await ensureBaseImage(debian);
  await ensureComponentImage({ tag: REDIS_IMAGE, packages: ['redis-server', 'redis-tools'], files: {} });
  return REDIS_IMAGE;
}

/** What the line's own server-image recipe (k8s.io/kubernetes build/server-image/) does, read from its module. */
export interface ServerImageRecipe {
  /** The generic Dockerfile sets ENTRYPOINT ["/go-runner"] itself (1.36+); before, the go-runner base image did, and distroless-iptables had none. */
  entrypointInDockerfile: boolean;
  /** The file capability kube-apiserver's own Dockerfile sets (cap_net_bind_service=+ep), if it has one. */
  apiserverSetcap?: string;
}

/** Reads build/server-image/Dockerfile and build/server-image/kube-apiserver/Dockerfile (empty where absent). */
export function parseServerImageRecipe(generic: string, apiserver: string): ServerImageRecipe {
  return {
    entrypointInDockerfile: /^ENTRYPOINT\s+\[\s*"\/go-runner"\s*\]/m.test(generic),
    apiserverSetcap: /setcap"?,?\s+"?(cap_[a-z_]+=\+?[eip]+)/.exec(apiserver)?.[1],
  };
}

export async function serverImageRecipe(kubernetesVersion: string): Promise<ServerImageRecipe> {
  const dir = join((await downloadModule('k8s.io/kubernetes', kubernetesVersion)).dir, 'build/server-image');
  const apiserverFile = join(dir, 'kube-apiserver/Dockerfile');
  return parseServerImageRecipe(await readFile(join(dir, 'Dockerfile'), 'utf8'), existsSync(apiserverFile) ? await readFile(apiserverFile, 'utf8') : '');
}

/** Versions of what a node image holds, as built. */
export interface NodeImageVersions {
  kubernetes: string; containerd: string; runc: string; etcd: string; coredns: string; crictl: string; pause: string; kind: string;
}

export interface NodeImageResult {
  tag: string;
  built: boolean;
  images: KubeadmImages;
  versions: NodeImageVersions;
  seconds: number;
}

/** What the node image is made of: the result of each step of its plan. */
export interface NodeImageParts {
  /** The line's k8s.io/kubernetes module: a version the proxy does not serve stops the build before anything else starts. */
  source: ModuleInfo;
  /** Directories of built binaries (Kubernetes, containerd) or the binary (the others). */
  kubernetes: string; etcd: string; coredns: string; pause: string; crictl: string; containerd: string; runc: string;
  /** The component images kubeadm of the line lists (read from the built kubeadm). */
  images: KubeadmImages;
  kindFiles: string;
  recipe: ServerImageRecipe;
  /** The Debian base, the staging image and the distroless base. */
  bases: void;
  workload: string;
  controlPlaneImages: void; etcdImage: void; corednsImage: void; pauseImage: void;
  /** Whether the node image was built (false: up to date). */
  node: boolean;
}

/**
 * Go builds' order when more wait than there are slots (GO_BUILD_SLOTS): Kubernetes first (its
 * kubeadm names etcd's and coredns' versions), then what it unblocks, then the runtime.
 */
export const GO_PRIORITY = { kubernetes: 0, etcd: 1, coredns: 1, containerd: 2, runc: 2, crictl: 2 } as const;

const etcdVersionOf = (images: KubeadmImages) => `v${tagOf(images.etcd).replace(/-\d+$/, '')}`;

/**
 * The node image as a plan (helpers/plan.ts): the Go builds share two slots (GO_BUILD_SLOTS), module
 * downloads run beside them, the Docker steps (debootstrap and the base images first, each component
 * image as soon as its binaries are there) take the `docker` lane one at a time beside the compiles,
 * and the node image is the last step.
 */
export function nodeImagePlan(line: KubernetesLine, settings: KindSettings): Plan<NodeImageParts> {
  const { version } = line;
  const bin = binDir(settings);
  const go = (step: keyof typeof GO_PRIORITY, signal: AbortSignal) => ({ priority: GO_PRIORITY[step], signal });
  return {
    source: { needs: [], run: (_, signal) => downloadModule('k8s.io/kubernetes', version, signal) },
    kubernetes: {
      needs: ['source'], label: () => `Kubernetes ${version} binaries`,
      run: (_, signal) => buildKubernetes(bin, version, KUBERNETES_BINARIES, undefined, go('kubernetes', signal)),
    },
    images: { needs: ['kubernetes'], run: (r) => kubeadmImages(join(r.kubernetes, 'kubeadm'), version) },
    etcd: {
      needs: ['images'], label: (r) => `etcd ${etcdVersionOf(r.images)}`,
      run: (r, signal) => buildEtcd(bin, etcdVersionOf(r.images), go('etcd', signal)),
    },
    coredns: {
      needs: ['images'], label: (r) => `coredns ${tagOf(r.images.coredns)}`,
      run: (r, signal) => buildCoredns(bin, tagOf(r.images.coredns), go('coredns', signal)),
    },
    pause: { needs: ['images'], label: (r) => `pause ${tagOf(r.images.pause)}`, run: (r) => buildPause(bin, version, tagOf(r.images.pause)) },
    crictl: { needs: ['source'], label: () => `crictl ${line.crictl}`, run: (_, signal) => buildCrictl(bin, line.crictl, go('crictl', signal)) },
    containerd: {
      needs: ['source'], label: () => `containerd ${TOOLS.containerd}`,
      run: (_, signal) => buildContainerd(bin, TOOLS.containerd, go('containerd', signal)),
    },
    runc: { needs: ['source'], label: () => `runc ${TOOLS.runc}`, run: (_, signal) => buildRunc(bin, TOOLS.runc, go('runc', signal)) },
    kindFiles: { needs: ['source'], run: () => kindBaseFiles() },
    recipe: { needs: ['source'], run: () => serverImageRecipe(version) },
    bases: { needs: ['source'], lane: 'docker', label: () => 'Debian base and component base images', run: () => ensureComponentBases(settings) },
    workload: { needs: ['bases'], lane: 'docker', label: () => `workload image ${REDIS_IMAGE}`, run: () => ensureWorkloadImage(settings) },
    controlPlaneImages: {
      needs: ['kubernetes', 'images', 'recipe', 'bases'], lane: 'docker', label: () => 'kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy images',
      run: async ({ kubernetes: k8s, images, recipe }) => {
        const goRunner = join(k8s, 'kube-log-runner');
        const controlPlane = { apiserver: 'kube-apiserver', controllerManager: 'kube-controller-manager', scheduler: 'kube-scheduler' } as const;
        for (const [key, name] of Object.entries(controlPlane)) {
          const setcap = name === 'kube-apiserver' ? recipe.apiserverSetcap : undefined;
          await ensureRecipeImage({
            tag: localTag(images[key as keyof typeof controlPlane]), recipe: 'control-plane.Dockerfile', from: [DISTROLESS_IMAGE],
            context: { 'go-runner': goRunner }, buildArgs: { DISTROLESS_IMAGE },
            archives: { 'binary.tar': { files: { [`usr/local/bin/${name}`]: join(k8s, name) }, setcap } },
          });
        }
        await ensureRecipeImage({
          tag: localTag(images.proxy), recipe: 'kube-proxy.Dockerfile', from: [STAGE_IMAGE, DISTROLESS_IMAGE], buildArgs: { STAGE_IMAGE, DISTROLESS_IMAGE },
          context: { 'kube-proxy': join(k8s, 'kube-proxy'), 'go-runner': goRunner, 'iptables-wrapper': fileURLToPath(new URL('./images/iptables-wrapper.sh', import.meta.url)) },
          append: recipe.entrypointInDockerfile ? ['ENTRYPOINT ["/go-runner"]'] : [],
        });
      },
    },
    etcdImage: {
      needs: ['etcd', 'images', 'bases'], lane: 'docker', label: (r) => `etcd image ${r.images.etcd}`,
      run: async ({ etcd, images }) => void await ensureRecipeImage({
        tag: localTag(images.etcd), recipe: 'etcd.Dockerfile', from: [STAGE_IMAGE, DISTROLESS_IMAGE], buildArgs: { STAGE_IMAGE, DISTROLESS_IMAGE },
        context: { etcd: join(etcd, 'etcd'), etcdctl: join(etcd, 'etcdctl'), etcdutl: join(etcd, 'etcdutl') },
      }),
    },
    corednsImage: {
      needs: ['coredns', 'images', 'bases'], lane: 'docker', label: (r) => `coredns image ${r.images.coredns}`,
      run: async ({ coredns, images }) => void await ensureRecipeImage({
        tag: localTag(images.coredns), recipe: 'coredns.Dockerfile', from: [DISTROLESS_IMAGE], buildArgs: { DISTROLESS_IMAGE },
        archives: { 'coredns.tar': { files: { coredns }, setcap: 'cap_net_bind_service=+ep' } },
      }),
    },
    pauseImage: {
      needs: ['pause', 'images'], lane: 'docker', label: (r) => `pause image ${r.images.pause}`,
      run: async ({ pause, images }) => void await ensureRecipeImage({ tag: localTag(images.pause), recipe: 'pause.Dockerfile', context: { pause } }),
    },
    node: {
      needs: ['kubernetes', 'images', 'crictl', 'containerd', 'runc', 'kindFiles', 'controlPlaneImages', 'etcdImage', 'corednsImage', 'pauseImage'],
      lane: 'docker', label: () => `node image ${nodeImageTag(settings.nodeRepo, version)}`,
      run: ({ kubernetes, images, crictl, containerd, runc, kindFiles }) => ensureNodeImage({
        tag: nodeImageTag(settings.nodeRepo, version), kubernetesVersion: version, pauseImage: images.pause, kubernetesBin: kubernetes,
        crictl, containerdBin: containerd, runc, kindFiles, preload: Object.values(images).map((ref) => ({ local: localTag(ref), ref })),
      }),
    },
  };
}

/** Builds (or finds in the cache) every piece of the node image for `version`. */
export async function buildNodeImage(line: KubernetesLine, settings: KindSettings): Promise<NodeImageResult> {
  const { version } = line;
  const t0 = performance.now();
  const { results: r } = await runPlan(nodeImagePlan(line, settings), { docker: new Slots(1) });
  const tag = nodeImageTag(settings.nodeRepo, version);
  const versions: NodeImageVersions = {
    kubernetes: version, containerd: TOOLS.containerd, runc: TOOLS.runc, etcd: etcdVersionOf(r.images), coredns: tagOf(r.images.coredns),
    crictl: line.crictl, pause: tagOf(r.images.pause), kind: TOOLS.kind,
  };
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  log.step(`node image ${tag} ${r.node ? 'built' : 'up to date'} (${seconds}s): ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return { tag, built: r.node, images: r.images, versions, seconds };
}
