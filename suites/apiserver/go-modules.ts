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

export async function moduleOrSkip({ cluster, skip }: Pick<ClaimContext, 'cluster' | 'skip'>, name: string) {
  try {
    return await stagingModule(name, cluster.kubectlVersion, inject('run').moduleCacheDir);
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
