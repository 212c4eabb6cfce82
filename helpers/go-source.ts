// Upstream Go sources, read from the Go module proxy as the builds read them (`go mod download`): the
// client-go, apimachinery, kubectl, cli-runtime and component-base modules of a Kubernetes release, for the
// claims that hold kubectl's logs and admin.conf against the code behind them.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { goToolchainFor } from '../contract/lines.ts';

export class ModuleUnavailable extends Error {
  override name = 'ModuleUnavailable';
}

/** The staging modules kubectl is built from, published as k8s.io/NAME v0.MINOR.PATCH. */
export const KUBECTL_MODULES = ['client-go', 'apimachinery', 'kubectl', 'cli-runtime', 'component-base'] as const;

/**
 * The upstream release a server's gitVersion is built from: v1.38.0-beta.0 stays, v1.36.3+k3s1 and
 * v1.30.4-eks-a737599 (a vendor's suffix, no Kubernetes pre-release) are v1.36.3 and v1.30.4.
 */
export function upstreamRelease(gitVersion: string): string | undefined {
  return /^v1\.\d+\.\d+(?:-(?:alpha|beta|rc)\.\d+)?/.exec(gitVersion)?.[0];
}

/** The staging version of a Kubernetes release: v0.Y.Z[-PRE] of v1.Y.Z[-PRE]. */
export function stagingVersion(kubernetesVersion: string): string | undefined {
  return upstreamRelease(kubernetesVersion)?.replace(/^v1\./, 'v0.');
}

export interface StagingModule {
  path: string;
  version: string;
  dir: string;
}

/** What this process has downloaded: a module's sources do not change once the proxy has served them. */
const downloaded = new Map<string, Promise<StagingModule>>();

/** k8s.io/NAME at the staging version of Kubernetes vX.Y.Z; its source directory (one `go mod download` per process). */
export function stagingModule(name: string, kubernetesVersion: string): Promise<StagingModule> {
  const key = `${name}@${kubernetesVersion}`;
  let module = downloaded.get(key);
  if (!module) {
    module = downloadStagingModule(name, kubernetesVersion);
    // awaited elsewhere: the caller gets the rejection; this only forgets it, so that a module that could not
    // be had is asked for again next time (the proxy may answer then).
    module.catch(() => downloaded.delete(key));
    downloaded.set(key, module);
  }
  return module;
}

async function downloadStagingModule(name: string, kubernetesVersion: string): Promise<StagingModule> {
  const version = stagingVersion(kubernetesVersion);
  if (!version) throw new ModuleUnavailable(`no staging module version for ${kubernetesVersion}`);
  const path = `k8s.io/${name}`;
  // The Go that reads them: a line whose modules need a newer one than the local Go names it (contract/lines.ts).
  const r = await execa('go', ['mod', 'download', '-json', `${path}@${version}`], {
    reject: false, timeout: 180_000, cwd: '/', env: { GOFLAGS: '-mod=mod', GOWORK: 'off', GOTOOLCHAIN: goToolchainFor(upstreamRelease(kubernetesVersion)!) },
    // reported: a go that cannot run is thrown below as ModuleUnavailable, with its message
  }).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
  let info: { Dir?: string; Error?: string } = {};
  try { info = JSON.parse(r.stdout || '{}'); } catch { /* answered nothing useful */ }
  if (r.exitCode !== 0 || !info.Dir) throw new ModuleUnavailable(`the Go module ${path}@${version} cannot be had: ${(info.Error ?? r.stderr ?? 'no answer').split('\n')[0]}`);
  return { path, version, dir: info.Dir };
}

/** The files of a module directory by base name (testdata and vendor left out), walked once per process. */
const indexes = new Map<string, Promise<Map<string, string[]>>>();

async function fileIndex(dir: string): Promise<Map<string, string[]>> {
  const index = new Map<string, string[]>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const rel = relative(dir, join(e.parentPath, e.name));
    if (/(^|\/)(testdata|vendor)\//.test(rel)) continue;
    index.set(e.name, [...(index.get(e.name) ?? []), rel]);
  }
  return index;
}

/** Files named `basename` under dir (tests and testdata left out), as paths relative to dir. */
export async function findFiles(dir: string, basename: string): Promise<string[]> {
  let index = indexes.get(dir);
  if (!index) indexes.set(dir, (index = fileIndex(dir)));
  return [...((await index).get(basename) ?? [])].sort();
}

export async function sourceLines(dir: string, file: string): Promise<string[]> {
  return (await readFile(join(dir, file), 'utf8')).split('\n');
}
