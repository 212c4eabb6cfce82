// kind's external load balancer (the NAME-external-load-balancer container of a cluster with more than
// one control plane), offline. kind runs the image its module names (pkg/cluster/internal/loadbalancer
// /const.go) and pulls it when absent; with no registry, kube-claims builds one under that name
// (images/load-balancer.Dockerfile: Debian's haproxy behind an `envoy` that follows kind's files).
// That name is upstream's: an image of it that kube-claims did not build is never replaced.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageSource } from '../../contract/cluster.ts';
import { OWNER_LABEL } from '../../contract/marks.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { log } from '../../helpers/log.ts';
import { imageLabels, tryPull } from '../host/docker.ts';
import type { KindSettings } from '../settings.ts';
import { downloadModule } from './go-modules.ts';
import { BASE_IMAGE, ensureBaseImage, ensureRecipeImage } from './images.ts';
import { TOOLS } from './tools.ts';

const RECIPE = fileURLToPath(new URL('./images/load-balancer', import.meta.url));

/** `const Image = "..."` of kind's loadbalancer package. */
export function parseLoadBalancerConst(constGo: string): string {
  const m = /^const Image = "([^"]+)"$/m.exec(constGo);
  if (!m)
    throw new Error("kind's pkg/cluster/internal/loadbalancer/const.go names no Image: review the load balancer image");
  return m[1]!;
}

/** The load balancer image kind (TOOLS.kind) runs, read from its module. */
export async function kindLoadBalancerImage(): Promise<string> {
  const kind = await downloadModule('sigs.k8s.io/kind', TOOLS.kind);
  return parseLoadBalancerConst(await readFile(join(kind.dir, 'pkg/cluster/internal/loadbalancer/const.go'), 'utf8'));
}

export interface LoadBalancerImage {
  image: string;
  /**
   * built: kube-claims' (built now or up to date); present: an image of that name kube-claims did not build; pulled;
   * upstream: left to kind.
   */
  origin: 'built' | 'present' | 'pulled' | 'upstream';
}

/**
 * Makes sure kind finds its load balancer image: `upstream` leaves it to kind (it pulls envoy);
 * `auto` keeps whatever is there, else pulls, else builds; `offline` builds unless an image of that
 * name that kube-claims did not build is there (it is left alone, and used, and the user told).
 */
export async function ensureLoadBalancerImage(
  settings: KindSettings,
  imageSource: ImageSource,
): Promise<LoadBalancerImage> {
  const image = await kindLoadBalancerImage();
  if (imageSource === 'upstream') return { image, origin: 'upstream' };
  const labels = await imageLabels(image);
  if (labels && labels[OWNER_LABEL] !== 'kube-claims') {
    log.step(
      `${image} is on this host and was not built by kube-claims: kind's load balancer uses it as it is (kube-claims does not replace it)`,
    );
    return { image, origin: 'present' };
  }
  if (!labels && imageSource === 'auto') {
    log.step(`trying to pull ${image}`);
    if (await tryPull(image, 30_000)) return { image, origin: 'pulled' };
    log.step(`no registry reachable: building ${image} offline (haproxy following kind's configuration)`);
  }
  await ensureBaseImage(settings);
  const envoyVersion = /:(v[^@]+)/.exec(image)?.[1];
  if (!envoyVersion) throw new EnvironmentError(`cannot tell the envoy version of kind's load balancer image ${image}`);
  // envoy's own entrypoint (distribution/docker/docker-entrypoint.sh) at the image's version.
  const envoy = await downloadModule('github.com/envoyproxy/envoy', envoyVersion);
  await ensureRecipeImage({
    tag: image,
    recipe: 'load-balancer.Dockerfile',
    from: [BASE_IMAGE],
    buildArgs: { BASE_IMAGE },
    context: {
      'docker-entrypoint.sh': join(envoy.dir, 'distribution/docker/docker-entrypoint.sh'),
      envoy: join(RECIPE, 'envoy'),
      'su-exec': join(RECIPE, 'su-exec'),
      'xds-to-haproxy.jq': join(RECIPE, 'xds-to-haproxy.jq'),
    },
  });
  return { image, origin: 'built' };
}
