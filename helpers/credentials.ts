// The kubeconfig's user, for every request kube-claims makes as that user: @kubernetes/client-node applies the
// credential kinds (client certificate data or file, token, exec plugin, auth-provider, `as`), and
// `RunKubeConfig` completes what client-node 2.0.1 leaves out of client-go's rules:
//   - `tokenFile` (client-node reads a `token-file` field only, once, at load): read on each use, trimmed;
//   - `as-groups`, `as-uid`, `as-user-extra` (client-node sends Impersonate-User only);
//   - an exec plugin's relative command (resolved against the kubeconfig's folder, as client-go does) and
//     KUBERNETES_EXEC_INFO (client-go always sets it; client-node does not).
// `describeCredentials` says which kind a user holds, for evidence, never the secret itself.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { decodeData, parseDistinguishedName, type Kubeconfig, type KubeconfigUser } from './kubeconfig.ts';

/** What client-go reads from a kubeconfig user and client-node 2.0.1 does not. */
interface Completion {
  tokenFile?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

/** A kubeconfig's field names (client-go's JSON tags). */
interface RawUser extends KubeconfigUser {
  tokenFile?: string;
  as?: string;
  'as-groups'?: string[];
  'as-uid'?: string;
  'as-user-extra'?: Record<string, string[]>;
  exec?: {
    command?: string;
    args?: string[];
    apiVersion?: string;
    env?: Array<{ name: string; value: string }>;
    provideClusterInfo?: boolean;
    interactiveMode?: string;
  };
  'auth-provider'?: { name?: string; config?: Record<string, string> };
  username?: string;
}

type HttpsOptions = Parameters<KubeConfig['applyToHTTPSOptions']>[0];

/** The problems that make a user's impersonation impossible to send as client-go would; empty when there are none. */
export function impersonationProblems(user: KubeconfigUser): string[] {
  const u = user as RawUser;
  const problems: string[] = [];
  const groups = u['as-groups'] ?? [];
  const extra = Object.entries(u['as-user-extra'] ?? {});
  if (!u.as && (groups.length || u['as-uid'] || extra.length))
    problems.push(
      'as-groups, as-uid or as-user-extra without as (kubectl refuses it too: impersonating groups needs a user)',
    );
  // client-node's API clients send headers through fetch, which joins repeated headers into one line: the API
  // server would see one group "a, b" and act as an identity the kubeconfig does not name.
  if (groups.length > 1)
    problems.push(
      `as-groups names ${groups.length} groups: @kubernetes/client-node's API clients can send one Impersonate-Group header only (fetch joins repeated headers)`,
    );
  for (const [key, values] of extra)
    if (values.length > 1)
      problems.push(
        `as-user-extra ${key} has ${values.length} values: @kubernetes/client-node's API clients can send one value per Impersonate-Extra header only`,
      );
  return problems;
}

/** A KubeConfig whose requests carry every credential and impersonation header the kubeconfig's user names. */
export class RunKubeConfig extends KubeConfig {
  private readonly completions = new Map<string, Completion>();

  /**
   * Reads from the kubeconfig itself (`raw`, the file's YAML; `dir`, its folder) what client-node does not,
   * after loadFromString: relative paths are resolved against `dir`.
   */
  complete(raw: Kubeconfig, dir: string): void {
    this.makePathsAbsolute(dir);
    const resolve = (p: string) => (isAbsolute(p) ? p : join(dir, p));
    for (const { name, user } of raw.users ?? []) {
      const u = (user ?? {}) as RawUser;
      this.completions.set(name, {
        tokenFile: u.tokenFile ? resolve(u.tokenFile) : undefined,
        groups: u['as-groups'] ?? [],
        uid: u['as-uid'],
        extra: u['as-user-extra'] ?? {},
      });
    }
    for (const user of this.getUsers()) {
      const exec = user.exec as RawUser['exec'];
      if (!exec?.command) continue;
      // client-go: a command with a path separator is relative to the kubeconfig's folder; a bare name is looked up in
      // PATH.
      if (exec.command.includes('/')) exec.command = resolve(exec.command);
      const cluster = this.getClusters().find((c) =>
        this.getContexts().some((ctx) => ctx.user === user.name && ctx.cluster === c.name),
      );
      const info = {
        apiVersion: exec.apiVersion,
        kind: 'ExecCredential',
        spec: {
          interactive: false,
          ...(exec.provideClusterInfo && cluster
            ? {
                cluster: {
                  server: cluster.server,
                  'certificate-authority-data':
                    cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined),
                  'insecure-skip-tls-verify': cluster.skipTLSVerify || undefined,
                  'tls-server-name': cluster.tlsServerName,
                },
              }
            : {}),
        },
      };
      exec.env = [
        ...(exec.env ?? []).filter((e) => e.name !== 'KUBERNETES_EXEC_INFO'),
        { name: 'KUBERNETES_EXEC_INFO', value: JSON.stringify(info) },
      ];
    }
  }

  /** The headers client-node leaves out for the current user (Authorization from tokenFile, Impersonate-*). */
  private completionHeaders(): Record<string, string | string[]> {
    const user = this.getCurrentUser();
    const c = user ? this.completions.get(user.name) : undefined;
    if (!user || !c) return {};
    const headers: Record<string, string | string[]> = {};
    // client-go: tokenFile is read on use and wins over token; an exec plugin or auth-provider sets its own.
    if (c.tokenFile && !user.exec && !user.authProvider)
      headers.Authorization = `Bearer ${readFileSync(c.tokenFile, 'utf8').trim()}`;
    if (c.groups.length) headers['Impersonate-Group'] = c.groups.length === 1 ? c.groups[0]! : c.groups;
    if (c.uid) headers['Impersonate-Uid'] = c.uid;
    for (const [key, values] of Object.entries(c.extra))
      headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = values.length === 1 ? values[0]! : values;
    return headers;
  }

  /** Raw HTTPS and WebSockets (exec, port-forward): node:http sends a list as repeated headers. */
  override async applyToHTTPSOptions(opts: HttpsOptions): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    const extra = this.completionHeaders();
    if (Object.keys(extra).length) opts.headers = { ...opts.headers, ...extra } as never;
  }

  /** The API clients (fetch): one value per header, which `impersonationProblems` makes sure of at load. */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    for (const [key, value] of Object.entries(this.completionHeaders()))
      context.setHeaderParam(key, Array.isArray(value) ? value.join(', ') : value);
  }
}

/** "CN=x, O=y" of a PEM certificate, or why it cannot be read. */
function subjectOf(pem: string | undefined): string {
  if (!pem) return 'unreadable';
  try {
    const dn = parseDistinguishedName(new X509Certificate(pem).subject);
    return Object.entries(dn)
      .flatMap(([k, vs]) => vs.map((v) => `${k}=${v}`))
      .join(', ');
  } catch (e) {
    return `not a certificate: ${(e as Error).message}`;
  }
}

/** Who a bearer token says it is, when it is a JWT (a ServiceAccount token is); the token itself is never shown. */
function tokenSubject(token: string | undefined): string {
  const payload = token?.trim().split('.')[1];
  if (!payload) return '';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: string };
    const sa = /^system:serviceaccount:([^:]+):(.+)$/.exec(claims.sub ?? '');
    return sa ? ` (ServiceAccount ${sa[1]}/${sa[2]})` : claims.sub ? ` (JWT, subject ${claims.sub})` : '';
  } catch {
    // not a JWT: an opaque token says nothing about its holder
    return '';
  }
}

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // unreadable: described as such, and the request made with it will say why
    return undefined;
  }
};

/** The credential kinds a user holds. */
export type CredentialKind = 'client-certificate' | 'token' | 'token-file' | 'exec' | 'auth-provider' | 'basic';

export function credentialKinds(user: KubeconfigUser): CredentialKind[] {
  const u = user as RawUser;
  const kinds: CredentialKind[] = [];
  if (u['client-certificate-data'] || u['client-certificate']) kinds.push('client-certificate');
  if (u.token) kinds.push('token');
  if (u.tokenFile) kinds.push('token-file');
  if (u.exec) kinds.push('exec');
  if (u['auth-provider']) kinds.push('auth-provider');
  if (u.username) kinds.push('basic');
  return kinds;
}

/**
 * Which credentials a kubeconfig user holds, without secrets: "client certificate CN=kubernetes-admin, O=…",
 * "bearer token (ServiceAccount kube-system/admin)", "exec plugin /usr/bin/aws", with the impersonation it asks
 * for. `dir` is the kubeconfig's folder (relative paths).
 */
export function describeCredentials(user: KubeconfigUser, dir: string): string {
  const u = user as RawUser;
  const resolve = (p: string) => (isAbsolute(p) ? p : join(dir, p));
  const parts: string[] = [];
  if (u['client-certificate-data'])
    parts.push(`client certificate ${subjectOf(decodeData(u['client-certificate-data']))}`);
  else if (u['client-certificate'])
    parts.push(
      `client certificate ${subjectOf(readText(resolve(u['client-certificate'])))} (file ${resolve(u['client-certificate'])})`,
    );
  if (u.tokenFile)
    parts.push(`bearer token from file ${resolve(u.tokenFile)}${tokenSubject(readText(resolve(u.tokenFile)))}`);
  else if (u.token) parts.push(`bearer token${tokenSubject(u.token)}`);
  if (u.exec?.command)
    parts.push(
      `exec plugin ${u.exec.command.includes('/') ? resolve(u.exec.command) : u.exec.command}${u.exec.apiVersion ? ` (${u.exec.apiVersion})` : ''}`,
    );
  if (u['auth-provider']) parts.push(`auth-provider ${u['auth-provider'].name ?? '(unnamed)'}`);
  if (u.username) parts.push(`basic auth (username ${u.username})`);
  const who = [
    u.as && `user ${u.as}`,
    u['as-groups']?.length && `groups ${u['as-groups'].join(', ')}`,
    u['as-uid'] && `uid ${u['as-uid']}`,
  ].filter(Boolean);
  return `${parts.join(' + ') || 'no credentials'}${who.length ? `, impersonating ${who.join(', ')}` : ''}`;
}
