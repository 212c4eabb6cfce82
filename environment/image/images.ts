// Docker images of the recipe: a Debian base from debootstrap, the component images
// kubeadm expects (tagged exactly as `kubeadm config images list` prints), and the node image.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { settings as config, PROJECT_ROOT } from '../settings.ts';
import { dockerBuild, dockerImportDir, dockerSave, imageLabels } from '../host/docker.ts';
import { log } from '../../lib/log.ts';
import { cached, inputsKey } from './cache.ts';

const KEY_LABEL = 'io.kube-claims.inputs';
const DEBIAN_SUITE = 'bookworm';
const DEBIAN_MIRROR = process.env.KUBE_CLAIMS_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
export const BASE_IMAGE = `kube-claims/debian:${DEBIAN_SUITE}`;

/** Builds an image unless one with the same inputs key is already tagged (docker tags only a finished build). */
async function ensureImage(tag: string, inputs: unknown, build: (labels: Record<string, string>) => Promise<void>): Promise<boolean> {
  const key = inputsKey(inputs);
  const labels = await imageLabels(tag);
  if (labels?.[KEY_LABEL] === key) return false;
  await build({ [KEY_LABEL]: key, [config.ownerLabel]: 'kube-claims' });
  return true;
}

/** Content hash of files, for cache keys; names count relative to `root`, so a clone elsewhere keys the same. */
export async function hashFiles(files: string[], root = '/'): Promise<string> {
  const h = createHash('sha256');
  for (const f of files.sort()) {
    h.update(relative(root, f));
    await new Promise<void>((resolve, reject) => {
      createReadStream(f).on('data', (d) => h.update(d)).on('end', resolve).on('error', reject);
    });
  }
  return h.digest('hex').slice(0, 16);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  }
  return out;
}

/** Debian minbase from debootstrap, imported as an image: there is no registry to pull debian from. */
export async function ensureBaseImage(): Promise<string> {
  await ensureImage(BASE_IMAGE, { suite: DEBIAN_SUITE, mirror: DEBIAN_MIRROR, v: 1 }, async (labels) => {
    const rootfs = join(config.cacheDir, 'rootfs', DEBIAN_SUITE);
    await cached(rootfs, { suite: DEBIAN_SUITE, mirror: DEBIAN_MIRROR }, async (tmp) => {
      log.step(`debootstrap ${DEBIAN_SUITE} (minbase) from ${DEBIAN_MIRROR}`);
      const r = await execa('debootstrap', ['--variant=minbase', DEBIAN_SUITE, tmp, DEBIAN_MIRROR], { reject: false, all: true });
      if (r.exitCode !== 0) throw new Error(`debootstrap failed: ${(r.all ?? '').trim().split('\n').slice(-3).join(' | ')}`);
      await execa('sh', ['-c', `rm -rf "${tmp}"/var/cache/apt/archives/*.deb "${tmp}"/var/lib/apt/lists/*`]);
    });
    log.step(`importing ${BASE_IMAGE}`);
    await dockerImportDir(rootfs, BASE_IMAGE, [
      ...Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`),
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'CMD ["/bin/bash"]',
    ]);
  });
  return BASE_IMAGE;
}

export interface ComponentImage {
  tag: string;
  /** Files to place, as path in the image → host file (or a symlink target with `symlink:`). */
  files: Record<string, string>;
  entrypoint?: string[];
  /** Debian packages: builds on the Debian base instead of scratch. */
  packages?: string[];
}

/** Builds one component image from a staged root filesystem. */
export async function ensureComponentImage(image: ComponentImage): Promise<void> {
  const hostFiles = Object.values(image.files).filter((f) => !f.startsWith('symlink:'));
  const template = image.packages ? 'debian.Dockerfile' : 'static.Dockerfile';
  const templateText = await readFile(join(PROJECT_ROOT, 'environment/image/images', template), 'utf8');
  const dockerfile = templateText + (image.entrypoint ? `ENTRYPOINT ${JSON.stringify(image.entrypoint)}\n` : '');
  const inputs = { image, files: await hashFiles(hostFiles), dockerfile, base: image.packages ? await imageLabels(BASE_IMAGE) : null };
  const built = await ensureImage(image.tag, inputs, async (labels) => {
    log.step(`building image ${image.tag}`);
    const ctx = await mkdtemp(join(tmpdir(), 'kube-claims-image-'));
    try {
      for (const [inImage, source] of Object.entries(image.files)) {
        const dest = join(ctx, 'rootfs', inImage);
        await mkdir(join(dest, '..'), { recursive: true });
        if (source.startsWith('symlink:')) await symlink(source.slice('symlink:'.length), dest);
        else { await cp(source, dest); await chmod(dest, 0o755); }
      }
      await mkdir(join(ctx, 'rootfs', 'tmp'), { recursive: true });
      await chmod(join(ctx, 'rootfs', 'tmp'), 0o1777);
      await writeFile(join(ctx, 'Dockerfile'), dockerfile);
      await dockerBuild({
        tag: image.tag, context: ctx, dockerfile: join(ctx, 'Dockerfile'), labels,
        buildArgs: image.packages ? { BASE_IMAGE, PACKAGES: image.packages.join(' ') } : {},
      });
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  });
  if (!built) log.detail(`image ${image.tag} is up to date`);
}

export interface NodeImageInputs {
  tag: string;
  kubernetesVersion: string;
  pauseImage: string;
  kubernetesBin: string;
  crictl: string;
  kindFiles: string;
  /** Images to preload into the node's containerd. */
  preload: string[];
}

/** The kind node image: kind's node files, Debian's container runtime, our binaries and preloaded images. */
export async function ensureNodeImage(n: NodeImageInputs): Promise<boolean> {
  const recipeDir = join(PROJECT_ROOT, 'environment/image/node');
  const preloadIds = await Promise.all(n.preload.map(async (ref) => `${ref}@${(await imageLabels(ref))?.[KEY_LABEL]}`));
  const inputs = {
    kubernetesVersion: n.kubernetesVersion, pauseImage: n.pauseImage, preloadIds,
    bin: await hashFiles(['kubeadm', 'kubelet', 'kubectl'].map((b) => join(n.kubernetesBin, b)).concat(n.crictl)),
    recipe: await hashFiles(await listFiles(recipeDir), recipeDir),
    kindFiles: await hashFiles(await listFiles(n.kindFiles), n.kindFiles),
    base: (await imageLabels(BASE_IMAGE))?.[KEY_LABEL],
  };
  return ensureImage(n.tag, inputs, async (labels) => {
    const ctx = await mkdtemp(join(tmpdir(), 'kube-claims-node-'));
    try {
      await cp(join(recipeDir, 'files'), join(ctx, 'files'), { recursive: true });
      // Module zips are read-only and drop the execute bit: copy, then make writable.
      await cp(n.kindFiles, join(ctx, 'kind-files'), { recursive: true });
      await execa('chmod', ['-R', 'u+w', join(ctx, 'kind-files')]);
      await mkdir(join(ctx, 'bin'));
      for (const b of ['kubeadm', 'kubelet', 'kubectl']) await cp(join(n.kubernetesBin, b), join(ctx, 'bin', b));
      await cp(n.crictl, join(ctx, 'bin', 'crictl'));
      await mkdir(join(ctx, 'images'));
      log.step(`saving ${n.preload.length} images for preloading`);
      await dockerSave(n.preload, join(ctx, 'images', 'preload.tar'));
      const size = (await stat(join(ctx, 'images', 'preload.tar'))).size;
      log.step(`building node image ${n.tag} (preload ${Math.round(size / 2 ** 20)} MiB)`);
      await dockerBuild({
        tag: n.tag, context: ctx, dockerfile: join(recipeDir, 'Dockerfile'), labels: { ...labels, 'io.kube-claims.kubernetes-version': n.kubernetesVersion },
        buildArgs: { BASE_IMAGE, PAUSE_IMAGE: n.pauseImage, KUBERNETES_VERSION: n.kubernetesVersion },
      });
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  });
}

