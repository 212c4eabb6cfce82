// Facts about the cluster under test for the reports' environment section and the version matrix:
// versions, the node image, /version's fields and what kubeadm wrote under /etc/kubernetes (names only).
import { parse } from 'yaml';
import type { ClusterInfo } from '../../contract/cluster.ts';
import { describeLine, isPreReleaseVersion, profileFor } from '../../contract/lines.ts';
import { kubeClients } from '../../helpers/kube.ts';
import { nodeExec } from '../../helpers/node.ts';
import { kubectlFact } from './kubectl.ts';

export interface EnvironmentFacts {
  cluster: string;
  provider: ClusterInfo['provider'];
  madeByKubeClaims: boolean;
  createdByThisRun: boolean;
  nodeName: string;
  /** The cluster's shape (topology, or what its nodes show) and its nodes by role. */
  shape: string;
  nodes: string;
  serverUrl: string;
  kubernetesVersion: string;
  requestedVersion?: string;
  /** The line profile the checks use for this server ("v1.38 (v1.38.0-beta.0, pre-release)"). */
  kubernetesLine: string;
  /** The server runs a Kubernetes pre-release (alpha, beta, rc): every report says so. */
  preRelease: boolean;
  etcdVersion?: string;
  nodeImage?: string;
  nodeAccess: string;
  /** Which kubectl ran, whence, and API-02's Client Version expectation (kubectl.ts kubectlFact); why that one. */
  kubectl: string;
  kubectlChoice: string;
  workload: string;
  timings: ClusterInfo['timings'];
  /** For the version matrix: what differs between Kubernetes versions. */
  versionFields?: Record<string, unknown>;
  etcKubernetes?: string[];
  adminConfFields?: string;
  /** What ended runs had left behind and this run removed. */
  leftoversRemoved?: string[];
  [key: string]: unknown;
}

function describeAccess(c: ClusterInfo): string {
  const a = c.nodeAccess;
  if (a.kind === 'docker') return `docker exec ${a.container}`;
  if (a.kind === 'pod') return `pod ${a.namespace}/${a.pod} (${a.image}) entering the node with its own nsenter`;
  return `none: ${a.reason}`;
}

function lineText(serverVersion: string): string {
  const p = profileFor(serverVersion);
  return p.exact ? describeLine(p.line) : `${describeLine(p.line)}: ${p.note}`;
}

export async function environmentFacts(c: ClusterInfo, leftoversRemoved: string[] = []): Promise<EnvironmentFacts> {
  const k = kubeClients(c.kubeconfig, c.context);
  // not judged: facts for the report's environment section, left out where they cannot be read
  const onNode = async (argv: string[]) =>
    c.nodeAccess.kind === 'none' ? undefined : await nodeExec(c, argv).catch(() => undefined);
  // Independent reads, at once.
  const [etcdPod, listing, adminConf, versionFields] = await Promise.all([
    // not judged: as above
    k.core.readNamespacedPod({ namespace: 'kube-system', name: `etcd-${c.nodeName}` }).catch(() => undefined),
    onNode(['find', '/etc/kubernetes', '-mindepth', '1', '-maxdepth', '1', '-printf', '%f %M\n']),
    onNode(['cat', '/etc/kubernetes/admin.conf']),
    // not judged: as above
    k.version.getCode().then(
      (v) => v as unknown as Record<string, unknown>,
      () => undefined,
    ),
  ]);
  let adminConfFields: string | undefined;
  try {
    // Names only: the file holds credentials.
    if (adminConf?.exitCode === 0)
      adminConfFields = Object.keys((parse(adminConf.stdout) ?? {}) as object)
        .sort()
        .join(', ');
  } catch {
    /* not YAML: left out */
  }
  return {
    cluster: c.name,
    provider: c.provider,
    madeByKubeClaims: c.madeByKubeClaims,
    createdByThisRun: c.createdByThisRun,
    nodeName: c.nodeName,
    shape: c.shape,
    nodes: c.nodes.map((n) => `${n.name} (${n.role})`).join(', '),
    serverUrl: c.server,
    kubernetesVersion: c.serverVersion,
    requestedVersion: c.requestedVersion,
    kubernetesLine: lineText(c.serverVersion),
    preRelease: isPreReleaseVersion(c.serverVersion),
    etcdVersion: etcdPod?.spec?.containers[0]?.image?.split(':').at(-1)?.replace(/-\d+$/, ''),
    nodeImage: c.nodeImage,
    nodeAccess: describeAccess(c),
    kubectl: kubectlFact(c),
    kubectlChoice: c.kubectlSource.choice,
    workload: `StatefulSet ${c.workload.namespace}/${c.workload.name} (${c.workload.image})${c.workload.error ? `: ${c.workload.error}` : ''}`,
    timings: c.timings,
    versionFields,
    etcKubernetes: listing?.exitCode === 0 ? listing.stdout.split('\n').filter(Boolean).sort() : undefined,
    adminConfFields,
    leftoversRemoved: leftoversRemoved.length ? leftoversRemoved : undefined,
  };
}
