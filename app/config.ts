// All configuration in one place: versions, names, paths, environment overrides.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../lib/errors.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Versions of the tools built from Go modules for every node image and for the host. */
export const TOOLS = {
  /** kind CLI; its module also supplies the node's entrypoint and systemd units (images/base/files). */
  kind: 'v0.30.0',
  /** crictl; v1.33.0 is not served by the module proxy, and crictl talks CRI v1 to any containerd. */
  crictl: 'v1.34.0',
} as const;

/**
 * The Kubernetes versions kube-claims knows how to build offline, by minor line.
 * Everything else a node needs (etcd, coredns, pause versions) comes from
 * `kubeadm config images list` of the built kubeadm.
 */
export const KUBERNETES_LINES: Record<string, { version: string; cgroupV1NeedsOptIn: boolean; upstreamImage: string }> = {
  // upstreamImage: kind's own default node image of the kind release that introduced the line
  // (sigs.k8s.io/kind pkg/apis/config/defaults/image.go in v0.29.0, v0.30.0, v0.31.0), pinned by digest.
  'v1.33': {
    version: 'v1.33.3', cgroupV1NeedsOptIn: false,
    upstreamImage: 'kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f',
  },
  'v1.34': {
    version: 'v1.34.3', cgroupV1NeedsOptIn: false,
    upstreamImage: 'kindest/node:v1.34.0@sha256:7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a',
  },
  // kubelet 1.35 refuses cgroup v1 unless told otherwise (failCgroupV1: false).
  'v1.35': {
    version: 'v1.35.4', cgroupV1NeedsOptIn: true,
    upstreamImage: 'kindest/node:v1.35.0@sha256:452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f',
  },
};

/** The article's line (kubeadm v1.33.3). */
export const DEFAULT_KUBERNETES_LINE = 'v1.33';

const env = process.env;

export const config = {
  /** Build outputs that survive between runs: Go-built binaries, rootfs, stamps. */
  cacheDir: env.KUBE_CLAIMS_CACHE ?? join(homedir(), '.cache', 'kube-claims'),
  /** Project-local state: kubeconfig files, run bookkeeping. Never ~/.kube/config. */
  stateDir: env.KUBE_CLAIMS_STATE ?? join(PROJECT_ROOT, '.kube-claims'),
  reportsDir: env.KUBE_CLAIMS_REPORTS ?? join(PROJECT_ROOT, 'reports'),
  clusterName: env.KUBE_CLAIMS_CLUSTER ?? 'kube-claims',
  kubernetesVersion: env.KUBE_CLAIMS_K8S_VERSION ?? DEFAULT_KUBERNETES_LINE,
  /** Use this kubeconfig instead of provisioning a kind cluster. */
  kubeconfig: env.KUBE_CLAIMS_KUBECONFIG,
  context: env.KUBE_CLAIMS_CONTEXT,
  /** Keep a kind cluster that this run created (an existing one is reused and always kept). */
  keepCluster: env.KUBE_CLAIMS_KEEP_CLUSTER === '1',
  /** 'auto' (upstream kindest/node when present or pullable, else offline build), 'offline', 'upstream'. */
  imageSource: (env.KUBE_CLAIMS_IMAGE_SOURCE ?? 'auto') as 'auto' | 'offline' | 'upstream',
  /** A node image used as it is, bypassing the choice above (e.g. a pinned kindest/node@sha256). */
  nodeImage: env.KUBE_CLAIMS_NODE_IMAGE,
  /** Image of the privileged node-shell pod used on clusters kind did not make (needs nsenter and sleep). */
  nodeShellImage: env.KUBE_CLAIMS_NODE_SHELL_IMAGE ?? 'busybox:1.37',
  /** Label put on every Docker object kube-claims creates, so it never touches anything else. */
  ownerLabel: 'io.kube-claims.owner',
  /** Where the host's capability shim is installed (see scripts/host/runc-capshim.sh). */
  shimPath: '/usr/local/lib/kube-claims/runc-capshim',
  shimRuntimeName: 'kube-claims-runc',
} as const;

export const paths = {
  bin: join(config.cacheDir, 'bin'),
  kubeconfig: (cluster: string = config.clusterName) => join(config.stateDir, `${cluster}.kubeconfig`),
  k8sBuild: (version: string) => join(config.cacheDir, 'k8s', version),
  images: join(config.cacheDir, 'images'),
  logs: join(config.stateDir, 'logs'),
};

/** Accepts "1.33", "v1.33" or a full "v1.33.3" that kube-claims knows. */
export function resolveKubernetesVersion(input: string): { line: string; version: string; cgroupV1NeedsOptIn: boolean; upstreamImage: string } {
  const v = input.startsWith('v') ? input : `v${input}`;
  const line = v.split('.').slice(0, 2).join('.');
  const known = KUBERNETES_LINES[line];
  if (!known || (v.split('.').length === 3 && v !== known.version)) {
    const available = Object.values(KUBERNETES_LINES).map((l) => l.version).join(', ');
    throw new UsageError(`unknown Kubernetes version ${input}; available: ${available}`);
  }
  return { line, ...known };
}
