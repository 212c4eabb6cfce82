// Checks of §3.2: what /etc/kubernetes/admin.conf and its neighbours must hold.
// Pure functions of observations; each returns the differences from the claim, worded to say what differed.
import { resolveContext, type CredentialInspection, type Kubeconfig } from '../../../helpers/kubeconfig.ts';
import type { Differences } from '../../differences.ts';
import { diffJson, show } from './common.ts';

// ---------------------------------------------------------------------------------------------------------
// API-05, API-06, API-07: the kubeconfigs under /etc/kubernetes

export interface AdminConfExpectation {
  /** Whether kubeadm of this line writes `preferences: {}` (contract/lines.ts kubeconfigPreferences). */
  preferences?: boolean;
  clusterName: string;
  contextName: string;
  userName: string;
  server: string;
  /** The port of `server`: the controlPlaneEndpoint's, else the API server's --secure-port. */
  port: string;
}

/**
 * What kubeadm writes into admin.conf: cluster named by ClusterConfiguration.clusterName ("kubernetes" unless
 * set; kind sets it to its cluster's name), user kubernetes-admin, context USER@CLUSTER, and as server the
 * controlPlaneEndpoint when there is one (on kind, NAME-control-plane:6443; on HA, the load balancer), else the API
 * server's advertise address on its --secure-port (kubeadm's default bind port 6443 unless configured).
 */
export function expectedAdminConf(clusterConfiguration: { clusterName?: string; controlPlaneEndpoint?: string }, advertiseAddress: string, securePort: string): AdminConfExpectation {
  const clusterName = clusterConfiguration.clusterName || 'kubernetes';
  const userName = 'kubernetes-admin';
  const host = advertiseAddress.includes(':') ? `[${advertiseAddress}]` : advertiseAddress;
  const endpoint = clusterConfiguration.controlPlaneEndpoint || `${host}:${securePort}`;
  const port = URL.canParse(`https://${endpoint}`) ? new URL(`https://${endpoint}`).port || '443' : securePort;
  return { clusterName, userName, contextName: `${userName}@${clusterName}`, server: `https://${endpoint}`, port };
}

/**
 * A kubeconfig of the shape §3.2 shows: one cluster, one context, one user, the current context resolving;
 * `preferences: {}` (the article's, from kubeadm 1.33) where the line's profile says kubeadm writes it.
 */
export function checkKubeconfigShape(kc: Kubeconfig, file: string, preferences?: boolean): Differences {
  const diffs: Differences = [];
  if (kc.apiVersion !== 'v1') diffs.push(`${file}: apiVersion is ${show(kc.apiVersion)}, expected "v1"`);
  if (kc.kind !== 'Config') diffs.push(`${file}: kind is ${show(kc.kind)}, expected "Config"`);
  if (preferences === true && !('preferences' in kc)) diffs.push(`${file}: no "preferences: {}", which kubeadm of this line writes`);
  if (preferences === false && 'preferences' in kc) diffs.push(`${file}: has "preferences", which kubeadm of this line no longer writes`);
  for (const list of ['clusters', 'contexts', 'users'] as const) {
    const items = kc[list];
    if (!Array.isArray(items) || items.length !== 1) diffs.push(`${file}: ${list} has ${Array.isArray(items) ? items.length : 'no'} entries, expected 1`);
  }
  try {
    resolveContext(kc);
  } catch (e) {
    diffs.push(`${file}: ${(e as Error).message}`);
  }
  return diffs;
}

export function checkAdminConf(kc: Kubeconfig, expect: AdminConfExpectation): Differences {
  const diffs = checkKubeconfigShape(kc, 'admin.conf', expect.preferences);
  const cluster = kc.clusters?.[0];
  const context = kc.contexts?.[0];
  const user = kc.users?.[0];
  if (cluster?.name !== expect.clusterName) diffs.push(`cluster is named ${show(cluster?.name)}, expected "${expect.clusterName}"`);
  if (cluster?.cluster?.server !== expect.server) diffs.push(`server is ${show(cluster?.cluster?.server)}, expected "${expect.server}"`);
  const server = URL.canParse(cluster?.cluster?.server ?? '') ? new URL(cluster!.cluster.server!) : undefined;
  if (server && (server.protocol !== 'https:' || server.port !== expect.port)) diffs.push(`server ${server.origin} is not https on port ${expect.port}`);
  if (!cluster?.cluster?.['certificate-authority-data']) diffs.push('the cluster has no certificate-authority-data');
  if (context?.name !== expect.contextName) diffs.push(`context is named ${show(context?.name)}, expected "${expect.contextName}"`);
  if (context?.context?.cluster !== expect.clusterName) diffs.push(`the context's cluster is ${show(context?.context?.cluster)}, expected "${expect.clusterName}"`);
  if (context?.context?.user !== expect.userName) diffs.push(`the context's user is ${show(context?.context?.user)}, expected "${expect.userName}"`);
  if (kc['current-context'] !== expect.contextName) diffs.push(`current-context is ${show(kc['current-context'])}, expected "${expect.contextName}"`);
  if (user?.name !== expect.userName) diffs.push(`user is named ${show(user?.name)}, expected "${expect.userName}"`);
  for (const f of ['client-certificate-data', 'client-key-data'] as const) if (!user?.user?.[f]) diffs.push(`the user has no ${f}`);
  return diffs;
}

/** The same file as @kubernetes/client-node's KubeConfig reads it. */
export interface ClientNodeView {
  clusters: Array<{ name: string; server: string }>;
  contexts: Array<{ name: string; cluster: string; user: string }>;
  users: Array<{ name: string }>;
  currentContext: string;
}

export function compareWithClientNode(kc: Kubeconfig, view: ClientNodeView): Differences {
  const ours: ClientNodeView = {
    clusters: (kc.clusters ?? []).map((c) => ({ name: c.name, server: c.cluster?.server ?? '' })),
    contexts: (kc.contexts ?? []).map((c) => ({ name: c.name, cluster: c.context?.cluster ?? '', user: c.context?.user ?? '' })),
    users: (kc.users ?? []).map((u) => ({ name: u.name })),
    currentContext: kc['current-context'] ?? '',
  };
  return diffJson(ours, view).map((d) => `@kubernetes/client-node reads ${d}`);
}

/** What admin.conf's server must resolve to: a node of a one-control-plane cluster, or what fronts several. */
export interface EndpointExpectation {
  /** InternalIPs of the control-plane nodes. */
  controlPlaneAddresses: string[];
  /** InternalIPs of every node. */
  nodeAddresses: string[];
  /** The load balancer's addresses, where the configuration knows it (kind: its NAME-external-load-balancer container). */
  loadBalancerAddresses?: string[];
}

/**
 * The server host of admin.conf, resolved on the node: with one control plane, that node's own address (the
 * article's); with several, not one node's but what fronts them all — kind's load balancer where known, else
 * an address that is no node's (a load balancer or a virtual IP).
 */
export function checkServerIsEndpoint(server: string, resolved: string[], expect: EndpointExpectation): Differences {
  const host = URL.canParse(server) ? new URL(server).hostname.replace(/^\[|\]$/g, '') : server;
  if (!resolved.length) return [`the server host ${host} does not resolve on the node`];
  if (expect.controlPlaneAddresses.length <= 1) {
    return resolved.some((a) => expect.controlPlaneAddresses.includes(a))
      ? []
      : [`the server host ${host} resolves on the node to ${resolved.join(', ')}, not to the control-plane node's address (${expect.controlPlaneAddresses.join(', ')})`];
  }
  if (expect.loadBalancerAddresses) {
    return resolved.some((a) => expect.loadBalancerAddresses!.includes(a))
      ? []
      : [`the server host ${host} resolves on the node to ${resolved.join(', ')}, not to the load balancer in front of the ${expect.controlPlaneAddresses.length} control planes (${expect.loadBalancerAddresses.join(', ')})`];
  }
  return resolved.some((a) => expect.nodeAddresses.includes(a))
    ? [`the server host ${host} resolves on the node to ${resolved.join(', ')}, a node's own address: with ${expect.controlPlaneAddresses.length} control planes it should be what fronts them all`]
    : [];
}

export interface AdminCredentialExpectation {
  commonName: string;
  organization: string;
  /** SHA-256 fingerprint of /etc/kubernetes/pki/ca.crt: admin.conf's CA must be the cluster CA. */
  clusterCaFingerprint?: string;
}

export function checkAdminCredentials(insp: CredentialInspection, expect: AdminCredentialExpectation): Differences {
  const diffs: Differences = insp.errors.map((e) => `${e} (does not parse)`);
  if (!insp.ca && !insp.errors.some((e) => e.startsWith('CA'))) diffs.push('no certificate-authority-data');
  if (!insp.cert && !insp.errors.some((e) => e.startsWith('client certificate'))) diffs.push('no client-certificate-data');
  if (insp.keyType === undefined && !insp.errors.some((e) => e.startsWith('client key'))) diffs.push('no client-key-data');
  if (insp.ca && !insp.ca.isCA) diffs.push('certificate-authority-data is not a CA certificate (basicConstraints CA:FALSE)');
  if (insp.ca && expect.clusterCaFingerprint && insp.ca.fingerprint256 !== expect.clusterCaFingerprint) {
    diffs.push(`certificate-authority-data is not the cluster CA /etc/kubernetes/pki/ca.crt (fingerprint ${insp.ca.fingerprint256}, expected ${expect.clusterCaFingerprint})`);
  }
  if (insp.keyMatchesCertificate === false) diffs.push('client-key-data does not match the client certificate: its public key differs from the certificate\'s');
  if (insp.certificateSignedByCa === false) {
    diffs.push(`the client certificate (issuer ${JSON.stringify(insp.cert?.issuer)}) is not signed by certificate-authority-data (subject ${JSON.stringify(insp.ca?.subject)})`);
  }
  if (insp.certificateValidNow === false) diffs.push(`the client certificate is not valid now (valid ${insp.cert?.validFrom} to ${insp.cert?.validTo})`);
  if (insp.cert) {
    const cn = insp.cert.subject.CN ?? [];
    const o = insp.cert.subject.O ?? [];
    if (cn.length !== 1 || cn[0] !== expect.commonName) diffs.push(`the client certificate's CN is ${show(cn)}, expected ["${expect.commonName}"]`);
    if (!o.includes(expect.organization)) diffs.push(`the client certificate's O is ${show(o)}, expected to include "${expect.organization}"`);
  }
  return diffs;
}

export interface StatEntry {
  path: string;
  /** Octal permission bits as stat %a prints them: "600". */
  mode: string;
  /** stat %F: "regular file", "directory", ... */
  type: string;
}

/** Lines of `stat -c '%a|%F|%n' ...`. */
export function parseStat(stdout: string): StatEntry[] {
  return stdout.split('\n').filter((l) => l.trim()).map((l) => {
    const [mode, type, ...path] = l.split('|');
    return { mode: mode ?? '', type: type ?? '', path: path.join('|') };
  });
}

export const ETC_KUBERNETES_KUBECONFIGS = ['admin.conf', 'controller-manager.conf', 'kubelet.conf', 'scheduler.conf', 'super-admin.conf'] as const;
export const ETC_KUBERNETES_DIRS = ['manifests', 'pki'] as const;

/**
 * Where kubeadm writes super-admin.conf: on the node that ran `kubeadm init` only (`kubeadm join --control-plane`
 * writes admin.conf, controller-manager.conf, scheduler.conf and kubelet.conf). `either` where nothing
 * independent says which node ran init (the caller then counts the nodes that have it).
 */
export type SuperAdminExpectation = 'present' | 'absent' | 'either';

/**
 * /etc/kubernetes as §3.2 lists it: the kubeconfigs, regular files of mode 600 with the kubeconfig structure
 * (super-admin.conf as `superAdmin` says), and the directories manifests/ and pki/. `root` is the folder the
 * entries were stat'ed in.
 */
export function checkEtcKubernetes(root: string, stats: StatEntry[], kubeconfigs: Record<string, Kubeconfig | Error>, preferences?: boolean, superAdmin: SuperAdminExpectation = 'present'): Differences {
  const diffs: Differences = [];
  const byName = new Map(stats.map((s) => [s.path.replace(`${root.replace(/\/$/, '')}/`, ''), s]));
  for (const name of ETC_KUBERNETES_KUBECONFIGS) {
    const s = byName.get(name);
    if (name === 'super-admin.conf' && superAdmin !== 'present') {
      if (s && superAdmin === 'absent') diffs.push('super-admin.conf is present on a node that joined the control plane (kubeadm writes it on the init node only)');
      if (!s) continue;
    }
    if (!s) { diffs.push(`${name} missing`); continue; }
    if (!s.type.startsWith('regular')) diffs.push(`${name} is a ${s.type}, expected a regular file`);
    if (s.mode !== '600') diffs.push(`${name} has mode ${s.mode}, expected 600 (-rw-------)`);
    const kc = kubeconfigs[name];
    if (kc instanceof Error) diffs.push(`${name} is not a kubeconfig: ${kc.message}`);
    else if (kc) diffs.push(...checkKubeconfigShape(kc, name, preferences));
  }
  for (const name of ETC_KUBERNETES_DIRS) {
    const s = byName.get(name);
    if (!s) diffs.push(`${name}/ missing`);
    else if (s.type !== 'directory') diffs.push(`${name} is a ${s.type}, expected a directory`);
  }
  return diffs;
}

