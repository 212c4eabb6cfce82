// Checks of §3.1: what kubectl version (-v 8), /version and anonymous /version must show.
// Pure functions of observations; each returns the differences from the claim, worded to say what differed.
import type { V1ClusterRole, V1ClusterRoleBinding } from '@kubernetes/client-node';
import type { HttpResponse } from '../../../helpers/http.ts';
import { configLoadedFrom, loggedExchanges, parseKlog, type LoggedHeaders } from '../../../helpers/klog.ts';
import type { Differences } from '../../differences.ts';
import { diffJson, parseJson, show, statusLine } from './common.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---------------------------------------------------------------------------------------------------------
// API-01: kubectl version -v 8

export interface ClientVersion {
  gitVersion: string;
  gitCommit: string;
  platform: string;
}

/** client-go's default User-Agent: "kubectl/VERSION (OS/ARCH) kubernetes/COMMIT7". */
export function expectedUserAgent(client: ClientVersion): string {
  // client-go's adjustCommit: seven digits, or "unknown" for a build that states no commit.
  return `kubectl/${client.gitVersion} (${client.platform}) kubernetes/${client.gitCommit ? client.gitCommit.slice(0, 7) : 'unknown'}`;
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

/** `clusterVersion`: the version the configuration asked for. */
export function checkKubectlVersionOutput(stdout: string, expect: { clusterVersion: string; kustomizeVersion?: string }): Differences {
  const got = parseKubectlVersion(stdout);
  const diffs: Differences = [];
  for (const line of VERSION_LINES) if (!(line in got)) diffs.push(`no "${line}:" line`);
  for (const line of ['Client Version', 'Server Version']) {
    if (got[line] && got[line] !== expect.clusterVersion) diffs.push(`${line} is ${got[line]}, but ${expect.clusterVersion} was asked for`);
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

/** Fields of compatibility versions (KEP-4330): present from 1.33 on (contract/lines.ts versionCompatibilityFields). */
const COMPATIBILITY_FIELDS = ['emulationMajor', 'emulationMinor', 'minCompatibilityMajor', 'minCompatibilityMinor'];

export interface VersionInfoExpectation {
  /** The version the configuration asked for. */
  gitVersion: string;
  platform: string;
  /** The release commit of gitVersion, where kube-claims knows it (contract/lines.ts releaseCommit). */
  releaseCommit?: string;
  compatibilityFields: boolean;
}

export function checkVersionInfo(body: unknown, expect: VersionInfoExpectation): Differences {
  if (!body || typeof body !== 'object') return [`the /version body is not a JSON object: ${show(body)}`];
  const v = body as Record<string, unknown>;
  const diffs: Differences = [];
  for (const f of VERSION_FIELDS) {
    if (v[f] === undefined && (expect.compatibilityFields || !COMPATIBILITY_FIELDS.includes(f))) diffs.push(`field ${f} is missing`);
    else if (v[f] !== undefined && typeof v[f] !== 'string') diffs.push(`field ${f} is ${show(v[f])}, not a string`);
  }
  const s = (f: string) => (typeof v[f] === 'string' ? (v[f] as string) : undefined);
  if (s('gitVersion') !== expect.gitVersion) diffs.push(`gitVersion is ${show(s('gitVersion'))}, but ${expect.gitVersion} was asked for`);
  const parsed = /^v(\d+)\.(\d+)\.(\d+)(-[^+]+)?/.exec(s('gitVersion') ?? '');
  if (parsed) {
    const [, major, minor, , preRelease] = parsed;
    // hack/lib/version.sh: a pre-release's minor carries "+" (v1.38.0-beta.0 says minor "38+"); emulationMinor does not.
    const minorField = `${minor}${preRelease ? '+' : ''}`;
    if (s('major') !== major) diffs.push(`major is ${show(s('major'))}, but gitVersion ${s('gitVersion')} says ${major}`);
    if (s('minor') !== minorField) diffs.push(`minor is ${show(s('minor'))}, but gitVersion ${s('gitVersion')} says ${minorField}`);
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
  const commit = s('gitCommit');
  if (expect.releaseCommit && s('gitVersion') === expect.gitVersion) {
    if (commit !== expect.releaseCommit) diffs.push(`gitCommit is ${show(commit)}, but ${expect.gitVersion} was released from ${expect.releaseCommit}`);
  } else if (commit !== undefined && !/^[0-9a-f]{40}$/.test(commit) && !(commit === '' && s('gitTreeState') === 'archive')) {
    // A source-archive build that states it has no commit says gitCommit "" with gitTreeState archive.
    diffs.push(`gitCommit ${show(commit)} is not a 40-hex-digit commit`);
  }
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

