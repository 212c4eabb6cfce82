// The offline node-image recipe for one Kubernetes version, end to end.
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import type { KubernetesLine } from '../../contract/lines.ts';
import { settings as config } from '../settings.ts';
import { log, timed } from '../../lib/log.ts';
import { cached } from './cache.ts';
import { buildCoredns, buildCrictl, buildEtcd, buildKubernetes, buildPause, kindBaseFiles } from './components.ts';
import { ensureBaseImage, ensureComponentImage, ensureNodeImage } from './images.ts';

export const nodeImageTag = (version: string) => `kube-claims/node:${version}`;
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

/** Debian's static busybox, for `sh` in the etcd image (the article execs sh in the etcd pod). */
async function staticBusybox(): Promise<string> {
  const dir = join(config.cacheDir, 'bin', 'busybox-static');
  await cached(dir, { pkg: 'busybox-static', suite: 'bookworm' }, async (tmp) => {
    const dl = await mkdtemp(join(tmpdir(), 'kube-claims-deb-'));
    try {
      const r = await execa('apt-get', ['download', 'busybox-static'], { cwd: dl, reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`apt-get download busybox-static failed: ${r.all?.trim().split('\n').at(-1)}`);
      const { stdout } = await execa('sh', ['-c', 'ls *.deb'], { cwd: dl });
      await execa('dpkg-deb', ['-x', join(dl, stdout.trim()), join(dl, 'x')]);
      await execa('cp', [join(dl, 'x/bin/busybox'), join(tmp, 'busybox')]);
    } finally {
      await rm(dl, { recursive: true, force: true });
    }
  });
  return join(dir, 'busybox');
}

/** The article's redis workload, built from Debian's redis-server; loaded into any cluster, upstream image or not. */
export async function ensureWorkloadImage(): Promise<string> {
  await ensureBaseImage();
  await ensureComponentImage({ tag: REDIS_IMAGE, packages: ['redis-server', 'redis-tools'], files: {} });
  return REDIS_IMAGE;
}

export interface NodeImageResult {
  tag: string;
  built: boolean;
  images: KubeadmImages;
  seconds: number;
}

/** Builds (or finds in the cache) every piece of the node image for `version`. */
export async function buildNodeImage(line: KubernetesLine): Promise<NodeImageResult> {
  const { version } = line;
  const t0 = performance.now();
  const k8s = (await timed(`Kubernetes ${version} binaries`, () => buildKubernetes(version))).result;
  const images = await kubeadmImages(join(k8s, 'kubeadm'), version);
  const etcdVersion = `v${tagOf(images.etcd).replace(/-\d+$/, '')}`;
  const [etcd, coredns, pause, crictl, busybox, kindFiles] = [
    (await timed(`etcd ${etcdVersion}`, () => buildEtcd(etcdVersion))).result,
    (await timed(`coredns ${tagOf(images.coredns)}`, () => buildCoredns(tagOf(images.coredns)))).result,
    await buildPause(version, tagOf(images.pause)),
    await buildCrictl(line.crictl),
    await staticBusybox(),
    await kindBaseFiles(),
  ];
  await timed('Debian base image', () => ensureBaseImage());

  const controlPlane = { apiserver: 'kube-apiserver', controllerManager: 'kube-controller-manager', scheduler: 'kube-scheduler' } as const;
  for (const [key, bin] of Object.entries(controlPlane)) {
    // kubeadm runs these by name: the binary must be on PATH in the image.
    await ensureComponentImage({ tag: images[key as keyof typeof controlPlane], files: { [`usr/local/bin/${bin}`]: join(k8s, bin) } });
  }
  await ensureComponentImage({
    tag: images.proxy, packages: ['iptables', 'nftables', 'conntrack', 'ipset', 'kmod', 'iproute2'],
    files: { 'usr/local/bin/kube-proxy': join(k8s, 'kube-proxy') },
  });
  const shellTools = ['sh', 'ls', 'cat', 'env', 'sleep', 'ps', 'grep', 'timeout', 'kill', 'mkdir', 'rm', 'head', 'wc'];
  await ensureComponentImage({
    tag: images.etcd,
    files: {
      'usr/local/bin/etcd': join(etcd, 'etcd'), 'usr/local/bin/etcdctl': join(etcd, 'etcdctl'), 'usr/local/bin/etcdutl': join(etcd, 'etcdutl'),
      'bin/busybox': busybox, ...Object.fromEntries(shellTools.map((t) => [`bin/${t}`, 'symlink:busybox'])),
    },
  });
  // kubeadm passes only arguments to coredns and pause: the ENTRYPOINT matters.
  await ensureComponentImage({ tag: images.coredns, files: { coredns: join(coredns) }, entrypoint: ['/coredns'] });
  await ensureComponentImage({ tag: images.pause, files: { pause }, entrypoint: ['/pause'] });
  await ensureWorkloadImage();

  const tag = nodeImageTag(version);
  const built = (await timed(`node image ${tag}`, () => ensureNodeImage({
    tag, kubernetesVersion: version, pauseImage: images.pause, kubernetesBin: k8s, crictl, kindFiles,
    preload: [images.apiserver, images.controllerManager, images.scheduler, images.proxy, images.etcd, images.coredns, images.pause],
  }))).result;
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  log.step(`node image ${tag} ${built ? 'built' : 'up to date'} (${seconds}s)`);
  return { tag, built, images, seconds };
}
