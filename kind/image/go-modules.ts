// Builds upstream components from the Go module proxy.
// Modules whose go.mod has relative replace or exclude directives (k8s.io/kubernetes, etcd's server
// and etcdctl, containerd v2.4+) cannot be `go install`ed: a wrapper module requires them, replaces
// each relative target with the published module of the matching version and repeats their excludes
// (a dependency's excludes are ignored; only the main module's apply).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { log } from '../../helpers/log.ts';
import { notOnPath, notStarted } from '../../helpers/tools.ts';
import { cached } from './cache.ts';

const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-mod=mod -buildvcs=false', GOTOOLCHAIN: 'local' };
/**
 * cgo builds (runc: libseccomp, nsenter) get CGO_ENABLED=1; everything else is built static without it.
 * `toolchain` is a GOTOOLCHAIN value (go1.27.3: fetched from the module proxy); default the local Go.
 */
const goEnv = (cgo = false, toolchain = 'local') => ({
  ...GO_ENV,
  CGO_ENABLED: cgo ? '1' : '0',
  GOTOOLCHAIN: toolchain,
});

export interface ModuleInfo {
  path: string;
  version: string;
  /** Commit time of the version, from the proxy; used as buildDate so builds are reproducible. */
  time: string;
  goMod: string;
  /** Directory of the extracted module source. */
  dir: string;
}

export async function downloadModule(path: string, version: string, toolchain?: string): Promise<ModuleInfo> {
  const r = await execa('go', ['mod', 'download', '-json', `${path}@${version}`], {
    env: goEnv(false, toolchain),
    reject: false,
    cwd: '/',
  });
  // Without go, nothing asked the proxy: say what is missing, not that the proxy did not answer.
  if (notStarted(r)) throw new Error(`cannot download Go module ${path}@${version}: ${notOnPath('go')}`);
  const { stdout, exitCode } = r;
  const info = JSON.parse(stdout || '{}') as { Error?: string; GoMod?: string; Info?: string; Dir?: string };
  if (exitCode !== 0 || info.Error || !info.GoMod || !info.Info || !info.Dir) {
    throw new Error(
      `cannot download Go module ${path}@${version}: ${(info.Error ?? 'no answer from the module proxy').split('\n')[0]}`,
    );
  }
  const time = (JSON.parse(await readFile(info.Info, 'utf8')) as { Time: string }).Time;
  return { path, version, time, goMod: await readFile(info.GoMod, 'utf8'), dir: info.Dir };
}

export interface GoModFile {
  go?: string;
  godebug: string[];
  /** replace directives whose target is a directory of the same repository. */
  relativeReplaces: Array<{ module: string; target: string }>;
  /** exclude directives (`module version`), which apply only in the main module. */
  excludes: string[];
}

/** Reads the few go.mod directives a wrapper needs; both single-line and block forms. */
export function parseGoMod(text: string): GoModFile {
  const out: GoModFile = { godebug: [], relativeReplaces: [], excludes: [] };
  let block: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    if (block) {
      if (line === ')') {
        block = undefined;
        continue;
      }
      handle(block, line);
      continue;
    }
    const m = /^(\w+)\s*\($/.exec(line);
    if (m) {
      block = m[1];
      continue;
    }
    const [word, ...rest] = line.split(/\s+/);
    handle(word!, rest.join(' '));
  }
  return out;

  function handle(directive: string, args: string) {
    if (directive === 'go') out.go = args;
    else if (directive === 'godebug') out.godebug.push(args);
    else if (directive === 'exclude') out.excludes.push(args.split(/\s+/).join(' '));
    else if (directive === 'replace') {
      const r = /^(\S+)(?:\s+\S+)?\s+=>\s+(\.{1,2}\/\S*)$/.exec(args);
      if (r && !r[2]!.includes('FORBIDDEN')) out.relativeReplaces.push({ module: r[1]!, target: r[2]! });
    }
  }
}

export interface WrapperBuild {
  /** Output directory for the binaries. */
  outDir: string;
  /** The main modules, at their versions. */
  modules: Array<{ path: string; version: string }>;
  /** Version to use for a module that a main module replaces by a relative path. */
  replaceVersion: (module: string) => string;
  /** Packages to build and the binary name of each (with build tags of its own, where they differ). */
  binaries: Array<{ pkg: string; name: string; tags?: string[] }>;
  ldflags: (main: ModuleInfo) => string[];
  tags?: string[];
  /** Build with cgo (and the host's C toolchain and libraries). */
  cgo?: boolean;
  /**
   * Go files of the wrapper module itself (path in it → content), for a main package that the
   * modules' own cannot be (flanneld without a backend whose module the proxy refuses).
   */
  sources?: Record<string, string>;
  /** GOTOOLCHAIN, where the modules need a newer Go than the local one. */
  toolchain?: string;
}

/** The wrapper module's path: its own packages (`sources`) are WRAPPER_MODULE/DIR. */
export const WRAPPER_MODULE = 'kubeclaims.local/wrapper';

/**
 * The name `go build -o DIR/` gives a main package's executable (cmd/go's DefaultExecName): the
 * import path's last element, or in module mode the one before it where that is a major version
 * suffix v2, v3, ... (go.etcd.io/etcd/server/v3 is written as `server`).
 */
export function goExecName(pkg: string): string {
  const parts = pkg.split('/');
  const last = parts.at(-1)!;
  return parts.length > 1 && /^v(?:[2-9]\d*|1\d+)$/.test(last) ? parts.at(-2)! : last;
}

/** One `go build` of several main packages with the same tags: their executables (Go's name → ours). */
export interface BuildGroup {
  tags?: string[];
  binaries: Array<{ pkg: string; name: string }>;
}

/**
 * The `go build` runs that make `binaries`: one per tag set (a binary's own tags, else `tags`), in
 * the order the tag sets first appear, so that one invocation shares its action graph and links side
 * by side. A binary whose executable name its tag set's group already holds (two packages ending in
 * the same element) goes to another group of the same tags: one directory cannot hold both.
 */
export function buildGroups(binaries: WrapperBuild['binaries'], tags?: string[]): BuildGroup[] {
  const groups: Array<BuildGroup & { key: string; execs: Set<string> }> = [];
  for (const b of binaries) {
    const own = b.tags ?? tags;
    const key = (own ?? []).join(',');
    const exec = goExecName(b.pkg);
    let group = groups.find((g) => g.key === key && !g.execs.has(exec));
    if (!group) groups.push((group = { key, tags: own, binaries: [], execs: new Set() }));
    group.binaries.push({ pkg: b.pkg, name: b.name });
    group.execs.add(exec);
  }
  return groups.map(({ tags: t, binaries: bs }) => ({ ...(t?.length ? { tags: t } : {}), binaries: bs }));
}

/** Builds binaries from modules through a generated wrapper module; cached by its inputs. */
export async function buildWithWrapper(spec: WrapperBuild): Promise<string> {
  // Module info (commit time) is part of the ldflags: resolve it before keying the cache.
  const mains = await Promise.all(spec.modules.map((m) => downloadModule(m.path, m.version, spec.toolchain)));
  const ldflags = ['-s', '-w', ...spec.ldflags(mains[0]!)].join(' ');
  const inputs = {
    kind: 'go-wrapper',
    modules: spec.modules,
    binaries: spec.binaries,
    tags: spec.tags,
    ldflags,
    cgo: spec.cgo ?? false,
    go: await goVersion(spec.toolchain),
    ...(spec.sources ? { sources: spec.sources } : {}),
  };
  const what = spec.modules.map((m) => `${m.path}@${m.version}`).join(', ');
  await cached(spec.outDir, inputs, async (tmp) => {
    const first = parseGoMod(mains[0]!.goMod);
    const replaces = new Map<string, string>();
    for (const main of mains) {
      for (const r of parseGoMod(main.goMod).relativeReplaces) replaces.set(r.module, spec.replaceVersion(r.module));
    }
    const mainPaths = new Set(spec.modules.map((m) => m.path));
    const excludes = new Set(mains.flatMap((main) => parseGoMod(main.goMod).excludes));
    const goMod = [
      `module ${WRAPPER_MODULE}`,
      `go ${first.go ?? '1.24'}`,
      ...first.godebug.map((d) => `godebug ${d}`),
      ...spec.modules.map((m) => `require ${m.path} ${m.version}`),
      ...[...replaces].filter(([mod]) => !mainPaths.has(mod)).map(([mod, v]) => `replace ${mod} => ${mod} ${v}`),
      ...[...excludes].map((e) => `exclude ${e}`),
      '',
    ].join('\n');
    const src = join(tmp, 'src');
    await execa('mkdir', ['-p', src]);
    await writeFile(join(src, 'go.mod'), goMod);
    for (const [file, content] of Object.entries(spec.sources ?? {})) {
      await mkdir(dirname(join(src, file)), { recursive: true });
      await writeFile(join(src, file), content);
    }
    // A tools file makes `go mod tidy` resolve every package we build (the wrapper's own it resolves anyway).
    const imported = spec.binaries.filter((b) => !b.pkg.startsWith(`${WRAPPER_MODULE}/`));
    await writeFile(
      join(src, 'tools.go'),
      ['//go:build tools', 'package tools', ...imported.map((b) => `import _ "${b.pkg}"`), ''].join('\n'),
    );
    log.step(`resolving dependencies of ${what}`);
    await go(['mod', 'tidy'], src, `go mod tidy for ${what}`, spec.cgo, spec.toolchain);
    const groups = buildGroups(spec.binaries, spec.tags);
    for (const [i, group] of groups.entries()) {
      const names = group.binaries.map((b) => b.name).join(', ');
      log.step(`go build ${names}${groups.length > 1 ? ` (${i + 1}/${groups.length})` : ''}`);
      // Each group writes into a directory of its own (Go names the executables), then each is moved to its name.
      const out = join(tmp, `.go-build-${i}`);
      await mkdir(out);
      const tags = group.tags?.length ? ['-tags', group.tags.join(',')] : [];
      await go(
        ['build', '-trimpath', ...tags, '-ldflags', ldflags, '-o', `${out}/`, ...group.binaries.map((b) => b.pkg)],
        src,
        `go build ${names} (${what})`,
        spec.cgo,
        spec.toolchain,
      );
      for (const b of group.binaries) {
        await rename(join(out, goExecName(b.pkg)), join(tmp, b.name)).catch(() => {
          throw new Error(`go build ${names} (${what}) wrote no executable ${goExecName(b.pkg)} for ${b.pkg}`);
        });
      }
      await rm(out, { recursive: true });
    }
  });
  return spec.outDir;
}

export interface GoInstallOptions {
  ldflags?: string[];
  tags?: string[];
  cgo?: boolean;
}

/** `go install MODULE/PKG@VERSION` for modules that allow it; cached by its inputs. */
export async function goInstall(
  outDir: string,
  pkg: string,
  version: string,
  name: string,
  o: GoInstallOptions = {},
): Promise<string> {
  const ldflags = o.ldflags ?? [];
  const inputs = {
    kind: 'go-install',
    pkg,
    version,
    ldflags,
    ...(o.tags ? { tags: o.tags } : {}),
    ...(o.cgo ? { cgo: true } : {}),
    go: await goVersion(),
  };
  await cached(outDir, inputs, async (tmp) => {
    log.step(`go install ${pkg}@${version}`);
    const tags = o.tags?.length ? ['-tags', o.tags.join(',')] : [];
    await execa(
      'go',
      ['install', '-trimpath', ...tags, '-ldflags', ['-s', '-w', ...ldflags].join(' '), `${pkg}@${version}`],
      {
        env: { ...goEnv(o.cgo), GOBIN: tmp },
        cwd: '/',
      },
    ).catch((e: { stderr?: string; shortMessage?: string }) => {
      throw new Error(
        `go install ${pkg}@${version} failed: ${notStarted(e) ? notOnPath('go') : lastLines(e.stderr ?? e.shortMessage ?? '')}`,
      );
    });
    const built = pkg.split('/').at(-1)!;
    if (built !== name) await execa('mv', [join(tmp, built), join(tmp, name)]);
  });
  return join(outDir, name);
}

const goVersions = new Map<string, string>();
/** The version of the Go that GOTOOLCHAIN=`toolchain` runs (the local one by default). */
export async function goVersion(toolchain = 'local'): Promise<string> {
  if (!goVersions.has(toolchain)) {
    const r = await execa('go', ['env', 'GOVERSION'], { reject: false, cwd: '/', env: { GOTOOLCHAIN: toolchain } });
    if (notStarted(r))
      throw new Error(
        `${notOnPath('go')}: kube-claims builds Kubernetes, etcd, kind, crictl and coredns from Go modules`,
      );
    if (r.exitCode !== 0 && toolchain !== 'local')
      throw new Error(
        `cannot run Go toolchain ${toolchain} (fetched from the module proxy as golang.org/toolchain): ${lastLines(r.stderr)}`,
      );
    if (r.exitCode !== 0)
      throw new Error(
        'Go is not installed: kube-claims builds Kubernetes, etcd, kind, crictl and coredns from Go modules',
      );
    goVersions.set(toolchain, r.stdout.trim());
  }
  return goVersions.get(toolchain)!;
}

/**
 * The module versions whose files the proxy refused, from go's output (`MOD@VER: reading URL: 403 Forbidden`):
 * a partial proxy may list a version and serve its go.mod but not its source.
 */
export function refusedModules(output: string): string[] {
  const out = new Set<string>();
  for (const m of output.matchAll(/(\S+@v\S+): reading \S+: (4\d\d)\b/g)) out.add(`${m[1]} (HTTP ${m[2]})`);
  return [...out];
}

async function go(args: string[], cwd: string, what: string, cgo = false, toolchain?: string): Promise<void> {
  const r = await execa('go', args, { cwd, env: goEnv(cgo, toolchain), reject: false, all: true });
  if (r.exitCode === 0) return;
  if (notStarted(r)) throw new Error(`${what} failed: ${notOnPath('go')}`);
  const refused = refusedModules(r.all ?? '');
  if (refused.length) throw new Error(`${what} failed: the Go module proxy does not serve ${refused.join(', ')}`);
  throw new Error(`${what} failed: ${lastLines(r.all ?? '')}`);
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}
