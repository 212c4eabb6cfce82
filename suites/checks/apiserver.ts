// Checks of §3: what kubectl -v 8, /version, admin.conf, anonymous requests and kubectl proxy must show.
// Pure functions of observations; each returns the differences from the claim, worded to say what differed.
import type { V1ClusterRole, V1ClusterRoleBinding } from '@kubernetes/client-node';
import type { HttpResponse, TcpProbe } from '../../helpers/http.ts';
import { configLoadedFrom, loggedExchanges, parseKlog, type LoggedHeaders } from '../../helpers/klog.ts';
import { resolveContext, type CredentialInspection, type Kubeconfig } from '../../helpers/kubeconfig.ts';
import type { Differences } from '../differences.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));

/** Differences between two JSON values, one line per differing path ("message: expected "a", got "b""). */
export function diffJson(expected: unknown, actual: unknown, path = ''): Differences {
  const at = path || '(body)';
  if (expected && actual && typeof expected === 'object' && typeof actual === 'object' && Array.isArray(expected) === Array.isArray(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      const e = (expected as Record<string, unknown>)[k];
      const a = (actual as Record<string, unknown>)[k];
      if (!(k in (actual as object))) return [`${p}: expected ${show(e)}, absent`];
      if (!(k in (expected as object))) return [`${p}: unexpected field, ${show(a)}`];
      return diffJson(e, a, p);
    });
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [`${at}: expected ${show(expected)}, got ${show(actual)}`];
}

function parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text ?? '') };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

function header(r: HttpResponse, name: string): string | undefined {
  const v = r.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

const statusLine = (r: HttpResponse) => `${r.status}${r.statusText ? ` ${r.statusText}` : ''}`;

// ---------------------------------------------------------------------------------------------------------
// API-01: kubectl version -v 8

export interface ClientVersion {
  gitVersion: string;
  gitCommit: string;
  platform: string;
}

/** client-go's default User-Agent: "kubectl/VERSION (OS/ARCH) kubernetes/COMMIT7". */
export function expectedUserAgent(client: ClientVersion): string {
  return `kubectl/${client.gitVersion} (${client.platform}) kubernetes/${client.gitCommit.slice(0, 7)}`;
}

export interface VerboseVersionExpectation {
  /** The kubeconfig kubectl was given (or found through KUBECONFIG). */
  kubeconfig: string;
  /** https://HOST:PORT of the API server, no trailing slash. */
  server: string;
  userAgent: string;
  /** The server's /version, fetched separately: the logged response body must equal it. */
  versionBody?: unknown;
  /** UIDs of the cluster's FlowSchemas and PriorityLevelConfigurations → names; the APF headers must name one. */
  flowSchemas?: Map<string, string>;
  priorityLevels?: Map<string, string>;
}

function expectHeader(diffs: Differences, where: string, headers: LoggedHeaders | undefined, name: string, test: string | RegExp, what?: string): string | undefined {
  const value = headers?.get(name);
  const ok = value !== undefined && (typeof test === 'string' ? value === test : test.test(value));
  if (!ok) diffs.push(`${where} header ${name} is ${show(value)}, expected ${what ?? (typeof test === 'string' ? JSON.stringify(test) : test)}`);
  return ok ? value : undefined;
}

/** The stderr of `kubectl version -v 8`, against §3.1's log. */
export function checkVerboseVersionLog(stderr: string, expect: VerboseVersionExpectation): Differences {
  const diffs: Differences = [];
  const { entries } = parseKlog(stderr);
  const loaded = configLoadedFrom(entries);
  if (loaded === undefined) diffs.push('no "Config loaded from file:" line in the log');
  else if (loaded !== expect.kubeconfig) diffs.push(`config loaded from ${loaded}, expected ${expect.kubeconfig}`);

  const url = `${expect.server}/version?timeout=32s`;
  const exchanges = loggedExchanges(entries);
  const x = exchanges.find((e) => e.verb === 'GET' && e.url === url);
  if (!x) {
    const seen = exchanges.map((e) => `${e.verb} ${e.url}`).join(', ') || 'no request at all';
    diffs.push(`no GET ${url} logged (logged: ${seen})`);
    return diffs;
  }
  if (!x.requestHeaders.names().length) diffs.push('the request headers are not logged (kubectl logs them from -v 7)');
  expectHeader(diffs, 'request', x.requestHeaders, 'Accept', 'application/json, */*');
  expectHeader(diffs, 'request', x.requestHeaders, 'User-Agent', expect.userAgent);

  if (x.status !== '200 OK') diffs.push(`response status is ${show(x.status)}, expected "200 OK"`);
  if (!x.responseHeaders?.names().length) diffs.push('the response headers are not logged (kubectl logs them at -v 8)');
  const rh = x.responseHeaders;
  expectHeader(diffs, 'response', rh, 'Audit-Id', UUID, 'a UUID');
  expectHeader(diffs, 'response', rh, 'Cache-Control', 'no-cache, private');
  expectHeader(diffs, 'response', rh, 'Content-Type', 'application/json');
  const fs = expectHeader(diffs, 'response', rh, 'X-Kubernetes-Pf-Flowschema-Uid', UUID, 'a UUID');
  const pl = expectHeader(diffs, 'response', rh, 'X-Kubernetes-Pf-Prioritylevel-Uid', UUID, 'a UUID');
  if (fs && expect.flowSchemas && !expect.flowSchemas.has(fs)) diffs.push(`X-Kubernetes-Pf-Flowschema-Uid ${fs} is the UID of no FlowSchema of the cluster`);
  if (pl && expect.priorityLevels && !expect.priorityLevels.has(pl)) diffs.push(`X-Kubernetes-Pf-Prioritylevel-Uid ${pl} is the UID of no PriorityLevelConfiguration of the cluster`);

  if (expect.versionBody !== undefined) {
    if (x.responseBody === undefined) diffs.push('the response body is not logged (kubectl logs it at -v 8)');
    else {
      const body = parseJson(x.responseBody);
      if (!body.ok) diffs.push(`the logged response body is not JSON: ${body.error}`);
      else diffs.push(...diffJson(expect.versionBody, body.value, 'logged /version body').map((d) => `${d} (vs. the server's /version)`));
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------
// API-02: kubectl version

const VERSION_LINES = ['Client Version', 'Kustomize Version', 'Server Version'] as const;

/** "Client Version: v1.33.3" lines → { 'Client Version': 'v1.33.3', ... }. */
export function parseKubectlVersion(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([A-Za-z ]+ Version):\s*(\S+)\s*$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export function checkKubectlVersionOutput(stdout: string, expect: { clusterVersion: string; kustomizeVersion?: string }): Differences {
  const got = parseKubectlVersion(stdout);
  const diffs: Differences = [];
  for (const line of VERSION_LINES) if (!(line in got)) diffs.push(`no "${line}:" line`);
  for (const line of ['Client Version', 'Server Version']) {
    if (got[line] && got[line] !== expect.clusterVersion) diffs.push(`${line} is ${got[line]}, expected the cluster's ${expect.clusterVersion}`);
  }
  const kustomize = got['Kustomize Version'];
  if (kustomize && !/^v\d+\.\d+\.\d+/.test(kustomize)) diffs.push(`Kustomize Version ${kustomize} is not a vMAJOR.MINOR.PATCH version`);
  if (kustomize && expect.kustomizeVersion && kustomize !== expect.kustomizeVersion) {
    diffs.push(`Kustomize Version is ${kustomize}, expected ${expect.kustomizeVersion} (kubectl version -o json)`);
  }
  const extra = Object.keys(got).filter((k) => !(VERSION_LINES as readonly string[]).includes(k));
  if (extra.length) diffs.push(`unexpected lines: ${extra.join(', ')}`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------
// API-03: the /version body

export const VERSION_FIELDS = [
  'major', 'minor', 'emulationMajor', 'emulationMinor', 'minCompatibilityMajor', 'minCompatibilityMinor',
  'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform',
] as const;

/** Fields that /version has from Kubernetes 1.33 on (KEP-4330, compatibility versions). */
const FIELDS_SINCE_1_33 = ['emulationMajor', 'emulationMinor', 'minCompatibilityMajor', 'minCompatibilityMinor'];

export function checkVersionInfo(body: unknown, expect: { gitVersion: string; platform: string }): Differences {
  if (!body || typeof body !== 'object') return [`the /version body is not a JSON object: ${show(body)}`];
  const v = body as Record<string, unknown>;
  const diffs: Differences = [];
  const want = /^v(\d+)\.(\d+)\.(\d+)/.exec(expect.gitVersion);
  const since133 = !!want && (Number(want[1]) > 1 || Number(want[2]) >= 33);
  for (const f of VERSION_FIELDS) {
    if (v[f] === undefined && (since133 || !FIELDS_SINCE_1_33.includes(f))) diffs.push(`field ${f} is missing`);
    else if (v[f] !== undefined && typeof v[f] !== 'string') diffs.push(`field ${f} is ${show(v[f])}, not a string`);
  }
  const s = (f: string) => (typeof v[f] === 'string' ? (v[f] as string) : undefined);
  if (s('gitVersion') !== expect.gitVersion) diffs.push(`gitVersion is ${show(s('gitVersion'))}, expected the cluster's ${expect.gitVersion}`);
  const parsed = /^v(\d+)\.(\d+)\.(\d+)/.exec(s('gitVersion') ?? '');
  if (parsed) {
    const [, major, minor] = parsed;
    if (s('major') !== major) diffs.push(`major is ${show(s('major'))}, but gitVersion ${s('gitVersion')} says ${major}`);
    if (s('minor') !== minor) diffs.push(`minor is ${show(s('minor'))}, but gitVersion ${s('gitVersion')} says ${minor}`);
    if (v.emulationMajor !== undefined && s('emulationMajor') !== major) diffs.push(`emulationMajor is ${show(v.emulationMajor)}, expected the binary's major ${major}`);
    if (v.emulationMinor !== undefined && s('emulationMinor') !== minor) diffs.push(`emulationMinor is ${show(v.emulationMinor)}, expected the binary's minor ${minor}`);
    if (v.minCompatibilityMajor !== undefined && s('minCompatibilityMajor') !== major) diffs.push(`minCompatibilityMajor is ${show(v.minCompatibilityMajor)}, expected ${major}`);
    const oneLower = String(Number(minor) - 1);
    if (v.minCompatibilityMinor !== undefined && s('minCompatibilityMinor') !== oneLower) {
      diffs.push(`minCompatibilityMinor is ${show(v.minCompatibilityMinor)}, expected one minor below ${minor}: ${oneLower}`);
    }
  } else if (s('gitVersion') !== undefined) {
    diffs.push(`gitVersion ${s('gitVersion')} is not vMAJOR.MINOR.PATCH`);
  }
  if (s('gitCommit') !== undefined && !/^[0-9a-f]{40}$/.test(s('gitCommit')!)) diffs.push(`gitCommit ${s('gitCommit')} is not a 40-hex-digit commit`);
  if (s('gitTreeState') !== undefined && !['clean', 'archive'].includes(s('gitTreeState')!)) diffs.push(`gitTreeState is ${s('gitTreeState')}, expected clean (or archive for a source-archive build)`);
  const bd = s('buildDate');
  if (bd !== undefined && !(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(bd) && !Number.isNaN(Date.parse(bd)))) diffs.push(`buildDate ${bd} is not an RFC 3339 UTC time`);
  if (s('goVersion') !== undefined && !/^go\d+\.\d+(\.\d+)?/.test(s('goVersion')!)) diffs.push(`goVersion ${s('goVersion')} is not goMAJOR.MINOR[.PATCH]`);
  if (s('compiler') !== undefined && s('compiler') !== 'gc') diffs.push(`compiler is ${s('compiler')}, expected gc`);
  if (s('platform') !== undefined && s('platform') !== expect.platform) diffs.push(`platform is ${s('platform')}, expected the node's ${expect.platform}`);
  return diffs;
}

/** Two readings of /version must agree field by field. */
export function compareVersionBodies(a: unknown, b: unknown, aName: string, bName: string): Differences {
  return diffJson(a, b).map((d) => `${bName} vs. ${aName}: ${d}`);
}

// ---------------------------------------------------------------------------------------------------------
// API-04: anonymous /version

/** An anonymous GET of /version: 200 with the same body as an authenticated one. */
export function checkAnonymousVersion(anonymous: HttpResponse, authenticatedBody: unknown): Differences {
  const path = new URL(anonymous.url).pathname;
  if (anonymous.status !== 200) {
    const reason = parseJson(anonymous.body);
    const message = reason.ok && reason.value && typeof reason.value === 'object' ? (reason.value as { message?: string }).message : undefined;
    return [`anonymous GET ${path} answered ${statusLine(anonymous)}, expected 200${message ? `: ${message}` : ''}`];
  }
  const body = parseJson(anonymous.body);
  if (!body.ok) return [`anonymous GET ${path}: the body is not JSON (${body.error})`];
  return diffJson(authenticatedBody, body.value, 'anonymous body').map((d) => `${d} (vs. the authenticated /version)`);
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** system:public-info-viewer lets system:unauthenticated get /version. */
export function checkPublicInfoViewer(binding: V1ClusterRoleBinding | undefined, role: V1ClusterRole | undefined): Differences {
  const diffs: Differences = [];
  const name = 'system:public-info-viewer';
  if (!binding) diffs.push(`ClusterRoleBinding ${name} not found`);
  else {
    const ref = binding.roleRef;
    if (ref.kind !== 'ClusterRole' || ref.name !== name) diffs.push(`ClusterRoleBinding ${name} refers to ${ref.kind} ${ref.name}, expected ClusterRole ${name}`);
    const subjects = binding.subjects ?? [];
    if (!subjects.some((s) => s.kind === 'Group' && s.name === 'system:unauthenticated' && (s.apiGroup ?? RBAC_GROUP) === RBAC_GROUP)) {
      diffs.push(`ClusterRoleBinding ${name} does not bind group system:unauthenticated (subjects: ${subjects.map((s) => `${s.kind}/${s.name}`).join(', ') || 'none'})`);
    }
  }
  if (!role) diffs.push(`ClusterRole ${name} not found`);
  else {
    const allows = (role.rules ?? []).some((r) => (r.verbs.includes('get') || r.verbs.includes('*'))
      && (r.nonResourceURLs ?? []).some((u) => u === '/version' || u === '*' || u === '/version*'));
    if (!allows) {
      const rules = (role.rules ?? []).map((r) => `${r.verbs.join(',')} on ${(r.nonResourceURLs ?? r.resources ?? []).join(',')}`).join('; ');
      diffs.push(`ClusterRole ${name} does not allow get on the non-resource URL /version (rules: ${rules || 'none'})`);
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------
// API-05, API-06, API-07: the kubeconfigs under /etc/kubernetes

export interface AdminConfExpectation {
  clusterName: string;
  contextName: string;
  userName: string;
  server: string;
}

/**
 * What kubeadm writes into admin.conf: cluster named by ClusterConfiguration.clusterName ("kubernetes" unless
 * set; kind sets it to its cluster's name), user kubernetes-admin, context USER@CLUSTER, and as server the
 * controlPlaneEndpoint when there is one, else the API server's advertise address (the node's InternalIP) on 6443.
 */
export function expectedAdminConf(clusterConfiguration: { clusterName?: string; controlPlaneEndpoint?: string }, advertiseAddress: string): AdminConfExpectation {
  const clusterName = clusterConfiguration.clusterName || 'kubernetes';
  const userName = 'kubernetes-admin';
  const host = advertiseAddress.includes(':') ? `[${advertiseAddress}]` : advertiseAddress;
  const endpoint = clusterConfiguration.controlPlaneEndpoint || `${host}:6443`;
  return { clusterName, userName, contextName: `${userName}@${clusterName}`, server: `https://${endpoint}` };
}

/** A kubeconfig of the shape §3.2 shows: one cluster, one context, one user, the current context resolving. */
export function checkKubeconfigShape(kc: Kubeconfig, file: string): Differences {
  const diffs: Differences = [];
  if (kc.apiVersion !== 'v1') diffs.push(`${file}: apiVersion is ${show(kc.apiVersion)}, expected "v1"`);
  if (kc.kind !== 'Config') diffs.push(`${file}: kind is ${show(kc.kind)}, expected "Config"`);
  // `preferences: {}` (shown in the article) is written by kubeadm 1.33 but omitted from 1.34 on (seen on
  // these builds). The version matrix records it; it is not part of the structure claimed here.
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
  const diffs = checkKubeconfigShape(kc, 'admin.conf');
  const cluster = kc.clusters?.[0];
  const context = kc.contexts?.[0];
  const user = kc.users?.[0];
  if (cluster?.name !== expect.clusterName) diffs.push(`cluster is named ${show(cluster?.name)}, expected "${expect.clusterName}"`);
  if (cluster?.cluster?.server !== expect.server) diffs.push(`server is ${show(cluster?.cluster?.server)}, expected "${expect.server}"`);
  const server = URL.canParse(cluster?.cluster?.server ?? '') ? new URL(cluster!.cluster.server!) : undefined;
  if (server && (server.protocol !== 'https:' || server.port !== '6443')) diffs.push(`server ${server.origin} is not https on port 6443`);
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

/** The server host of admin.conf, resolved on the node, is the node's own address. */
export function checkServerIsNode(server: string, resolved: string[], nodeAddresses: string[]): Differences {
  const host = URL.canParse(server) ? new URL(server).hostname.replace(/^\[|\]$/g, '') : server;
  if (!resolved.length) return [`the server host ${host} does not resolve on the node`];
  return resolved.some((a) => nodeAddresses.includes(a))
    ? []
    : [`the server host ${host} resolves on the node to ${resolved.join(', ')}, not to the node's address (${nodeAddresses.join(', ')})`];
}

export interface AdminCredentialExpectation {
  commonName: string;
  organization: string;
  /** SHA-256 fingerprint of /etc/kubernetes/pki/ca.crt: admin.conf's CA must be the cluster CA. */
  clusterCaFingerprint?: string;
}

/** kubeadm issues kubernetes-admin in kubeadm:cluster-admins from 1.29 on (system:masters before). */
export function adminOrganization(serverMinor: number): string {
  return serverMinor >= 29 ? 'kubeadm:cluster-admins' : 'system:masters';
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
 * /etc/kubernetes as §3.2 lists it: the five kubeconfigs, regular files of mode 600 with the kubeconfig
 * structure, and the directories manifests/ and pki/. `root` is the folder the entries were stat'ed in.
 */
export function checkEtcKubernetes(root: string, stats: StatEntry[], kubeconfigs: Record<string, Kubeconfig | Error>): Differences {
  const diffs: Differences = [];
  const byName = new Map(stats.map((s) => [s.path.replace(`${root.replace(/\/$/, '')}/`, ''), s]));
  for (const name of ETC_KUBERNETES_KUBECONFIGS) {
    const s = byName.get(name);
    if (!s) { diffs.push(`${name} missing`); continue; }
    if (!s.type.startsWith('regular')) diffs.push(`${name} is a ${s.type}, expected a regular file`);
    if (s.mode !== '600') diffs.push(`${name} has mode ${s.mode}, expected 600 (-rw-------)`);
    const kc = kubeconfigs[name];
    if (kc instanceof Error) diffs.push(`${name} is not a kubeconfig: ${kc.message}`);
    else if (kc) diffs.push(...checkKubeconfigShape(kc, name));
  }
  for (const name of ETC_KUBERNETES_DIRS) {
    const s = byName.get(name);
    if (!s) diffs.push(`${name}/ missing`);
    else if (s.type !== 'directory') diffs.push(`${name} is a ${s.type}, expected a directory`);
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------
// API-08, API-09, API-10: the pod list, anonymous, with credentials, through kubectl proxy

/** The Status the API server answers when `user` may not list pods in `namespace` (§3.3, anchors). */
export function forbiddenPodListStatus(namespace: string, user = 'system:anonymous') {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "${namespace}"`,
    reason: 'Forbidden',
    details: { kind: 'pods' },
    code: 403,
  };
}

export function checkAnonymousPodListForbidden(r: HttpResponse, namespace: string): Differences {
  const diffs: Differences = [];
  if (r.status !== 403) diffs.push(`expected 403, got ${statusLine(r)}`);
  const type = header(r, 'content-type');
  if (type !== 'application/json') diffs.push(`Content-Type is ${show(type)}, expected "application/json"`);
  const body = parseJson(r.body);
  if (!body.ok) return [...diffs, `the body is not JSON (${body.error}): ${r.body.slice(0, 200)}`];
  const kind = body.value && typeof body.value === 'object' ? (body.value as { kind?: unknown }).kind : undefined;
  if (kind !== 'Status') return [...diffs, `the body is ${kind ? `a ${kind}` : 'no Kubernetes object'}, not a Status`];
  const expected = forbiddenPodListStatus(namespace);
  const fields = diffJson(expected, body.value);
  diffs.push(...fields.map((d) => `Status ${d}`));
  if (!fields.length && body.value && typeof body.value === 'object' && Object.keys(body.value).join() !== Object.keys(expected).join()) {
    diffs.push(`Status fields come in the order ${Object.keys(body.value).join(', ')}, expected ${Object.keys(expected).join(', ')}`);
  }
  return diffs;
}

/** A 200 with a PodList carrying metadata.resourceVersion (what §3.3 shows through kubectl proxy). */
export function checkPodListResponse(r: HttpResponse, via: string, namespace = 'default'): Differences {
  const diffs: Differences = [];
  const body = parseJson(r.body);
  const value = body.ok && body.value && typeof body.value === 'object' ? (body.value as Record<string, unknown>) : undefined;
  if (r.status !== 200) {
    const what = value?.kind === 'Status' ? `: ${value.message}` : '';
    return [`${via}: expected 200, got ${statusLine(r)}${what}`];
  }
  const type = header(r, 'content-type');
  if (type !== 'application/json') diffs.push(`${via}: Content-Type is ${show(type)}, expected "application/json"`);
  if (!value) return [...diffs, `${via}: the body is not a JSON object`];
  if (value.kind !== 'PodList') diffs.push(`${via}: kind is ${show(value.kind)}, expected "PodList"`);
  if (value.apiVersion !== 'v1') diffs.push(`${via}: apiVersion is ${show(value.apiVersion)}, expected "v1"`);
  const rv = (value.metadata as { resourceVersion?: unknown } | undefined)?.resourceVersion;
  if (typeof rv !== 'string' || !/^\d+$/.test(rv)) diffs.push(`${via}: metadata.resourceVersion is ${show(rv)}, expected a decimal string`);
  if (!Array.isArray(value.items)) diffs.push(`${via}: items is ${show(value.items)}, expected a list`);
  else {
    const elsewhere = (value.items as Array<{ metadata?: { namespace?: string; name?: string } }>).filter((p) => p.metadata?.namespace !== namespace);
    if (elsewhere.length) diffs.push(`${via}: pods of other namespaces listed: ${elsewhere.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).join(', ')}`);
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------
// API-10, API-11: kubectl proxy

export function checkProxyBanner(output: string, expectHost: string, port: number): Differences {
  const line = output.split('\n').find((l) => l.includes('Starting to serve on'));
  const want = `Starting to serve on ${expectHost}:${port}`;
  if (!line) return [`kubectl proxy printed no "Starting to serve on" line (output: ${show(output.trim().slice(0, 300))})`];
  return line.trim() === want ? [] : [`kubectl proxy printed ${show(line.trim())}, expected ${show(want)}`];
}

/** The proxy answers on its loopback address, and every other address refuses the connection. */
export function checkLoopbackOnly(own: TcpProbe, others: TcpProbe[]): Differences {
  const diffs: Differences = [];
  if (own.outcome !== 'connected') diffs.push(`the proxy itself is not reachable on ${own.host}:${own.port} (${own.outcome}${own.code ? ` ${own.code}` : ''}), so nothing can be judged`);
  for (const p of others) {
    if (p.outcome === 'connected') diffs.push(`${p.host}:${p.port} accepted a connection: the proxy listens beyond loopback`);
    else if (p.outcome !== 'refused') diffs.push(`${p.host}:${p.port}: ${p.outcome}${p.code ? ` (${p.code})` : ''}, expected the connection to be refused (ECONNREFUSED)`);
  }
  return diffs;
}
