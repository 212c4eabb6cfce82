// Docker images of the recipe: a Debian base from debootstrap, the component images kubeadm
// expects, and the node image. Component images are built like upstream's (see images/*.Dockerfile)
// and tagged on the host under kube-claims.local/, so that they never shadow a real registry.k8s.io
// image in the host's Docker; inside the node they carry exactly the names kubeadm lists.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import type { KindSettings } from '../settings.ts';
import { dockerBuild, dockerImportDir, dockerSave, imageLabels } from '../host/docker.ts';
import { log } from '../../helpers/log.ts';
import { cached, inputsKey } from './cache.ts';
import { COMMIT_CHANGES, IMPORT_ARGS, commitWithPreload } from './containerd-preload.ts';

import { INPUTS_LABEL as KEY_LABEL, NODE_IMAGE_VERSION_LABEL, OWNER_LABEL } from '../../contract/marks.ts';
const DEBIAN_SUITE = 'bookworm';
export const BASE_IMAGE = `kube-claims/debian:${DEBIAN_SUITE}`;
/** Debian with the packages the component images take files from (bash-static, iptables, setcap, tzdata ...). */
export const STAGE_IMAGE = `kube-claims/debian-stage:${DEBIAN_SUITE}`;
/**
 * Like gcr.io/distroless/static-debian12: passwd/group with nonroot, CA certificates, tzdata, netbase, /tmp; no shell.
 */
export const DISTROLESS_IMAGE = `kube-claims/distroless-static:${DEBIAN_SUITE}`;
/** The image recipes beside this module (resolved from it, so a move or a clone elsewhere keys the same). */
const RECIPES = fileURLToPath(new URL('./images', import.meta.url));
const NODE_RECIPE = fileURLToPath(new URL('./node', import.meta.url));

/** The host-side tag of the component image kubeadm knows as `ref` (see the top of this file). */
export const localTag = (ref: string) => `kube-claims.local/${ref}`;

/** Builds an image unless one with the same inputs key is already tagged (docker tags only a finished build). */
async function ensureImage(
  tag: string,
  inputs: unknown,
  build: (labels: Record<string, string>) => Promise<void>,
): Promise<boolean> {
  const key = inputsKey(inputs);
  const labels = await imageLabels(tag);
  if (labels?.[KEY_LABEL] === key) return false;
  await build({ [KEY_LABEL]: key, [OWNER_LABEL]: 'kube-claims' });
  return true;
}

/** Content hash of files, for cache keys; names count relative to `root`, so a clone elsewhere keys the same. */
export async function hashFiles(files: string[], root = '/'): Promise<string> {
  const h = createHash('sha256');
  for (const f of files.sort()) {
    h.update(relative(root, f));
    await new Promise<void>((resolve, reject) => {
      createReadStream(f)
        .on('data', (d) => h.update(d))
        .on('end', resolve)
        .on('error', reject);
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

export type DebianSource = Pick<KindSettings, 'cacheDir' | 'debianMirror'>;

/** Debian minbase from debootstrap, imported as an image: there is no registry to pull debian from. */
export async function ensureBaseImage(debian: DebianSource): Promise<string> {
  const mirror = debian.debianMirror;
  await ensureImage(BASE_IMAGE, { suite: DEBIAN_SUITE, mirror, v: 1 }, async (labels) => {
    const rootfs = join(debian.cacheDir, 'rootfs', DEBIAN_SUITE);
    await cached(rootfs, { suite: DEBIAN_SUITE, mirror }, async (tmp) => {
      log.step(`debootstrap ${DEBIAN_SUITE} (minbase) from ${mirror}`);
      const r = await execa('debootstrap', ['--variant=minbase', DEBIAN_SUITE, tmp, mirror], {
        reject: false,
        all: true,
      });
      if (r.exitCode !== 0)
        throw new Error(`debootstrap failed: ${(r.all ?? '').trim().split('\n').slice(-3).join(' | ')}`);
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
  /** Debian packages installed on the Debian base. */
  packages: string[];
}

/** Builds one image from Debian packages and a staged root filesystem (the workload image, the staging image). */
export async function ensureComponentImage(image: ComponentImage): Promise<void> {
  const hostFiles = Object.values(image.files).filter((f) => !f.startsWith('symlink:'));
  const templateText = await readFile(join(RECIPES, 'debian.Dockerfile'), 'utf8');
  const dockerfile = templateText + (image.entrypoint ? `ENTRYPOINT ${JSON.stringify(image.entrypoint)}\n` : '');
  // Host files by name and content, not by where the project is: a clone elsewhere, or a moved recipe, keys the same.
  const placed = Object.fromEntries(
    Object.entries(image.files).map(([at, f]) => [at, f.startsWith('symlink:') ? f : basename(f)]),
  );
  const files = await Promise.all(hostFiles.map((f) => hashFiles([f], dirname(f))));
  const inputs = { image: { ...image, files: placed }, files, dockerfile, base: await imageLabels(BASE_IMAGE) };
  const built = await ensureImage(image.tag, inputs, async (labels) => {
    log.step(`building image ${image.tag}`);
    const ctx = await mkdtemp(join(tmpdir(), 'kube-claims-image-'));
    try {
      for (const [inImage, source] of Object.entries(image.files)) {
        const dest = join(ctx, 'rootfs', inImage);
        await mkdir(join(dest, '..'), { recursive: true });
        if (source.startsWith('symlink:')) await symlink(source.slice('symlink:'.length), dest);
        else {
          await cp(source, dest);
          await chmod(dest, 0o755);
        }
      }
      await mkdir(join(ctx, 'rootfs', 'tmp'), { recursive: true });
      await chmod(join(ctx, 'rootfs', 'tmp'), 0o1777);
      await writeFile(join(ctx, 'Dockerfile'), dockerfile);
      await dockerBuild({
        tag: image.tag,
        context: ctx,
        dockerfile: join(ctx, 'Dockerfile'),
        labels,
        buildArgs: { BASE_IMAGE, PACKAGES: image.packages.join(' ') },
      });
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  });
  if (!built) log.detail(`image ${image.tag} is up to date`);
}

/** What the component images copy from Debian packages, and the tools that stage them. */
const STAGE_PACKAGES = [
  'bash-static',
  'libcap2-bin',
  'ca-certificates',
  'tzdata',
  'netbase',
  'base-files',
  'iptables',
  'ipset',
  'kmod',
  'nftables',
  'dash',
  'coreutils',
  'grep',
];

/** The staging image and the distroless-like base every component image but pause starts from. */
export async function ensureComponentBases(debian: DebianSource): Promise<void> {
  await ensureBaseImage(debian);
  await ensureComponentImage({
    tag: STAGE_IMAGE,
    packages: STAGE_PACKAGES,
    files: { 'usr/local/bin/kc-stage': join(RECIPES, 'kc-stage.sh') },
  });
  await ensureRecipeImage({
    tag: DISTROLESS_IMAGE,
    recipe: 'distroless-static.Dockerfile',
    buildArgs: { STAGE_IMAGE },
    from: [STAGE_IMAGE],
  });
}

export interface RecipeImage {
  tag: string;
  /** A Dockerfile of kind/image/images/. */
  recipe: string;
  /** Build context: file name in the context → host file. */
  context?: Record<string, string>;
  /**
   * Archives for ADD, which keeps file capabilities (the legacy builder's COPY drops the
   * security.capability attribute): archive name → path in the image → host file, and the
   * capability setcap gives those files, as upstream's Dockerfiles do with setcap.
   */
  archives?: Record<string, { files: Record<string, string>; setcap?: string }>;
  buildArgs?: Record<string, string>;
  /** Lines appended to the recipe (ENTRYPOINT where the line's upstream image has one). */
  append?: string[];
  /** Local images the recipe builds FROM: their inputs are part of this image's. */
  from?: string[];
}

/** Builds an image from one of the recipe's Dockerfiles and a context of host files; cached by all of its inputs. */
export async function ensureRecipeImage(image: RecipeImage): Promise<boolean> {
  const recipeDir = RECIPES;
  const dockerfile =
    (await readFile(join(recipeDir, image.recipe), 'utf8')) + (image.append ?? []).map((l) => `${l}\n`).join('');
  const context = image.context ?? {};
  const inputs = {
    recipe: image.recipe,
    dockerfile,
    buildArgs: image.buildArgs ?? {},
    context: Object.fromEntries(
      await Promise.all(Object.entries(context).map(async ([n, f]) => [n, await hashFiles([f], dirname(f))])),
    ),
    archives: Object.fromEntries(
      await Promise.all(
        Object.entries(image.archives ?? {}).map(async ([n, a]) => [
          n,
          {
            setcap: a.setcap ?? '',
            files: Object.fromEntries(
              await Promise.all(Object.entries(a.files).map(async ([p, f]) => [p, await hashFiles([f], dirname(f))])),
            ),
          },
        ]),
      ),
    ),
    from: await Promise.all((image.from ?? []).map(async (ref) => `${ref}@${(await imageLabels(ref))?.[KEY_LABEL]}`)),
  };
  const built = await ensureImage(image.tag, inputs, async (labels) => {
    log.step(`building image ${image.tag}`);
    const ctx = await mkdtemp(join(tmpdir(), 'kube-claims-image-'));
    try {
      for (const [name, source] of Object.entries(context)) {
        await cp(source, join(ctx, name));
        await chmod(join(ctx, name), 0o755);
      }
      for (const [name, archive] of Object.entries(image.archives ?? {}))
        await capabilityArchive(join(ctx, name), archive.files, archive.setcap);
      await writeFile(join(ctx, 'Dockerfile'), dockerfile);
      await dockerBuild({
        tag: image.tag,
        context: ctx,
        dockerfile: join(ctx, 'Dockerfile'),
        labels,
        buildArgs: image.buildArgs ?? {},
      });
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
  });
  if (!built) log.detail(`image ${image.tag} is up to date`);
  return built;
}

/** A tar of files at their paths in the image, with `setcap` applied (root and a file system with xattrs needed). */
async function capabilityArchive(tarFile: string, files: Record<string, string>, setcap?: string): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'kube-claims-archive-'));
  try {
    for (const [inImage, source] of Object.entries(files)) {
      const dest = join(root, inImage);
      await mkdir(dirname(dest), { recursive: true });
      await cp(source, dest);
      await chmod(dest, 0o755);
      if (setcap) {
        const r = await execa('setcap', [setcap, dest], { reject: false, all: true });
        if (r.exitCode !== 0)
          throw new Error(`setcap ${setcap} failed (libcap2-bin needed: run host preparation): ${r.all?.trim()}`);
      }
    }
    await execa('tar', [
      '--xattrs',
      '--xattrs-include=security.capability',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-cf',
      tarFile,
      '-C',
      root,
      '.',
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/**
 * `docker save` of the component images, with each image named as kubeadm lists it (the archive's
 * manifest.json RepoTags), for containerd to import inside the node.
 */
export async function savePreload(images: Array<{ local: string; ref: string }>, file: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kube-claims-preload-'));
  try {
    await dockerSave(
      images.map((i) => i.local),
      join(dir, 'save.tar'),
    );
    await mkdir(join(dir, 'x'));
    await execa('tar', ['-xf', join(dir, 'save.tar'), '-C', join(dir, 'x')]);
    await rm(join(dir, 'save.tar'));
    const rename = new Map(images.map((i) => [i.local, i.ref]));
    const manifest = JSON.parse(await readFile(join(dir, 'x', 'manifest.json'), 'utf8')) as Array<{
      RepoTags?: string[];
    }>;
    for (const m of manifest) m.RepoTags = (m.RepoTags ?? []).map((t) => rename.get(t) ?? t);
    const missing = images.filter((i) => !manifest.some((m) => m.RepoTags!.includes(i.ref)));
    if (missing.length) throw new Error(`docker save wrote no image for ${missing.map((i) => i.ref).join(', ')}`);
    await writeFile(join(dir, 'x', 'manifest.json'), JSON.stringify(manifest));
    // The legacy `repositories` index names the host tags; containerd reads manifest.json.
    await rm(join(dir, 'x', 'repositories'), { force: true });
    await execa('tar', ['-cf', file, '-C', join(dir, 'x'), '.']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface NodeImageInputs {
  tag: string;
  kubernetesVersion: string;
  pauseImage: string;
  kubernetesBin: string;
  crictl: string;
  /** Directory with containerd, containerd-shim-runc-v2 and ctr. */
  containerdBin: string;
  runc: string;
  kindFiles: string;
  /** Images to preload into the node's containerd: host tag and the name kubeadm lists (or the manifests use). */
  preload: Array<{ local: string; ref: string }>;
  /** The images /kind/manifests name, by their placeholder (build argument) there: FLANNEL_IMAGE, ... */
  manifestImages: Record<string, string>;
}

const CONTAINERD_BINARIES = ['containerd', 'containerd-shim-runc-v2', 'ctr'];

/**
 * The kind node image: kind's node files, containerd 2 and runc built from their modules, our binaries and preloaded
 * images.
 */
export async function ensureNodeImage(n: NodeImageInputs): Promise<boolean> {
  const recipeDir = NODE_RECIPE;
  const preloadIds = await Promise.all(
    n.preload.map(async (i) => `${i.ref}@${(await imageLabels(i.local))?.[KEY_LABEL]}`),
  );
  const inputs = {
    kubernetesVersion: n.kubernetesVersion,
    pauseImage: n.pauseImage,
    preloadIds,
    manifestImages: n.manifestImages,
    bin: await hashFiles(['kubeadm', 'kubelet', 'kubectl'].map((b) => join(n.kubernetesBin, b)).concat(n.crictl)),
    runtime: await hashFiles(CONTAINERD_BINARIES.map((b) => join(n.containerdBin, b)).concat(n.runc)),
    recipe: await hashFiles(await listFiles(recipeDir), recipeDir),
    kindFiles: await hashFiles(await listFiles(n.kindFiles), n.kindFiles),
    base: (await imageLabels(BASE_IMAGE))?.[KEY_LABEL],
    // The images go into containerd's store at build time (kind's import flags, then a commit).
    preloadInto: { store: IMPORT_ARGS, commit: COMMIT_CHANGES },
  };
  return ensureImage(n.tag, inputs, async (labels) => {
    const ctx = await mkdtemp(join(tmpdir(), 'kube-claims-node-'));
    const preloadDir = await mkdtemp(join(tmpdir(), 'kube-claims-node-preload-'));
    try {
      await cp(join(recipeDir, 'files'), join(ctx, 'files'), { recursive: true });
      // Module zips are read-only and drop the execute bit: copy, then make writable.
      await cp(n.kindFiles, join(ctx, 'kind-files'), { recursive: true });
      await execa('chmod', ['-R', 'u+w', join(ctx, 'kind-files')]);
      await mkdir(join(ctx, 'bin'));
      for (const b of ['kubeadm', 'kubelet', 'kubectl']) await cp(join(n.kubernetesBin, b), join(ctx, 'bin', b));
      await cp(n.crictl, join(ctx, 'bin', 'crictl'));
      for (const b of CONTAINERD_BINARIES) await cp(join(n.containerdBin, b), join(ctx, 'bin', b));
      await cp(n.runc, join(ctx, 'bin', 'runc'));
      // Beside the build context, not in it: the archive goes to containerd, not into the image's files.
      const archive = join(preloadDir, 'preload.tar');
      log.step(`saving ${n.preload.length} images for preloading`);
      await savePreload(n.preload, archive);
      const size = (await stat(archive)).size;
      log.step(`building node image ${n.tag}`);
      // The recipe's image without its component images, tagged only until the commit below.
      const from = `${n.tag}-build`;
      await dockerBuild({
        tag: from,
        context: ctx,
        dockerfile: join(recipeDir, 'Dockerfile'),
        buildArgs: {
          BASE_IMAGE,
          PAUSE_IMAGE: n.pauseImage,
          KUBERNETES_VERSION: n.kubernetesVersion,
          ...n.manifestImages,
        },
      });
      log.step(
        `importing ${n.preload.length} images (${Math.round(size / 2 ** 20)} MiB) into the node image's containerd`,
      );
      try {
        await commitWithPreload({
          from,
          tag: n.tag,
          archive,
          refs: n.preload.map((i) => i.ref),
          labels: { ...labels, [NODE_IMAGE_VERSION_LABEL]: n.kubernetesVersion },
        });
      } finally {
        await execa('docker', ['rmi', from], { reject: false });
      }
    } finally {
      await rm(ctx, { recursive: true, force: true });
      await rm(preloadDir, { recursive: true, force: true });
    }
  });
}
