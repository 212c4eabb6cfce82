// The upstream components of a node image, each built from its Go module (or C source for pause).
// Build metadata is never invented: what the module proxy cannot tell (a git commit) is left unset,
// so that each program reports it the way its own source does for a build without one.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { goToolchainFor, LINES } from '../../contract/lines.ts';
import { TOOLS } from './tools.ts';
import { cached } from './cache.ts';
import { WRAPPER_MODULE, buildWithWrapper, downloadModule, goInstall } from './go-modules.ts';

export const KUBERNETES_BINARIES = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
  'kubelet',
  'kubeadm',
  'kubectl',
  // The server images' /go-runner (build/server-image/Dockerfile from 1.36; the successor of go-runner).
  'kube-log-runner',
] as const;

/** Where each binary's main package is: cmd/NAME, or a staging module's. */
const KUBERNETES_PACKAGES: Record<string, string> = { 'kube-log-runner': 'k8s.io/component-base/logs/kube-log-runner' };

/**
 * The version ldflags of hack/lib/version.sh. gitCommit is the release commit the line knows
 * (contract/lines.ts), with gitTreeState=clean; without one, gitCommit stays empty and
 * gitTreeState=archive: a build from a source archive that says it has no commit. buildDate is
 * the commit time the module proxy gives for the version. gitVersion/gitMajor/gitMinor are always
 * set together (kubeadm panics on a gitMajor without a parsable gitVersion).
 */
export function kubernetesLdflags(version: string, buildDate: string, releaseCommit?: string): string[] {
  // version.sh: gitMinor gets a "+" when gitVersion has a pre-release part (v1.38.0-beta.0 → 38+).
  const [, minorNumber, preRelease] = /^v\d+\.(\d+)(?:\.\d+)?(-[^+]*)?/.exec(version) ?? [];
  const minor = `${minorNumber}${preRelease ? '+' : ''}`;
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((p) => [
    `-X ${p}.gitVersion=${version}`,
    `-X ${p}.gitMajor=1`,
    `-X ${p}.gitMinor=${minor}`,
    // Unset, gitCommit would keep the source's export-subst placeholder "$Format:%H$": set it empty.
    `-X ${p}.gitCommit=${releaseCommit ?? ''}`,
    `-X ${p}.gitTreeState=${releaseCommit ? 'clean' : 'archive'}`,
    `-X ${p}.buildDate=${buildDate}`,
  ]);
}

/** Kubernetes server and client binaries, stamped like a release build (hack/lib/version.sh). */
export async function buildKubernetes(
  bin: string,
  version: string,
  binaries: readonly string[] = KUBERNETES_BINARIES,
  outDir = join(bin, 'kubernetes', version),
): Promise<string> {
  const releaseCommit = Object.values(LINES).find((l) => l.version === version)?.releaseCommit?.value;
  return buildWithWrapper({
    outDir,
    modules: [{ path: 'k8s.io/kubernetes', version }],
    // Staging modules k8s.io/NAME are published as v0.MINOR.PATCH (v0.38.0-beta.0 for v1.38.0-beta.0).
    replaceVersion: () => version.replace(/^v1\./, 'v0.'),
    binaries: binaries.map((name) => ({ pkg: KUBERNETES_PACKAGES[name] ?? `k8s.io/kubernetes/cmd/${name}`, name })),
    tags: ['selinux', 'notest'],
    ldflags: (main) => kubernetesLdflags(version, main.time, releaseCommit),
    ...(goToolchainFor(version) !== 'local' ? { toolchain: goToolchainFor(version) } : {}),
  });
}

/** kubectl alone, for a cluster whose node image kube-claims did not build (upstream or external). */
export async function buildKubectl(bin: string, version: string): Promise<string> {
  return join(await buildKubernetes(bin, version, ['kubectl'], join(bin, 'kubectl', version)), 'kubectl');
}

/**
 * etcd, etcdctl and etcdutl at the version kubeadm pins. Each main module replaces its siblings by
 * relative paths; the wrapper takes their published modules of the same version. 3.5 still has the
 * v2 client (published as v2.305.PATCH); 3.6 and 3.7 have none, and 3.7's etcdutl no longer
 * replaces the server. GitSHA stays unset: etcd's own default then says it was not provided.
 */
export async function buildEtcd(bin: string, version: string): Promise<string> {
  const modules = ['server', 'etcdctl', 'etcdutl'].map((m) => ({ path: `go.etcd.io/etcd/${m}/v3`, version }));
  return buildWithWrapper({
    outDir: join(bin, 'etcd', version),
    modules,
    replaceVersion: (m) => (m.endsWith('/v2') ? `v2.305.${version.split('.')[2]}` : version),
    binaries: [
      { pkg: 'go.etcd.io/etcd/server/v3', name: 'etcd' },
      { pkg: 'go.etcd.io/etcd/etcdctl/v3', name: 'etcdctl' },
      { pkg: 'go.etcd.io/etcd/etcdutl/v3', name: 'etcdutl' },
    ],
    ldflags: () => [],
  });
}

/** coredns; GitCommit stays unset (its Makefile stamps git's commit, which the proxy does not give). */
export async function buildCoredns(bin: string, version: string): Promise<string> {
  return goInstall(join(bin, 'coredns', version), 'github.com/coredns/coredns', version, 'coredns');
}

export async function buildCrictl(bin: string, version: string): Promise<string> {
  return goInstall(join(bin, 'crictl', version), 'sigs.k8s.io/cri-tools/cmd/crictl', version, 'crictl', {
    ldflags: [`-X sigs.k8s.io/cri-tools/pkg/version.Version=${version.slice(1)}`],
  });
}

/**
 * containerd 2, its runc shim and ctr, as its Makefile builds them (version ldflags; the shim with
 * no_grpc), without cgo: the daemon needs none of the cgo-only plugins (btrfs, devmapper) here.
 * Revision (git's commit) stays unset.
 */
export async function buildContainerd(bin: string, version = TOOLS.containerd): Promise<string> {
  const pkg = 'github.com/containerd/containerd/v2';
  return buildWithWrapper({
    outDir: join(bin, 'containerd', version),
    modules: [{ path: pkg, version }],
    replaceVersion: () => version,
    binaries: [
      { pkg: `${pkg}/cmd/containerd`, name: 'containerd' },
      {
        pkg: `${pkg}/cmd/containerd-shim-runc-v2`,
        name: 'containerd-shim-runc-v2',
        tags: ['urfave_cli_no_docs', 'no_grpc'],
      },
      { pkg: `${pkg}/cmd/ctr`, name: 'ctr' },
    ],
    tags: ['urfave_cli_no_docs'],
    ldflags: () => [`-X ${pkg}/version.Version=${version}`],
  });
}

/**
 * runc as its Makefile's `static` target builds it: cgo (nsenter), seccomp through libseccomp
 * (Debian's libseccomp-dev, linked statically), netgo/osusergo. Its version comes from the module's
 * VERSION file; gitCommit stays unset (runc then prints no commit line).
 */
export async function buildRunc(bin: string, version = TOOLS.runc): Promise<string> {
  return goInstall(join(bin, 'runc', version), 'github.com/opencontainers/runc', version, 'runc', {
    cgo: true,
    tags: ['seccomp', 'urfave_cli_no_docs', 'netgo', 'osusergo'],
    ldflags: ['-extldflags', '-static'],
  }).catch((e: Error) => {
    throw new Error(`${e.message} (runc needs gcc, pkg-config and libseccomp-dev: run host preparation)`);
  });
}

export async function buildKind(bin: string): Promise<string> {
  return goInstall(join(bin, 'kind', TOOLS.kind), 'sigs.k8s.io/kind', TOOLS.kind, 'kind');
}

/**
 * Kubernetes' own pause (build/pause/linux/pause.c) with its Makefile's CFLAGS, compiled static: the
 * sandbox image needs nothing else. Upstream's VERSION is v$(TAG)-$(REV), REV from `git describe`,
 * which a module has no way to know: VERSION is v$(TAG) alone.
 */
export async function buildPause(bin: string, kubernetesVersion: string, pauseTag: string): Promise<string> {
  const outDir = join(bin, 'pause', `${pauseTag}-from-${kubernetesVersion}`);
  await cached(outDir, { kind: 'pause', kubernetesVersion, pauseTag, v: 2 }, async (tmp) => {
    const k8s = await downloadModule('k8s.io/kubernetes', kubernetesVersion, goToolchainFor(kubernetesVersion));
    await execa('gcc', [
      '-Os',
      '-Wall',
      '-Werror',
      '-static',
      `-DVERSION=v${pauseTag}`,
      '-o',
      join(tmp, 'pause'),
      join(k8s.dir, 'build/pause/linux/pause.c'),
    ]).catch((e: { shortMessage?: string }) => {
      throw new Error(`cannot compile pause (gcc with static libc needed): ${e.shortMessage}`);
    });
    await execa('strip', [join(tmp, 'pause')]);
  });
  return join(outDir, 'pause');
}

/** The import of flannel's Tencent Cloud backend, whose SDK module (tencentcloud/vpc) the proxy refuses. */
const FLANNEL_TENCENT_IMPORT = /^\s*_ "github\.com\/flannel-io\/flannel\/pkg\/backend\/tencentvpc"\n/m;

/**
 * flannel's main.go without the tencent-vpc backend: the one change to upstream's source (fails loudly if the line
 * moved).
 */
export function flannelMainWithoutTencent(mainGo: string): string {
  if (!FLANNEL_TENCENT_IMPORT.test(mainGo))
    throw new Error('flannel main.go no longer imports pkg/backend/tencentvpc as expected: review the flanneld build');
  return mainGo.replace(FLANNEL_TENCENT_IMPORT, '');
}

/**
 * flanneld and install-conf as flannel's Makefile (dist/flanneld) and images/Dockerfile build them:
 * cgo on amd64 (the UDP backend), `-X .../pkg/version.Version=TAG -extldflags -static`. flanneld is
 * its own main.go compiled in the wrapper module, without the tencent-vpc backend (above); every
 * other backend (host-gw, vxlan, ipip, ipsec, udp, wireguard, extension, alloc) is in.
 */
export async function buildFlannel(
  bin: string,
  version = TOOLS.flannel,
): Promise<{ flanneld: string; installConf: string }> {
  const path = 'github.com/flannel-io/flannel';
  const mod = await downloadModule(path, version);
  const outDir = await buildWithWrapper({
    outDir: join(bin, 'flannel', version),
    modules: [{ path, version }],
    replaceVersion: () => version,
    sources: { 'flanneld/main.go': flannelMainWithoutTencent(await readFile(join(mod.dir, 'main.go'), 'utf8')) },
    binaries: [{ pkg: `${WRAPPER_MODULE}/flanneld`, name: 'flanneld' }],
    cgo: true,
    ldflags: () => [`-X ${path}/pkg/version.Version=${version}`, '-extldflags', '-static'],
  });
  // images/Dockerfile: `CGO_ENABLED=0 go build -o dist/install-conf ./cmd/install_conf/`.
  const installConf = await goInstall(
    join(bin, 'flannel-install-conf', version),
    `${path}/cmd/install_conf`,
    version,
    'install-conf',
  );
  return { flanneld: join(outDir, 'flanneld'), installConf };
}

/** flannel's CNI plugin (plugins/meta/flannel) as that release's scripts/release.sh builds it. */
export async function buildFlannelCniPlugin(bin: string, version = TOOLS.flannelCniPlugin): Promise<string> {
  const pkg = 'github.com/containernetworking/plugins';
  return goInstall(join(bin, 'flannel-cni-plugin', version), `${pkg}/plugins/meta/flannel`, version, 'flannel', {
    ldflags: ['-extldflags', '-static', `-X ${pkg}/pkg/utils/buildversion.BuildVersion=${version}`],
  });
}

/** local-path-provisioner as its scripts/build does: CGO_ENABLED=0, `-X main.VERSION=TAG -extldflags -static -s -w`. */
export async function buildLocalPathProvisioner(bin: string, version = TOOLS.localPathProvisioner): Promise<string> {
  return goInstall(
    join(bin, 'local-path-provisioner', version),
    'github.com/rancher/local-path-provisioner',
    version,
    'local-path-provisioner',
    {
      ldflags: [`-X main.VERSION=${version}`, '-extldflags', '-static'],
    },
  );
}

/** The source directory of kind's node files (entrypoint, systemd units) in the kind module. */
export async function kindBaseFiles(): Promise<string> {
  const mod = await downloadModule('sigs.k8s.io/kind', TOOLS.kind);
  return join(mod.dir, 'images/base/files');
}
