// The upstream components of a node image, each built from its Go module (or C source for pause).
import { join } from 'node:path';
import { execa } from 'execa';
import { settings as config } from '../settings.ts';
import { TOOLS } from './tools.ts';
import { cached } from './cache.ts';
import { buildWithWrapper, downloadModule, goInstall, pseudoCommit } from './go-modules.ts';

const binRoot = () => join(config.cacheDir, 'bin');

export const KUBERNETES_BINARIES = [
  'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubelet', 'kubeadm', 'kubectl',
] as const;

/** Kubernetes server and client binaries, stamped like a release build (hack/lib/version.sh). */
export async function buildKubernetes(version: string, binaries: readonly string[] = KUBERNETES_BINARIES, outDir = join(binRoot(), 'kubernetes', version)): Promise<string> {
  const [, minor, patch] = version.slice(1).split('.');
  return buildWithWrapper({
    outDir,
    modules: [{ path: 'k8s.io/kubernetes', version }],
    // Staging modules k8s.io/NAME are published as v0.MINOR.PATCH.
    replaceVersion: () => `v0.${minor}.${patch}`,
    binaries: binaries.map((name) => ({ pkg: `k8s.io/kubernetes/cmd/${name}`, name })),
    tags: ['selinux', 'notest'],
    ldflags: (main) => ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((p) => [
      `-X ${p}.gitVersion=${version}`, `-X ${p}.gitMajor=1`, `-X ${p}.gitMinor=${minor}`,
      `-X ${p}.gitCommit=${pseudoCommit(main.path, main.version)}`, `-X ${p}.gitTreeState=clean`, `-X ${p}.buildDate=${main.time}`,
    ]),
  });
}

/** kubectl alone, for a cluster whose node image kube-claims did not build (upstream or external). */
export async function buildKubectl(version: string): Promise<string> {
  return join(await buildKubernetes(version, ['kubectl'], join(binRoot(), 'kubectl', version)), 'kubectl');
}

/** etcd, etcdctl and etcdutl at the version kubeadm pins. */
export async function buildEtcd(version: string): Promise<string> {
  const modules = ['server', 'etcdctl', 'etcdutl'].map((m) => ({ path: `go.etcd.io/etcd/${m}/v3`, version }));
  return buildWithWrapper({
    outDir: join(binRoot(), 'etcd', version),
    modules,
    // etcd's v2 client is published as v2.305.PATCH alongside v3.5.PATCH.
    replaceVersion: (m) => (m.endsWith('/v2') ? `v2.305.${version.split('.')[2]}` : version),
    binaries: [
      { pkg: 'go.etcd.io/etcd/server/v3', name: 'etcd' },
      { pkg: 'go.etcd.io/etcd/etcdctl/v3', name: 'etcdctl' },
      { pkg: 'go.etcd.io/etcd/etcdutl/v3', name: 'etcdutl' },
    ],
    ldflags: (main) => [`-X go.etcd.io/etcd/api/v3/version.GitSHA=${pseudoCommit(main.path, main.version).slice(0, 7)}`],
  });
}

export async function buildCoredns(version: string): Promise<string> {
  return goInstall(join(binRoot(), 'coredns', version), 'github.com/coredns/coredns', version, 'coredns',
    [`-X github.com/coredns/coredns/coremain.GitCommit=${pseudoCommit('github.com/coredns/coredns', version).slice(0, 7)}`]);
}

export async function buildCrictl(version: string): Promise<string> {
  return goInstall(join(binRoot(), 'crictl', version), 'sigs.k8s.io/cri-tools/cmd/crictl', version, 'crictl',
    [`-X sigs.k8s.io/cri-tools/pkg/version.Version=${version.slice(1)}`]);
}

export async function buildKind(): Promise<string> {
  return goInstall(join(binRoot(), 'kind', TOOLS.kind), 'sigs.k8s.io/kind', TOOLS.kind, 'kind');
}

/** Kubernetes' own pause (build/pause/linux/pause.c), compiled static: the sandbox image needs nothing else. */
export async function buildPause(kubernetesVersion: string, pauseTag: string): Promise<string> {
  const outDir = join(binRoot(), 'pause', `${pauseTag}-from-${kubernetesVersion}`);
  await cached(outDir, { kind: 'pause', kubernetesVersion, pauseTag }, async (tmp) => {
    const k8s = await downloadModule('k8s.io/kubernetes', kubernetesVersion);
    await execa('gcc', ['-Os', '-Wall', '-static', `-DVERSION=v${pauseTag}-kube-claims`, '-o', join(tmp, 'pause'), join(k8s.dir, 'build/pause/linux/pause.c')])
      .catch((e: { shortMessage?: string }) => { throw new Error(`cannot compile pause (gcc with static libc needed): ${e.shortMessage}`); });
    await execa('strip', [join(tmp, 'pause')]);
  });
  return join(outDir, 'pause');
}

/** The source directory of kind's node files (entrypoint, systemd units) in the kind module. */
export async function kindBaseFiles(): Promise<string> {
  const mod = await downloadModule('sigs.k8s.io/kind', TOOLS.kind);
  return join(mod.dir, 'images/base/files');
}
