// Checks of §3.1: what kubectl version (-v 8), /version and anonymous /version must show.
// Pure functions of observations; each returns the differences from the claim, worded to say what differed.
import type { V1ClusterRole, V1ClusterRoleBinding } from '@kubernetes/client-node';
import type { HttpResponse } from '../../../helpers/http.ts';
import { configLoadedFrom, loggedExchanges, parseKlog, type LoggedHeaders } from '../../../helpers/klog.ts';
import { finding, type Differences } from '../../differences.ts';
import { diffJson, parseJson, show, statusLine } from './common.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// ---------------------------------------------------------------------------------------------------------
// API-01: kubectl version -v 8

/**
 * client-go's default User-Agent (rest.DefaultKubernetesUserAgent): "COMMAND/VERSION (OS/ARCH) kubernetes/COMMIT7",
 * with adjustCommand (the binary's base name), adjustVersion (the version up to a "-") and adjustCommit (seven
 * digits, or "unknown" for a build that states no commit).
 */
export function expectedUserAgent(client: {
  command: string;
  version: string;
  platform: string;
  commit?: string;
}): string {
  return `${client.command}/${client.version.split('-')[0]} (${client.platform}) kubernetes/${client.commit ? client.commit.slice(0, 7) : 'unknown'}`;
}

export interface VerboseVersionExpectation {
  /** The kubeconfig kubectl loads by client-go's loading rules (helpers/kubeconfig.ts kubeconfigFilesLoaded). */
  kubeconfig: string;
  /**
   * The server the file kubectl says it loaded names for the context used, read from that file after the run:
   * the request must go there.
   */
  serverOfLoadedFile?: string;
  /** https://HOST:PORT of the API server, no trailing slash. */
  server: string;
  userAgent: string;
  /** The server's /version, fetched separately: the logged response body must equal it. */
  versionBody?: unknown;
  /** UIDs of the cluster's FlowSchemas and PriorityLevelConfigurations → names; the APF headers must name one. */
  flowSchemas?: Map<string, string>;
  priorityLevels?: Map<string, string>;
}

function expectHeader(
  diffs: Differences,
  where: 'request' | 'response',
  headers: LoggedHeaders | undefined,
  name: string,
  test: string | RegExp,
  what?: string,
): string | undefined {
  const value = headers?.get(name);
  const ok = value !== undefined && (typeof test === 'string' ? value === test : test.test(value));
  if (!ok)
    diffs.push(
      finding(
        `${where}-header`,
        `${where} header ${name} is ${show(value)}, expected ${what ?? (typeof test === 'string' ? JSON.stringify(test) : test)}`,
        {
          expected: `${name}: ${what ?? (typeof test === 'string' ? test : String(test))}`,
          actual: `${name}: ${value ?? 'absent'}`,
        },
      ),
    );
  return ok ? value : undefined;
}

/** The stderr of `kubectl version -v 8`, against §3.1's log. */
export function checkVerboseVersionLog(stderr: string, expect: VerboseVersionExpectation): Differences {
  const diffs: Differences = [];
  const { entries } = parseKlog(stderr);
  const loaded = configLoadedFrom(entries);
  if (loaded === undefined)
    diffs.push(
      finding('config-loaded', 'no "Config loaded from file:" line in the log', {
        expected: expect.kubeconfig,
        actual: 'absent',
      }),
    );
  else if (loaded !== expect.kubeconfig)
    diffs.push(
      finding('config-loaded', `config loaded from ${loaded}, expected ${expect.kubeconfig}`, {
        expected: expect.kubeconfig,
        actual: loaded,
      }),
    );
  if (
    loaded !== undefined &&
    expect.serverOfLoadedFile !== undefined &&
    expect.serverOfLoadedFile.replace(/\/+$/, '') !== expect.server
  ) {
    diffs.push(
      finding(
        'loaded-file-server',
        `the loaded file ${loaded} names server ${expect.serverOfLoadedFile}, but kubectl was to ask ${expect.server}`,
        { expected: expect.server, actual: expect.serverOfLoadedFile },
      ),
    );
  }

  const url = `${expect.server}/version?timeout=32s`;
  const exchanges = loggedExchanges(entries);
  const x = exchanges.find((e) => e.verb === 'GET' && e.url === url);
  if (!x) {
    const seen = exchanges.map((e) => `${e.verb} ${e.url}`).join(', ') || 'no request at all';
    diffs.push(
      finding('version-request', `no GET ${url} logged (logged: ${seen})`, { expected: `GET ${url}`, actual: seen }),
    );
    return diffs;
  }
  if (!x.requestHeaders.names().length)
    diffs.push(finding('request-headers-logged', 'the request headers are not logged (kubectl logs them from -v 7)'));
  expectHeader(diffs, 'request', x.requestHeaders, 'Accept', 'application/json, */*');
  expectHeader(diffs, 'request', x.requestHeaders, 'User-Agent', expect.userAgent);

  if (x.status !== '200 OK')
    diffs.push(
      finding('response-status', `response status is ${show(x.status)}, expected "200 OK"`, {
        expected: '200 OK',
        actual: x.status ?? 'absent',
      }),
    );
  if (!x.responseHeaders?.names().length)
    diffs.push(finding('response-headers-logged', 'the response headers are not logged (kubectl logs them at -v 8)'));
  const rh = x.responseHeaders;
  expectHeader(diffs, 'response', rh, 'Audit-Id', UUID, 'a UUID');
  expectHeader(diffs, 'response', rh, 'Cache-Control', 'no-cache, private');
  expectHeader(diffs, 'response', rh, 'Content-Type', 'application/json');
  const fs = expectHeader(diffs, 'response', rh, 'X-Kubernetes-Pf-Flowschema-Uid', UUID, 'a UUID');
  const pl = expectHeader(diffs, 'response', rh, 'X-Kubernetes-Pf-Prioritylevel-Uid', UUID, 'a UUID');
  if (fs && expect.flowSchemas && !expect.flowSchemas.has(fs))
    diffs.push(
      finding('flowschema-uid', `X-Kubernetes-Pf-Flowschema-Uid ${fs} is the UID of no FlowSchema of the cluster`, {
        expected: 'the UID of a FlowSchema',
        actual: fs,
      }),
    );
  if (pl && expect.priorityLevels && !expect.priorityLevels.has(pl))
    diffs.push(
      finding(
        'prioritylevel-uid',
        `X-Kubernetes-Pf-Prioritylevel-Uid ${pl} is the UID of no PriorityLevelConfiguration of the cluster`,
        { expected: 'the UID of a PriorityLevelConfiguration', actual: pl },
      ),
    );

  if (expect.versionBody !== undefined) {
    if (x.responseBody === undefined)
      diffs.push(finding('response-body-logged', 'the response body is not logged (kubectl logs it at -v 8)'));
    else {
      const body = parseJson(x.responseBody);
      if (!body.ok)
        diffs.push(
          finding('response-body-json', `the logged response body is not JSON: ${body.error}`, {
            expected: 'JSON',
            actual: body.error,
          }),
        );
      else
        diffs.push(
          ...diffJson(expect.versionBody, body.value, 'logged /version body').map((d) => ({
            ...d,
            message: `${d.message} (vs. the server's /version)`,
          })),
        );
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

export interface KubectlVersionExpectation {
  /** The version the configuration asked the cluster to run. */
  serverVersion: string;
  /**
   * ClusterInfo.kubectlVersion: the release kube-claims built kubectl for, or what a kubectl it did not build reported
   * of itself.
   */
  clientVersion: string;
  /** Whence clientVersion: kube-claims' build (default), or the kubectl's own report when it was chosen. */
  clientVersionFrom?: 'build' | 'self-report';
  /** The kustomize release kubectl's go.mod pins. */
  kustomizeVersion?: string;
}

export function checkKubectlVersionOutput(stdout: string, expect: KubectlVersionExpectation): Differences {
  const got = parseKubectlVersion(stdout);
  const diffs: Differences = [];
  for (const line of VERSION_LINES)
    if (!(line in got)) diffs.push(finding('version-line', `no "${line}:" line`, { expected: line, actual: 'absent' }));
  const client = got['Client Version'];
  if (client && client !== expect.clientVersion) {
    const why =
      expect.clientVersionFrom === 'self-report'
        ? `kubectl reported ${expect.clientVersion} of itself when it was chosen (kubectl version -o json)`
        : `kubectl was built for ${expect.clientVersion}`;
    diffs.push(
      finding('client-version', `Client Version is ${client}, but ${why}`, {
        expected: expect.clientVersion,
        actual: client,
      }),
    );
  }
  const server = got['Server Version'];
  if (server && server !== expect.serverVersion)
    diffs.push(
      finding('server-version', `Server Version is ${server}, but ${expect.serverVersion} was asked for`, {
        expected: expect.serverVersion,
        actual: server,
      }),
    );
  const kustomize = got['Kustomize Version'];
  if (kustomize && !/^v\d+\.\d+\.\d+/.test(kustomize))
    diffs.push(
      finding('kustomize-version-format', `Kustomize Version ${kustomize} is not a vMAJOR.MINOR.PATCH version`, {
        expected: 'vMAJOR.MINOR.PATCH',
        actual: kustomize,
      }),
    );
  if (kustomize && expect.kustomizeVersion && kustomize !== expect.kustomizeVersion) {
    diffs.push(
      finding(
        'kustomize-version',
        `Kustomize Version is ${kustomize}, but kubectl's go.mod pins ${expect.kustomizeVersion}`,
        { expected: expect.kustomizeVersion, actual: kustomize },
      ),
    );
  }
  const extra = Object.keys(got).filter((k) => !(VERSION_LINES as readonly string[]).includes(k));
  if (extra.length)
    diffs.push(
      finding('unexpected-lines', `unexpected lines: ${extra.join(', ')}`, {
        expected: 'none',
        actual: extra.join(', '),
      }),
    );
  return diffs;
}

/**
 * The kustomize module a go.mod requires (kubectl reports its version as Kustomize Version), outside replace
 * directives.
 */
export function kustomizeOfGoMod(goMod: string): { module: string; version: string } | undefined {
  const required = goMod.replace(/^replace\s*\([\s\S]*?^\)/gm, '').replace(/^replace .*$/gm, '');
  const m = /^\s*(?:require\s+)?(sigs\.k8s\.io\/kustomize\/kustomize\/v\d+)\s+(v\S+)/m.exec(required);
  return m ? { module: m[1]!, version: m[2]! } : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// API-03: the /version body

export const VERSION_FIELDS = [
  'major',
  'minor',
  'emulationMajor',
  'emulationMinor',
  'minCompatibilityMajor',
  'minCompatibilityMinor',
  'gitVersion',
  'gitCommit',
  'gitTreeState',
  'buildDate',
  'goVersion',
  'compiler',
  'platform',
] as const;

/** Fields of compatibility versions (KEP-4330): present from 1.33 on (contract/lines.ts versionCompatibilityFields). */
const COMPATIBILITY_FIELDS = ['emulationMajor', 'emulationMinor', 'minCompatibilityMajor', 'minCompatibilityMinor'];

export interface MajorMinor {
  major: string;
  minor: string;
  /** Where the expectation comes from, for the evidence. */
  source: string;
}

export interface VersionInfoExpectation {
  /** The version the configuration asked for: the binary's version, whence major and minor. */
  gitVersion: string;
  platform: string;
  /** The release commit of gitVersion, where kube-claims knows it (contract/lines.ts releaseCommit). */
  releaseCommit?: string;
  compatibilityFields: boolean;
  /** The version the API server emulates and its minimum compatibility version (compatibilityVersions). */
  emulation?: MajorMinor;
  minCompatibility?: MajorMinor;
}

/**
 * The kube component's value of a component-base version flag (`--emulated-version=kube=1.32,wardle=1.2`, or `1.32`).
 */
function kubeVersionFlag(args: readonly string[], flag: string): string | undefined {
  let value: string | undefined;
  args.forEach((a, i) => {
    if (a.startsWith(`${flag}=`)) value = a.slice(flag.length + 1);
    else if (a === flag) value = args[i + 1];
  });
  for (const item of (value ?? '').split(',').filter(Boolean)) {
    const [component, version] = item.includes('=') ? (item.split('=') as [string, string]) : ['kube', item];
    if (component === 'kube') return version;
  }
  return undefined;
}

/**
 * What /version's emulation and minCompatibility fields must say (KEP-4330, k8s.io/component-base/compatibility):
 * the API server's --emulated-version, else the binary's MAJOR.MINOR; its --min-compatibility-version (where
 * the line has it), else one minor below the emulated version. `args`: the API server's command line, when known.
 */
export function compatibilityVersions(
  binaryVersion: string,
  args: readonly string[] | undefined,
  argsSource: string,
): { emulation: MajorMinor; minCompatibility: MajorMinor } | undefined {
  const binary = /^v?(\d+)\.(\d+)/.exec(binaryVersion);
  if (!binary) return undefined;
  const parse = (v: string | undefined) => /^(\d+)\.(\d+)/.exec(v ?? '');
  const emulatedFlag = args ? kubeVersionFlag(args, '--emulated-version') : undefined;
  const emulatedParsed = parse(emulatedFlag);
  const emulation: MajorMinor = emulatedParsed
    ? {
        major: emulatedParsed[1]!,
        minor: emulatedParsed[2]!,
        source: `--emulated-version ${emulatedFlag} (${argsSource})`,
      }
    : {
        major: binary[1]!,
        minor: binary[2]!,
        source: `no --emulated-version ${args ? `in ${argsSource}` : "(the API server's flags are unknown)"}: the binary's version ${binaryVersion}`,
      };
  const minFlag = args ? kubeVersionFlag(args, '--min-compatibility-version') : undefined;
  const minParsed = parse(minFlag);
  const minCompatibility: MajorMinor = minParsed
    ? { major: minParsed[1]!, minor: minParsed[2]!, source: `--min-compatibility-version ${minFlag} (${argsSource})` }
    : {
        major: emulation.major,
        minor: String(Number(emulation.minor) - 1),
        source: `no --min-compatibility-version: one minor below the emulated ${emulation.major}.${emulation.minor}`,
      };
  return { emulation, minCompatibility };
}

export function checkVersionInfo(body: unknown, expect: VersionInfoExpectation): Differences {
  if (!body || typeof body !== 'object')
    return [
      finding('body-object', `the /version body is not a JSON object: ${show(body)}`, {
        expected: 'a JSON object',
        actual: body ?? 'absent',
      }),
    ];
  const v = body as Record<string, unknown>;
  const diffs: Differences = [];
  for (const f of VERSION_FIELDS) {
    if (v[f] === undefined && (expect.compatibilityFields || !COMPATIBILITY_FIELDS.includes(f)))
      diffs.push(finding('field-present', `field ${f} is missing`, { expected: f, actual: 'absent' }));
    else if (v[f] !== undefined && typeof v[f] !== 'string')
      diffs.push(
        finding('field-type', `field ${f} is ${show(v[f])}, not a string`, {
          expected: `${f}: a string`,
          actual: `${f}: ${show(v[f])}`,
        }),
      );
  }
  const s = (f: string) => (typeof v[f] === 'string' ? (v[f] as string) : undefined);
  if (s('gitVersion') !== expect.gitVersion)
    diffs.push(
      finding('git-version', `gitVersion is ${show(s('gitVersion'))}, but ${expect.gitVersion} was asked for`, {
        expected: expect.gitVersion,
        actual: s('gitVersion') ?? 'absent',
      }),
    );
  // Major and minor from the version asked for, the compatibility fields from the API server's flags: nothing from the
  // body itself.
  const asked = /^v(\d+)\.(\d+)\.(\d+)(-[^+]+)?/.exec(expect.gitVersion);
  if (asked) {
    const [, major, minor, , preRelease] = asked;
    // hack/lib/version.sh: a pre-release's minor carries "+" (v1.38.0-beta.0 says minor "38+"); emulationMinor does
    // not.
    const minorField = `${minor}${preRelease ? '+' : ''}`;
    if (s('major') !== major)
      diffs.push(
        finding('major', `major is ${show(s('major'))}, but ${expect.gitVersion} was asked for: ${major}`, {
          expected: major,
          actual: s('major') ?? 'absent',
        }),
      );
    if (s('minor') !== minorField)
      diffs.push(
        finding('minor', `minor is ${show(s('minor'))}, but ${expect.gitVersion} was asked for: ${minorField}`, {
          expected: minorField,
          actual: s('minor') ?? 'absent',
        }),
      );
  }
  const field = (name: string, want: string | undefined, why: string) => {
    if (v[name] !== undefined && want !== undefined && s(name) !== want)
      diffs.push(
        finding('compatibility-version', `${name} is ${show(v[name])}, expected ${want} (${why})`, {
          expected: `${name}: ${want}`,
          actual: `${name}: ${s(name) ?? show(v[name])}`,
        }),
      );
  };
  if (expect.emulation) {
    field('emulationMajor', expect.emulation.major, expect.emulation.source);
    field('emulationMinor', expect.emulation.minor, expect.emulation.source);
  }
  if (expect.minCompatibility) {
    field('minCompatibilityMajor', expect.minCompatibility.major, expect.minCompatibility.source);
    field('minCompatibilityMinor', expect.minCompatibility.minor, expect.minCompatibility.source);
  }
  if (s('gitVersion') !== undefined && !/^v\d+\.\d+\.\d+/.test(s('gitVersion')!))
    diffs.push(
      finding('git-version-format', `gitVersion ${s('gitVersion')} is not vMAJOR.MINOR.PATCH`, {
        expected: 'vMAJOR.MINOR.PATCH',
        actual: s('gitVersion'),
      }),
    );
  const commit = s('gitCommit');
  if (expect.releaseCommit && s('gitVersion') === expect.gitVersion) {
    if (commit !== expect.releaseCommit)
      diffs.push(
        finding(
          'git-commit',
          `gitCommit is ${show(commit)}, but ${expect.gitVersion} was released from ${expect.releaseCommit}`,
          { expected: expect.releaseCommit, actual: commit ?? 'absent' },
        ),
      );
  } else if (
    commit !== undefined &&
    !/^[0-9a-f]{40}$/.test(commit) &&
    !(commit === '' && s('gitTreeState') === 'archive')
  ) {
    // A source-archive build that states it has no commit says gitCommit "" with gitTreeState archive.
    diffs.push(
      finding('git-commit', `gitCommit ${show(commit)} is not a 40-hex-digit commit`, {
        expected: 'a 40-hex-digit commit',
        actual: commit,
      }),
    );
  }
  if (s('gitTreeState') !== undefined && !['clean', 'archive'].includes(s('gitTreeState')!))
    diffs.push(
      finding(
        'git-tree-state',
        `gitTreeState is ${s('gitTreeState')}, expected clean (or archive for a source-archive build)`,
        { expected: 'clean', actual: s('gitTreeState') },
      ),
    );
  const bd = s('buildDate');
  if (bd !== undefined && !(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(bd) && !Number.isNaN(Date.parse(bd))))
    diffs.push(
      finding('build-date', `buildDate ${bd} is not an RFC 3339 UTC time`, {
        expected: 'an RFC 3339 UTC time',
        actual: bd,
      }),
    );
  if (s('goVersion') !== undefined && !/^go\d+\.\d+(\.\d+)?/.test(s('goVersion')!))
    diffs.push(
      finding('go-version', `goVersion ${s('goVersion')} is not goMAJOR.MINOR[.PATCH]`, {
        expected: 'goMAJOR.MINOR[.PATCH]',
        actual: s('goVersion'),
      }),
    );
  if (s('compiler') !== undefined && s('compiler') !== 'gc')
    diffs.push(
      finding('compiler', `compiler is ${s('compiler')}, expected gc`, { expected: 'gc', actual: s('compiler') }),
    );
  if (s('platform') !== undefined && s('platform') !== expect.platform)
    diffs.push(
      finding('platform', `platform is ${s('platform')}, expected the node's ${expect.platform}`, {
        expected: expect.platform,
        actual: s('platform'),
      }),
    );
  return diffs;
}

/** Two readings of /version must agree field by field. */
export function compareVersionBodies(a: unknown, b: unknown, aName: string, bName: string): Differences {
  return diffJson(a, b).map((d) => ({ ...d, message: `${bName} vs. ${aName}: ${d.message}` }));
}

// ---------------------------------------------------------------------------------------------------------
// API-04: anonymous /version

/** An anonymous GET of /version: 200 with the same body as an authenticated one. */
export function checkAnonymousVersion(anonymous: HttpResponse, authenticatedBody: unknown): Differences {
  const path = new URL(anonymous.url).pathname;
  if (anonymous.status !== 200) {
    const reason = parseJson(anonymous.body);
    const message =
      reason.ok && reason.value && typeof reason.value === 'object'
        ? (reason.value as { message?: string }).message
        : undefined;
    return [
      finding(
        'http-status',
        `anonymous GET ${path} answered ${statusLine(anonymous)}, expected 200${message ? `: ${message}` : ''}`,
        { expected: 200, actual: statusLine(anonymous) },
      ),
    ];
  }
  const body = parseJson(anonymous.body);
  if (!body.ok)
    return [
      finding('body-json', `anonymous GET ${path}: the body is not JSON (${body.error})`, {
        expected: 'JSON',
        actual: body.error,
      }),
    ];
  return diffJson(authenticatedBody, body.value, 'anonymous body').map((d) => ({
    ...d,
    message: `${d.message} (vs. the authenticated /version)`,
  }));
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** system:public-info-viewer lets system:unauthenticated get /version. */
export function checkPublicInfoViewer(
  binding: V1ClusterRoleBinding | undefined,
  role: V1ClusterRole | undefined,
): Differences {
  const diffs: Differences = [];
  const name = 'system:public-info-viewer';
  if (!binding)
    diffs.push(
      finding('binding-present', `ClusterRoleBinding ${name} not found`, { expected: name, actual: 'absent' }),
    );
  else {
    const ref = binding.roleRef;
    if (ref.kind !== 'ClusterRole' || ref.name !== name)
      diffs.push(
        finding(
          'binding-role-ref',
          `ClusterRoleBinding ${name} refers to ${ref.kind} ${ref.name}, expected ClusterRole ${name}`,
          { expected: `ClusterRole ${name}`, actual: `${ref.kind} ${ref.name}` },
        ),
      );
    const subjects = binding.subjects ?? [];
    if (
      !subjects.some(
        (s) => s.kind === 'Group' && s.name === 'system:unauthenticated' && (s.apiGroup ?? RBAC_GROUP) === RBAC_GROUP,
      )
    ) {
      diffs.push(
        finding(
          'binding-subject',
          `ClusterRoleBinding ${name} does not bind group system:unauthenticated (subjects: ${subjects.map((s) => `${s.kind}/${s.name}`).join(', ') || 'none'})`,
          {
            expected: 'Group system:unauthenticated',
            actual: subjects.map((s) => `${s.kind}/${s.name}`).join(', ') || 'none',
          },
        ),
      );
    }
  }
  if (!role) diffs.push(finding('role-present', `ClusterRole ${name} not found`, { expected: name, actual: 'absent' }));
  else {
    const allows = (role.rules ?? []).some(
      (r) =>
        (r.verbs.includes('get') || r.verbs.includes('*')) &&
        (r.nonResourceURLs ?? []).some((u) => u === '/version' || u === '*' || u === '/version*'),
    );
    if (!allows) {
      const rules = (role.rules ?? [])
        .map((r) => `${r.verbs.join(',')} on ${(r.nonResourceURLs ?? r.resources ?? []).join(',')}`)
        .join('; ');
      diffs.push(
        finding(
          'role-allows-version',
          `ClusterRole ${name} does not allow get on the non-resource URL /version (rules: ${rules || 'none'})`,
          { expected: 'get on /version', actual: rules || 'none' },
        ),
      );
    }
  }
  return diffs;
}
