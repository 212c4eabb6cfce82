// Version knowledge in one table: each Kubernetes line kube-claims builds, runs and checks, what it pins
// and how upstream behaviour differs between lines. Builds, providers, checks and the matrix read it here;
// nothing else branches on versions (in the spirit of kube-bench's version_mapping).
import { UsageError } from './errors.ts';

export type LineId = 'v1.33' | 'v1.34' | 'v1.35' | 'v1.36' | 'v1.37' | 'v1.38';

/** A fact with where it comes from: nothing in this table is derived or invented. */
export interface Sourced<T> {
  value: T;
  source: string;
}

/** Upstream behaviour that changed between lines; checks take their expectation from here. */
export interface LineBehaviour {
  /** kubeadm writes `preferences: {}` into the kubeconfigs it generates (as the article shows for 1.33). */
  kubeconfigPreferences: boolean;
  /** O of kubeadm's kubernetes-admin client certificate (kubeadm:cluster-admins from 1.29 on). */
  adminOrganization: string;
  /** /version carries emulationMajor/Minor and minCompatibilityMajor/Minor (KEP-4330, from 1.33). */
  versionCompatibilityFields: boolean;
  /** kubelet refuses cgroup v1 unless its configuration says `failCgroupV1: false` (from 1.35). */
  cgroupV1NeedsOptIn: boolean;
}

export interface KubernetesLine {
  id: LineId;
  /** The patch release kube-claims builds offline and expects by default. */
  version: string;
  /** The upstream release commit of `version` (gitCommit of /version); absent where kube-claims knows none. */
  releaseCommit?: Sourced<string>;
  /**
   * The kindest/node image a machine with a registry uses for this line; `value` undefined where kind
   * publishes none (a pre-release line), `source` then says so.
   */
  upstreamImage: Sourced<string | undefined>;
  /** crictl release built into the offline node image. */
  crictl: string;
  /**
   * The Go toolchain (GOTOOLCHAIN) that builds and reads this line's Kubernetes modules, where their
   * go.mod needs a newer Go than the local one; absent, the local Go does (GOTOOLCHAIN=local).
   */
  goToolchain?: Sourced<string>;
  behaviour: LineBehaviour;
}

const before134 = {
  kubeconfigPreferences: true,
  adminOrganization: 'kubeadm:cluster-admins',
  versionCompatibilityFields: true,
  cgroupV1NeedsOptIn: false,
};
const from134 = { ...before134, kubeconfigPreferences: false };
const from135 = { ...from134, cgroupV1NeedsOptIn: true };

/** Where a kindest/node digest comes from: the "Images pre-built for this release" list of kind's release notes. */
const KIND_NOTES = (kind: string) =>
  `sigs.k8s.io/kind ${kind} release notes (images pre-built for this release), as quoted in public dependency-update threads (kube-claims search index, read 2026-11-25)`;

/**
 * crictl of every offline node image: the one kind v0.33.0's base image builds (images/base/Dockerfile,
 * CRICTL_VERSION), i.e. the crictl of the upstream kindest/node images pinned below, whatever the line.
 * crictl speaks CRI v1 to any containerd 2; the module proxy refuses cri-tools v1.33.0 and v1.35.0 anyway.
 */
const CRICTL = 'v1.36.0';

const PUBLIC_VERSION_OUTPUT =
  'public /version and `kubectl version -o json` output of the official release binaries, recorded in several unrelated repositories (kube-claims search index, read 2026-11-25)';

export const LINES: Readonly<Record<LineId, KubernetesLine>> = {
  'v1.33': {
    id: 'v1.33',
    version: 'v1.33.3',
    releaseCommit: {
      value: '80779bd6ff08b451e1c165a338a7b69351e9b0b8',
      source: `the article's own /version output, and ${PUBLIC_VERSION_OUTPUT}`,
    },
    upstreamImage: {
      value: 'kindest/node:v1.33.12@sha256:3f5c8443c620245e4d355cfe09e96a91ead32ceaa569d3f1ca9edf0cb2fe2ff4',
      source: `${KIND_NOTES('v0.32.0')}: kind v0.33.0 publishes no 1.33 image, so this is the newest 1.33 image of the kind release before it (kind supports an image with the release it was built for, others best effort)`,
    },
    crictl: CRICTL,
    behaviour: before134,
  },
  'v1.34': {
    id: 'v1.34',
    version: 'v1.34.3',
    releaseCommit: { value: 'df11db1c0f08fab3c0baee1e5ce6efbf816af7f1', source: PUBLIC_VERSION_OUTPUT },
    upstreamImage: {
      value: 'kindest/node:v1.34.11@sha256:44e222ee2132dab25ff87301682f89eb82c7880ea3a1bf543bfe9708fd08d67d',
      source: KIND_NOTES('v0.33.0'),
    },
    crictl: CRICTL,
    behaviour: from134,
  },
  'v1.35': {
    id: 'v1.35',
    version: 'v1.35.4',
    releaseCommit: { value: '7b8c6cf0edd376b3d7c2f255142977c7f93db258', source: PUBLIC_VERSION_OUTPUT },
    upstreamImage: {
      value: 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0',
      source: KIND_NOTES('v0.33.0'),
    },
    crictl: CRICTL,
    behaviour: from135,
  },
  // No public source gives the full release commits of v1.36.3 and v1.37.2 (only a 7-digit prefix of
  // v1.36.3's, 0f29094, in a logged User-Agent): the offline build states that it has none.
  'v1.36': {
    id: 'v1.36',
    version: 'v1.36.3',
    upstreamImage: {
      value: 'kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed',
      source: KIND_NOTES('v0.33.0'),
    },
    crictl: CRICTL,
    behaviour: from135,
  },
  'v1.37': {
    id: 'v1.37',
    version: 'v1.37.2',
    upstreamImage: {
      value: 'kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5',
      source: `${KIND_NOTES('v0.33.0')}; also sigs.k8s.io/kind v0.33.0 pkg/apis/config/defaults/image.go (its default image)`,
    },
    crictl: CRICTL,
    behaviour: from135,
  },
  // The next release (1.38.0 planned for 2026-12-16), as a pre-release line: `version` is the newest
  // v1.38 pre-release the module proxy serves (`go list -m -versions k8s.io/kubernetes`, read
  // 2026-12-01: v1.38.0-beta.0; rc.0 and GA replace it here when served). A pre-release has no
  // published release commit either: the offline build states that it has none.
  'v1.38': {
    id: 'v1.38',
    version: 'v1.38.0-beta.0',
    upstreamImage: {
      value: undefined,
      source:
        'sigs.k8s.io/kind v0.33.0 publishes no 1.38 kindest/node image (its release notes and pkg/apis/config/defaults/image.go know 1.37 at most), and kind builds no images of pre-releases: the offline build is the only image of this line',
    },
    crictl: CRICTL,
    // Its modules (k8s.io/kubernetes and the staging ones) say `go 1.27.0`; the go command fetches
    // this toolchain from the module proxy (golang.org/toolchain).
    goToolchain: {
      value: 'go1.27.3',
      source: 'k8s.io/kubernetes v1.38.0-beta.0 .go-version (the Go its release is built with)',
    },
    behaviour: from135,
  },
};

/** The article's line (kubeadm v1.33.3), the default everywhere. */
export const DEFAULT_LINE: LineId = 'v1.33';

export const LINE_IDS = Object.keys(LINES) as LineId[];

/** GOTOOLCHAIN for building or reading the modules of Kubernetes `version`: its line's pin, else the local Go. */
export function goToolchainFor(kubernetesVersion: string): string {
  return Object.values(LINES).find((l) => l.version === kubernetesVersion)?.goToolchain?.value ?? 'local';
}

/** A Kubernetes pre-release version: v1.38.0-alpha.2, -beta.0, -rc.1 (a vendor suffix such as -eks-… is none). */
export function isPreReleaseVersion(version: string): boolean {
  return /^v?\d+\.\d+\.\d+-(?:alpha|beta|rc)\.\d+/.test(version);
}

/** A line whose version is a pre-release: marked so in every list and report, never a default. */
export function isPreRelease(line: KubernetesLine): boolean {
  return isPreReleaseVersion(line.version);
}

/** What a run on a pre-release line says first (verify, matrix, cluster up, image build). */
export function preReleaseNotice(line: KubernetesLine): string {
  return `${describeLine(line)} is a pre-release line: ${line.version} is no Kubernetes release yet, and kube-claims never takes it by default${line.upstreamImage.value ? '' : '; kind publishes no node image of it, so the node image is built offline from its Go modules'}`;
}

/**
 * The lines `matrix` runs when no --kubernetes is given: the released ones (a pre-release line only when asked for).
 */
export const RELEASED_LINE_IDS = (Object.keys(LINES) as LineId[]).filter((id) => !isPreRelease(LINES[id]));

/** "v1.38 (v1.38.0-beta.0, pre-release)" / "v1.33 (v1.33.3)": how lists and usage errors name a line. */
export function describeLine(line: KubernetesLine): string {
  return `${line.id} (${line.version}${isPreRelease(line) ? ', pre-release' : ''})`;
}

/**
 * "1.33", "v1.33" or the exact "v1.33.3" (or "v1.38.0-beta.0") kube-claims builds; anything else is a
 * usage error listing the lines.
 */
export function resolveLine(input: string): KubernetesLine {
  const v = input.trim().startsWith('v') ? input.trim() : `v${input.trim()}`;
  const id = v.split('.').slice(0, 2).join('.') as LineId;
  const line = Object.hasOwn(LINES, id) ? LINES[id] : undefined;
  if (!line || (v !== id && v !== line.version)) {
    throw new UsageError(
      `unknown Kubernetes version ${input}; available: ${LINE_IDS.map((l) => describeLine(LINES[l])).join(', ')}`,
    );
  }
  return line;
}

/**
 * The profile that describes a server of version `gitVersion` (v1.34.1, v1.36.3+k3s1, ...): its own line,
 * or, for a line kube-claims does not know, the nearest one, said so in `note`.
 */
export function profileFor(gitVersion: string): { line: KubernetesLine; exact: boolean; note?: string } {
  const m = /^v?(\d+)\.(\d+)/.exec(gitVersion);
  const minor = m ? Number(m[1]) * 1000 + Number(m[2]) : 0;
  const key = (l: LineId) => {
    const [a, b] = l.slice(1).split('.').map(Number);
    return a! * 1000 + b!;
  };
  const exact = LINE_IDS.find((l) => key(l) === minor);
  if (exact) return { line: LINES[exact], exact: true };
  const nearest = [...LINE_IDS].sort((a, b) => Math.abs(key(a) - minor) - Math.abs(key(b) - minor))[0]!;
  return {
    line: LINES[nearest],
    exact: false,
    note: `kube-claims has no profile for ${gitVersion}; the ${nearest} profile is used`,
  };
}

/** What etcdctl of an etcd release knows; keyed by MAJOR.MINOR. */
export interface EtcdctlProfile {
  /** Variables of the article's `export` tip that this etcdctl no longer knows (it warns and goes on). */
  obsoleteVariables: string[];
}

const ETCDCTL: Record<string, EtcdctlProfile> = {
  '3.5': { obsoleteVariables: [] },
  // etcd 3.6 removed the v2 API, and with it ETCDCTL_API.
  '3.6': { obsoleteVariables: ['ETCDCTL_API'] },
  '3.7': { obsoleteVariables: ['ETCDCTL_API'] },
};

export function etcdctlProfile(release: string | undefined): EtcdctlProfile {
  const minor = (release ?? '').split('.').slice(0, 2).join('.');
  return ETCDCTL[minor] ?? ETCDCTL['3.7']!;
}

/** Behaviour that differs between the given lines: what the matrix report names, one row per behaviour. */
export function behaviourDifferences(
  ids: readonly LineId[],
): Array<{ behaviour: keyof LineBehaviour; values: Record<string, unknown> }> {
  const keys = Object.keys(LINES[DEFAULT_LINE].behaviour) as Array<keyof LineBehaviour>;
  return keys.flatMap((behaviour) => {
    const values = Object.fromEntries(ids.map((id) => [id, LINES[id].behaviour[behaviour]]));
    return new Set(Object.values(values).map((v) => JSON.stringify(v))).size > 1 ? [{ behaviour, values }] : [];
  });
}
