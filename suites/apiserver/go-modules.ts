// The Go modules kubectl is built from (k8s.io/kubectl, client-go, ... of cluster.kubectlVersion, the release of
// the kubectl that runs), read from the Go module proxy and checked against the checksum database: the claims
// that hold kubectl's output against the source behind it are unchecked, with the reason, where the proxy
// cannot be reached or the database does not vouch for a module.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModuleUnavailable, stagingModule } from '../../helpers/go-source.ts';
import { kustomizeOfGoMod } from '../checks/apiserver/version.ts';
import type { ClaimContext } from '../claim.ts';
import { inject } from 'vitest';

/**
 * k8s.io/NAME at the staging version of `version` (by default the running kubectl's release), or the claim
 * unchecked where the module proxy cannot serve it.
 */
export async function moduleOrSkip(
  { cluster, skip }: Pick<ClaimContext, 'cluster' | 'skip'>,
  name: string,
  version = cluster.kubectlVersion,
) {
  try {
    return await stagingModule(name, version, inject('run').moduleCacheDir);
  } catch (e) {
    if (e instanceof ModuleUnavailable) skip(`unchecked: ${e.message}`);
    throw e;
  }
}

/**
 * The kustomize release kubectl's go.mod pins (what `kubectl version` reads back from its build info as Kustomize
 * Version).
 */
export async function pinnedKustomize(
  ctx: Pick<ClaimContext, 'cluster' | 'skip'>,
): Promise<{ version: string; source: string }> {
  const kubectl = await moduleOrSkip(ctx, 'kubectl');
  const pin = kustomizeOfGoMod(await readFile(join(kubectl.dir, 'go.mod'), 'utf8'));
  if (!pin)
    throw new Error(`${kubectl.path}@${kubectl.version}/go.mod requires no sigs.k8s.io/kustomize/kustomize module`);
  return {
    version: pin.version,
    source: `${kubectl.path}@${kubectl.version}/go.mod: require ${pin.module} ${pin.version} (Go module proxy; ${kubectl.hash}, ${kubectl.verification})`,
  };
}

/**
 * kubectl get's default --chunk-size (the limit of its list requests), from k8s.io/kubectl's source of the
 * running kubectl's release: get.go sets ChunkSize to cmdutil.DefaultChunkSize, defined in pkg/cmd/util/helpers.go.
 */
export async function defaultChunkSize(
  ctx: Pick<ClaimContext, 'cluster' | 'skip'>,
): Promise<{ size: number; source: string }> {
  const kubectl = await moduleOrSkip(ctx, 'kubectl');
  const get = await readFile(join(kubectl.dir, 'pkg/cmd/get/get.go'), 'utf8');
  if (!/ChunkSize:\s*cmdutil\.DefaultChunkSize/.test(get))
    throw new Error(
      `${kubectl.path}@${kubectl.version}/pkg/cmd/get/get.go does not default ChunkSize to cmdutil.DefaultChunkSize`,
    );
  const m = /\bDefaultChunkSize\s*=\s*(\d+)/.exec(await readFile(join(kubectl.dir, 'pkg/cmd/util/helpers.go'), 'utf8'));
  if (!m) throw new Error(`${kubectl.path}@${kubectl.version}/pkg/cmd/util/helpers.go defines no DefaultChunkSize`);
  return {
    size: Number(m[1]),
    source: `${kubectl.path}@${kubectl.version}: pkg/cmd/get/get.go ChunkSize: cmdutil.DefaultChunkSize, pkg/cmd/util/helpers.go DefaultChunkSize = ${m[1]} (${kubectl.hash}, ${kubectl.verification})`,
  };
}
