// The offline node-image recipe for one Kubernetes version, end to end.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { describeLine, goToolchainFor, isPreRelease, type KubernetesLine } from '../../contract/lines.ts';
import { fileURLToPath } from 'node:url';
import { log, timed } from '../../helpers/log.ts';
import { binDir, type KindSettings } from '../settings.ts';
import { TOOLS } from './tools.ts';
import { downloadModule } from './go-modules.ts';
import { ensureAddonImages } from './addons.ts';
import {
  buildContainerd,
  buildCoredns,
  buildCrictl,
  buildEtcd,
  buildKubernetes,
  buildPause,
  buildRunc,
  kindBaseFiles,
} from './components.ts';
import {
  DISTROLESS_IMAGE,
  STAGE_IMAGE,
  ensureBaseImage,
  ensureComponentBases,
  ensureComponentImage,
  ensureNodeImage,
  ensureRecipeImage,
  localTag,
  type DebianSource,
} from './images.ts';

/**
 * The node image's tag: the configured repository (KUBE_CLAIMS_NODE_REPO, default kube-claims/node) and the version.
 */
export const nodeImageTag = (nodeRepo: string, version: string) => `${nodeRepo}:${version}`;
/** The article's workload image (redis), built from Debian's redis-server. */
export const REDIS_IMAGE = 'kube-claims.local/redis:7-bookworm';

export interface KubeadmImages {
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  proxy: string;
  coredns: string;
  pause: string;
  etcd: string;
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
    apiserver: find('kube-apiserver'),
    controllerManager: find('kube-controller-manager'),
    scheduler: find('kube-scheduler'),
    proxy: find('kube-proxy'),
    coredns: find('coredns'),
    pause: find('pause'),
    etcd: find('etcd'),
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
  /**
   * The generic Dockerfile sets ENTRYPOINT ["/go-runner"] itself (1.36+); before, the go-runner base image did, and
   * distroless-iptables had none.
   */
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
  const dir = join(
    (await downloadModule('k8s.io/kubernetes', kubernetesVersion, goToolchainFor(kubernetesVersion))).dir,
    'build/server-image',
  );
  const apiserverFile = join(dir, 'kube-apiserver/Dockerfile');
  return parseServerImageRecipe(
    await readFile(join(dir, 'Dockerfile'), 'utf8'),
    existsSync(apiserverFile) ? await readFile(apiserverFile, 'utf8') : '',
  );
}

/** Versions of what a node image holds, as built. */
export interface NodeImageVersions {
  kubernetes: string;
  containerd: string;
  runc: string;
  etcd: string;
  coredns: string;
  crictl: string;
  pause: string;
  kind: string;
  flannel: string;
  flannelCniPlugin: string;
  localPathProvisioner: string;
}

export interface NodeImageResult {
  tag: string;
  built: boolean;
  images: KubeadmImages;
  versions: NodeImageVersions;
  seconds: number;
}

/** Builds (or finds in the cache) every piece of the node image for `version`. */
export async function buildNodeImage(line: KubernetesLine, settings: KindSettings): Promise<NodeImageResult> {
  const { version } = line;
  // `image build` says it too (verify and cluster up have said it before the build: preReleaseNotice).
  if (isPreRelease(line)) log.step(`building the node image of a pre-release: ${describeLine(line)}`);
  const bin = binDir(settings);
  const t0 = performance.now();
  const k8s = (await timed(`Kubernetes ${version} binaries`, () => buildKubernetes(bin, version))).result;
  const images = await kubeadmImages(join(k8s, 'kubeadm'), version);
  const etcdVersion = `v${tagOf(images.etcd).replace(/-\d+$/, '')}`;
  const etcd = (await timed(`etcd ${etcdVersion}`, () => buildEtcd(bin, etcdVersion))).result;
  const coredns = (await timed(`coredns ${tagOf(images.coredns)}`, () => buildCoredns(bin, tagOf(images.coredns))))
    .result;
  const pause = await buildPause(bin, version, tagOf(images.pause));
  const crictl = await buildCrictl(bin, line.crictl);
  const containerd = (await timed(`containerd ${TOOLS.containerd}`, () => buildContainerd(bin))).result;
  const runc = (await timed(`runc ${TOOLS.runc}`, () => buildRunc(bin))).result;
  const kindFiles = await kindBaseFiles();
  await timed('Debian base and component base images', () => ensureComponentBases(settings));

  const recipe = await serverImageRecipe(version);
  const goRunner = join(k8s, 'kube-log-runner');
  const bases = { STAGE_IMAGE, DISTROLESS_IMAGE };
  const from = [STAGE_IMAGE, DISTROLESS_IMAGE];
  const controlPlane = {
    apiserver: 'kube-apiserver',
    controllerManager: 'kube-controller-manager',
    scheduler: 'kube-scheduler',
  } as const;
  for (const [key, bin] of Object.entries(controlPlane)) {
    const setcap = bin === 'kube-apiserver' ? recipe.apiserverSetcap : undefined;
    await ensureRecipeImage({
      tag: localTag(images[key as keyof typeof controlPlane]),
      recipe: 'control-plane.Dockerfile',
      from: [DISTROLESS_IMAGE],
      context: { 'go-runner': goRunner },
      buildArgs: { DISTROLESS_IMAGE },
      archives: { 'binary.tar': { files: { [`usr/local/bin/${bin}`]: join(k8s, bin) }, setcap } },
    });
  }
  await ensureRecipeImage({
    tag: localTag(images.proxy),
    recipe: 'kube-proxy.Dockerfile',
    from,
    buildArgs: bases,
    context: {
      'kube-proxy': join(k8s, 'kube-proxy'),
      'go-runner': goRunner,
      'iptables-wrapper': fileURLToPath(new URL('./images/iptables-wrapper.sh', import.meta.url)),
    },
    append: recipe.entrypointInDockerfile ? ['ENTRYPOINT ["/go-runner"]'] : [],
  });
  await ensureRecipeImage({
    tag: localTag(images.etcd),
    recipe: 'etcd.Dockerfile',
    from,
    buildArgs: bases,
    context: { etcd: join(etcd, 'etcd'), etcdctl: join(etcd, 'etcdctl'), etcdutl: join(etcd, 'etcdutl') },
  });
  await ensureRecipeImage({
    tag: localTag(images.coredns),
    recipe: 'coredns.Dockerfile',
    from: [DISTROLESS_IMAGE],
    buildArgs: { DISTROLESS_IMAGE },
    archives: { 'coredns.tar': { files: { coredns }, setcap: 'cap_net_bind_service=+ep' } },
  });
  await ensureRecipeImage({ tag: localTag(images.pause), recipe: 'pause.Dockerfile', context: { pause } });
  await ensureWorkloadImage(settings);
  const addons = (
    await timed(`flannel ${TOOLS.flannel}, local-path-provisioner ${TOOLS.localPathProvisioner}`, () =>
      ensureAddonImages(bin),
    )
  ).result;

  const tag = nodeImageTag(settings.nodeRepo, version);
  const preload = [...Object.values(images).map((ref) => ({ local: localTag(ref), ref })), ...addons.preload];
  const built = (
    await timed(`node image ${tag}`, () =>
      ensureNodeImage({
        tag,
        kubernetesVersion: version,
        pauseImage: images.pause,
        kubernetesBin: k8s,
        crictl,
        containerdBin: containerd,
        runc,
        kindFiles,
        preload,
        manifestImages: addons.manifestImages,
      }),
    )
  ).result;
  const versions: NodeImageVersions = {
    kubernetes: version,
    containerd: TOOLS.containerd,
    runc: TOOLS.runc,
    etcd: etcdVersion,
    coredns: tagOf(images.coredns),
    crictl: line.crictl,
    pause: tagOf(images.pause),
    kind: TOOLS.kind,
    flannel: TOOLS.flannel,
    flannelCniPlugin: TOOLS.flannelCniPlugin,
    localPathProvisioner: TOOLS.localPathProvisioner,
  };
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  log.step(
    `node image ${tag} ${built ? 'built' : 'up to date'} (${seconds}s): ${Object.entries(versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  return { tag, built, images, versions, seconds };
}
