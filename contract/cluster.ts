// The cluster contract: what a provider hands to the suites about the cluster under test and the run.
// Plain, serialisable data: it travels from the CLI (or the test command's global setup) to the vitest
// workers through `provide`/`inject`, never through environment variables or files.
import type { RunNodeFiles } from './node-files.ts';
import type { LackingRights } from './rights.ts';

/**
 * Where a kind cluster's node image comes from: kindest/node when present or pullable, else the offline build (auto).
 */
export type ImageSource = 'auto' | 'offline' | 'upstream';

/** How commands reach the control-plane node. */
export type NodeAccess =
  /** A kind node container on this host: `docker exec`. */
  | { kind: 'docker'; container: string }
  /**
   * A privileged pod of the run on the node, made from an image the node already has; its exec enters the
   * node's namespaces with the node's own nsenter, run through `launcher` (the node's dynamic loader and
   * library path, since the pod's image may have neither a shell nor libc).
   */
  | { kind: 'pod'; namespace: string; pod: string; container: string; image: string; launcher: string[] }
  /** No way onto the node; claims that need it are reported unchecked, with this reason. */
  | { kind: 'none'; reason: string };

/** A node of the cluster and how commands reach it. */
export interface ClusterNode {
  name: string;
  /** control-plane: kubeadm's node-role.kubernetes.io/control-plane label (or the older master one). */
  role: 'control-plane' | 'worker';
  access: NodeAccess;
}

/** Where the run's kubectl comes from, and why that one. */
export interface KubectlSource {
  /**
   * flag: --kubectl (KUBE_CLAIMS_KUBECTL); path: the first kubectl on PATH; built: kube-claims' build from the Go
   * modules.
   */
  origin: 'flag' | 'path' | 'built';
  /**
   * What a kubectl kube-claims did not build said of itself (`kubectl version -o json` with the run's kubeconfig,
   * its clientVersion: a dispatcher reports the kubectl it runs for that server): its commit and platform, for
   * the User-Agent it composes. Absent for a build: those come from the configuration.
   */
  reported?: { gitVersion: string; gitCommit?: string; platform?: string };
  /** The decision in words: the version skew to the server, what was passed over and why. */
  choice: string;
}

export interface ClusterInfo {
  /** The kind cluster's name, or the kubeconfig's cluster name. */
  name: string;
  /** Which provider gave the cluster. */
  provider: 'kind' | 'kubeconfig';
  /** Made by kube-claims (a kind cluster of its own): negative controls that disturb it may run. */
  madeByKubeClaims: boolean;
  /** Created by this run (and so deleted by it, unless kept). */
  createdByThisRun: boolean;
  kubeconfig: string;
  context?: string;
  /** https://HOST:PORT of the API server, from the kubeconfig. */
  server: string;
  /**
   * The first control-plane node (on a kind cluster: the one that ran kubeadm init); the claims about one node look at
   * it.
   */
  nodeName: string;
  nodeAccess: NodeAccess;
  /**
   * Every node, control planes first (nodeName among them); the claims about each control plane go through all of them.
   */
  nodes: ClusterNode[];
  /**
   * The node that ran `kubeadm init`, where the configuration says which (kind: NAME-control-plane); absent on a
   * cluster kube-claims did not make, where nothing independent of the node's files says which it was.
   */
  initNode?: string;
  /** The shape, as asked for (a topology) or as the nodes show it (describeShape). */
  shape: string;
  /**
   * The endpoints of an external etcd, where kubeadm-config says the cluster uses one (ClusterConfiguration
   * etcd.external): there is then no etcd pod, and the claims about it are reported unchecked, with the reason.
   */
  externalEtcd?: string[];
  /** gitVersion the API server reports (observed). */
  serverVersion: string;
  /**
   * The Kubernetes version the configuration asked for (the offline build of a line, --kubernetes with an
   * existing cluster); absent when nothing was asked for.
   */
  requestedVersion?: string;
  /** The kubectl the claims run (kubectlSource says where it came from). */
  kubectl: string;
  /**
   * The version of that kubectl. Built by kube-claims: the release it was built for (the version asked for,
   * else the patch release of the server's line profile, contract/lines.ts), never the server's own answer,
   * so that its Client Version is a fact of the configuration that API-02 can hold the server against. Given
   * by --kubectl or found on PATH: the gitVersion it reported of itself when it was chosen.
   */
  kubectlVersion: string;
  kubectlSource: KubectlSource;
  /** The node image, for kind clusters. */
  nodeImage?: string;
  /**
   * The node image is kube-claims' offline build: its Kubernetes binaries' version stamps (gitCommit) come from
   * contract/lines.ts, the table the claims compare them with. Absent: an upstream image, or a cluster kube-claims did
   * not make.
   */
  offlineBuild?: boolean;
  /**
   * How this host's Docker names the node's component images, when it has them under another name: the
   * offline build tags them kube-claims.local/REF so as never to shadow a registry's REF. Absent: as the node does.
   */
  hostImagePrefix?: string;
  /**
   * The images this host's Docker holds (REPOSITORY:TAG and REPOSITORY@DIGEST), listed by the provider when it
   * gave the cluster; empty without a Docker engine. A negative control that can run a container here (the lax
   * etcd) asks this instead of Docker, so that suites/ needs nothing of kind/.
   */
  hostImages?: string[];
  /** The article's redis StatefulSet, applied by the provider before the claims run. */
  workload: Workload;
  /** How long each preparation step took, in seconds (the key says so). */
  timings: Timings;
}

/** The preparation steps a provider times, in seconds, and how every report names them. */
export const TIMING_LABELS = {
  imageBuildSeconds: 'Node image build',
  clusterCreateSeconds: 'kind create cluster',
  apiAndNodeWaitSeconds: 'API server answering and node Ready',
  apiWaitSeconds: 'API server answering',
} as const;
export type Timings = Partial<Record<keyof typeof TIMING_LABELS, number>>;

/** The article's workload: a StatefulSet of 3 redis replicas and its headless Service, named by the run. */
/** The container of the article's redis StatefulSet, in each of its pods. */
export const WORKLOAD_CONTAINER = 'redis';

export interface Workload {
  /** `default`, as in the article, on clusters kube-claims made; the run's own namespace elsewhere. */
  namespace: string;
  /** StatefulSet and Service name; its pods are NAME-0, NAME-1, NAME-2. */
  name: string;
  replicas: number;
  image: string;
  /** Why it could not be applied, if it could not (COMP-05 reports it). */
  error?: string;
}

/** What every test of a run shares besides the cluster. */
export interface RunContext {
  runId: string;
  /** Negative controls that grant rights, move static pods or scale system components may run. */
  allowDisruption: boolean;
  /** Why disruptive controls are held back, when they are. */
  heldBackReason?: string;
  /** The run's report folder (diagnostics are written there). */
  reportDir: string;
  /**
   * Until when (epoch ms) claims about state a cluster reaches eventually (pods Ready, the workload rolled out)
   * keep observing before they judge: a cluster this run just created is still settling. Nothing else waits.
   */
  settleBy: number;
  /** Where Go module sources read from the module proxy are kept, verified and read-only (under KUBE_CLAIMS_CACHE). */
  moduleCacheDir: string;
  /**
   * What the kubeconfig's user may not do, as the preflight found before the first claim (kind/providers/preflight.ts):
   * the claims and controls that lack a right are skipped, unchecked, naming it (suites/claim.ts). Absent: not asked.
   */
  rights?: LackingRights;
  /**
   * A read-only run (--read-only, on a cluster given by --kubeconfig): nothing is written to the cluster. No lease,
   * no workload, no node shell, no leftovers removed; every claim and control that needs a write is unchecked
   * before it runs (rights.readOnlyWrites names the writes), and the reports say so.
   */
  readOnly: boolean;
}

declare module 'vitest' {
  interface ProvidedContext {
    cluster: ClusterInfo;
    run: RunContext;
    /** Facts about the cluster for the reports' environment section (kind/providers/facts.ts). */
    environment: Record<string, unknown>;
    /** The run's scheduler of what tests touch (helpers/touches.ts), where the live tests run in a pool of workers. */
    scheduler?: string;
    /** /etc/kubernetes of each control-plane node, read once when the session opened (suites/node-files.ts). */
    nodeFiles?: RunNodeFiles;
  }
}
