// What the offline node adds to Kubernetes so that kind can use it as it uses kindest/node: the
// default CNI (flannel) and the default storage (local-path-provisioner) of /kind/manifests, their
// binaries built from their modules and their images built like upstream's (images/*.Dockerfile).
// Inside the node the images keep their host names (kube-claims.local/...): the manifests are ours,
// so nothing needs to pass for an upstream image.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFlannel, buildFlannelCniPlugin, buildLocalPathProvisioner } from './components.ts';
import { downloadModule } from './go-modules.ts';
import { BASE_IMAGE, DISTROLESS_IMAGE, STAGE_IMAGE, ensureRecipeImage, localTag } from './images.ts';
import { TOOLS } from './tools.ts';

export interface AddonImages {
  /** Host tag and in-node name of each image, for the preload. */
  preload: Array<{ local: string; ref: string }>;
  /** The same images by the placeholders of node/files/kind/manifests (build arguments of the node image). */
  manifestImages: Record<string, string>;
}

/** The images' names, from the pinned versions (the helper has none of its own: Debian's suite names it). */
export function addonImageNames(): Record<string, string> {
  return {
    FLANNEL_IMAGE: localTag(`flannel:${TOOLS.flannel}`),
    FLANNEL_CNI_PLUGIN_IMAGE: localTag(`flannel-cni-plugin:${TOOLS.flannelCniPlugin}`),
    LOCAL_PATH_PROVISIONER_IMAGE: localTag(`local-path-provisioner:${TOOLS.localPathProvisioner}`),
    LOCAL_PATH_HELPER_IMAGE: localTag('local-path-helper:bookworm'),
  };
}

/** Builds (or finds cached) the CNI and storage binaries and images; the component bases must exist. */
export async function ensureAddonImages(bin: string): Promise<AddonImages> {
  const names = addonImageNames();
  const flannel = await buildFlannel(bin);
  const flannelModule = (await downloadModule('github.com/flannel-io/flannel', TOOLS.flannel)).dir;
  await ensureRecipeImage({
    tag: names.FLANNEL_IMAGE!,
    recipe: 'flannel.Dockerfile',
    from: [BASE_IMAGE],
    buildArgs: { BASE_IMAGE },
    context: {
      flanneld: flannel.flanneld,
      'install-conf': flannel.installConf,
      'mk-docker-opts.sh': join(flannelModule, 'dist/mk-docker-opts.sh'),
      'iptables-wrapper': fileURLToPath(new URL('./images/iptables-wrapper.sh', import.meta.url)),
    },
  });
  const bases = { STAGE_IMAGE, DISTROLESS_IMAGE };
  await ensureRecipeImage({
    tag: names.FLANNEL_CNI_PLUGIN_IMAGE!,
    recipe: 'flannel-cni-plugin.Dockerfile',
    from: [STAGE_IMAGE, DISTROLESS_IMAGE],
    buildArgs: bases,
    context: { flannel: await buildFlannelCniPlugin(bin) },
  });
  await ensureRecipeImage({
    tag: names.LOCAL_PATH_PROVISIONER_IMAGE!,
    recipe: 'local-path-provisioner.Dockerfile',
    from: [DISTROLESS_IMAGE],
    buildArgs: { DISTROLESS_IMAGE },
    context: { 'local-path-provisioner': await buildLocalPathProvisioner(bin) },
  });
  await ensureRecipeImage({
    tag: names.LOCAL_PATH_HELPER_IMAGE!,
    recipe: 'local-path-helper.Dockerfile',
    from: [STAGE_IMAGE, DISTROLESS_IMAGE],
    buildArgs: bases,
  });
  return { preload: Object.values(names).map((tag) => ({ local: tag, ref: tag })), manifestImages: names };
}
