// Upstream Go sources, read from the Go module proxy over its HTTP protocol (helpers/go-proxy.ts: the zip,
// checked against the checksum database, as `go mod download` checks it), without the go command: the
// client-go, apimachinery, kubectl, cli-runtime and component-base modules of a Kubernetes release, for the
// claims that hold kubectl's logs and admin.conf against the code behind them. One path whether or not Go is
// installed: the sources are the same bytes either way (the same h1: hash), and a machine that only checks
// a cluster needs no Go.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fetchModule, ModuleFetchError } from './go-proxy.ts';

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
  /** The zip's h1: hash and how the checksum database vouched for it (or why it was not asked). */
  hash: string;
  verification: string;
}

/** What this process has downloaded: a module's sources do not change once the proxy has served them. */
const downloaded = new Map<string, Promise<StagingModule>>();

/**
 * k8s.io/NAME at the staging version of Kubernetes vX.Y.Z; its source directory, extracted under cacheDir
 * (one download per machine, read once per process).
 */
export function stagingModule(name: string, kubernetesVersion: string, cacheDir: string): Promise<StagingModule> {
  const key = `${name}@${kubernetesVersion}@${cacheDir}`;
  let module = downloaded.get(key);
  if (!module) {
    module = downloadStagingModule(name, kubernetesVersion, cacheDir);
    // awaited elsewhere: the caller gets the rejection; this only forgets it, so that a module that could not
    // be had is asked for again next time (the proxy may answer then).
    module.catch(() => downloaded.delete(key));
    downloaded.set(key, module);
  }
  return module;
}

async function downloadStagingModule(
  name: string,
  kubernetesVersion: string,
  cacheDir: string,
): Promise<StagingModule> {
  const version = stagingVersion(kubernetesVersion);
  if (!version) throw new ModuleUnavailable(`no staging module version for ${kubernetesVersion}`);
  const path = `k8s.io/${name}`;
  try {
    const m = await fetchModule(path, version, cacheDir);
    return { path, version, dir: m.dir, hash: m.hash, verification: m.verification };
  } catch (e) {
    if (e instanceof ModuleFetchError)
      throw new ModuleUnavailable(`the Go module ${path}@${version} cannot be had: ${e.message.split('\n')[0]}`);
    throw e;
  }
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
