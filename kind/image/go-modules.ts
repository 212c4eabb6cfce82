// Builds upstream components from the Go module proxy.
// Modules whose go.mod has relative replace or exclude directives (k8s.io/kubernetes, etcd's server
// and etcdctl, containerd v2.4+) cannot be `go install`ed: a wrapper module requires them, replaces
// each relative target with the published module of the matching version and repeats their excludes
// (a dependency's excludes are ignored; only the main module's apply).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { log } from '../../helpers/log.ts';
import { cached } from './cache.ts';

const GO_ENV = { CGO_ENABLED: '0', GOWORK: 'off', GOFLAGS: '-mod=mod -buildvcs=false', GOTOOLCHAIN: 'local' };
/** cgo builds (runc: libseccomp, nsenter) get CGO_ENABLED=1; everything else is built static without it. */
const goEnv = (cgo = false) => ({ ...GO_ENV, CGO_ENABLED: cgo ? '1' : '0' });

export interface ModuleInfo {
  path: string;
  version: string;
  /** Commit time of the version, from the proxy; used as buildDate so builds are reproducible. */
  time: string;
  goMod: string;
  /** Directory of the extracted module source. */
  dir: string;
}

export async function downloadModule(path: string, version: string): Promise<ModuleInfo> {
  const { stdout, exitCode } = await execa('go', ['mod', 'download', '-json', `${path}@${version}`], {
    env: GO_ENV, reject: false, cwd: '/',
  });
  const info = JSON.parse(stdout || '{}') as { Error?: string; GoMod?: string; Info?: string; Dir?: string };
  if (exitCode !== 0 || info.Error || !info.GoMod || !info.Info || !info.Dir) {
    throw new Error(`cannot download Go module ${path}@${version}: ${(info.Error ?? 'no answer from the module proxy').split('\n')[0]}`);
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
      if (line === ')') { block = undefined; continue; }
      handle(block, line);
      continue;
    }
    const m = /^(\w+)\s*\($/.exec(line);
    if (m) { block = m[1]; continue; }
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
}

/** Builds binaries from modules through a generated wrapper module; cached by its inputs. */
export async function buildWithWrapper(spec: WrapperBuild): Promise<string> {
  // Module info (commit time) is part of the ldflags: resolve it before keying the cache.
  const mains = await Promise.all(spec.modules.map((m) => downloadModule(m.path, m.version)));
  const ldflags = ['-s', '-w', ...spec.ldflags(mains[0]!)].join(' ');
  const inputs = { kind: 'go-wrapper', modules: spec.modules, binaries: spec.binaries, tags: spec.tags, ldflags, cgo: spec.cgo ?? false, go: await goVersion() };
  await cached(spec.outDir, inputs, async (tmp) => {
    const first = parseGoMod(mains[0]!.goMod);
    const replaces = new Map<string, string>();
    for (const main of mains) {
      for (const r of parseGoMod(main.goMod).relativeReplaces) replaces.set(r.module, spec.replaceVersion(r.module));
    }
    const mainPaths = new Set(spec.modules.map((m) => m.path));
    const excludes = new Set(mains.flatMap((main) => parseGoMod(main.goMod).excludes));
    const goMod = [
      'module kubeclaims.local/wrapper',
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
    // A tools file makes `go mod tidy` resolve every package we build.
    await writeFile(join(src, 'tools.go'), ['//go:build tools', 'package tools', ...spec.binaries.map((b) => `import _ "${b.pkg}"`), ''].join('\n'));
    log.step(`resolving dependencies of ${spec.modules.map((m) => `${m.path}@${m.version}`).join(', ')}`);
    await go(['mod', 'tidy'], src, spec.cgo);
    for (const [i, b] of spec.binaries.entries()) {
      log.step(`go build ${b.name} (${i + 1}/${spec.binaries.length})`);
      const tags = b.tags ?? spec.tags;
      await go(['build', '-trimpath', ...(tags?.length ? ['-tags', tags.join(',')] : []), '-ldflags', ldflags, '-o', join(tmp, b.name), b.pkg], src, spec.cgo);
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
export async function goInstall(outDir: string, pkg: string, version: string, name: string, o: GoInstallOptions = {}): Promise<string> {
  const ldflags = o.ldflags ?? [];
  const inputs = { kind: 'go-install', pkg, version, ldflags, ...(o.tags ? { tags: o.tags } : {}), ...(o.cgo ? { cgo: true } : {}), go: await goVersion() };
  await cached(outDir, inputs, async (tmp) => {
    log.step(`go install ${pkg}@${version}`);
    const tags = o.tags?.length ? ['-tags', o.tags.join(',')] : [];
    await execa('go', ['install', '-trimpath', ...tags, '-ldflags', ['-s', '-w', ...ldflags].join(' '), `${pkg}@${version}`], {
      env: { ...goEnv(o.cgo), GOBIN: tmp }, cwd: '/',
    }).catch((e: { stderr?: string; shortMessage?: string }) => {
      throw new Error(`go install ${pkg}@${version} failed: ${lastLines(e.stderr ?? e.shortMessage ?? '')}`);
    });
    const built = pkg.split('/').at(-1)!;
    if (built !== name) await execa('mv', [join(tmp, built), join(tmp, name)]);
  });
  return join(outDir, name);
}

let cachedGoVersion: string | undefined;
export async function goVersion(): Promise<string> {
  if (!cachedGoVersion) {
    const r = await execa('go', ['env', 'GOVERSION'], { reject: false });
    if (r.exitCode !== 0) throw new Error('Go is not installed: kube-claims builds Kubernetes, etcd, kind, crictl and coredns from Go modules');
    cachedGoVersion = r.stdout.trim();
  }
  return cachedGoVersion;
}

async function go(args: string[], cwd: string, cgo = false): Promise<void> {
  const r = await execa('go', args, { cwd, env: goEnv(cgo), reject: false, all: true });
  if (r.exitCode !== 0) throw new Error(`go ${args[0]} failed in ${cwd}: ${lastLines(r.all ?? '')}`);
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}
