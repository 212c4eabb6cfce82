// A small typed HTTP(S) client for talking to the API server and to kubectl proxy, as curl would:
// anonymous without a certificate check (`curl -k`), or as the kubeconfig's user, with whatever credentials it
// holds (client certificate, token, tokenFile, exec plugin, auth-provider, impersonation), the TLS options and
// headers taken from @kubernetes/client-node (helpers/credentials.ts completes what it leaves out).
// node:https only; no connection pooling (agent: false, unless the kubeconfig names a proxy-url), so nothing
// lingers after a test.
import { request as nodeHttpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as nodeHttpsRequest, type RequestOptions } from 'node:https';
import { connect } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { Unobservable } from '../contract/errors.ts';

/** How a request authenticates. */
export type HttpAuth =
  /** No credentials, no server certificate check: what `curl -k` does. */
  | { kind: 'anonymous' }
  /** No credentials, but the server certificate is checked against this CA. */
  | { kind: 'anonymous-verified'; ca: string }
  /**
   * As the kubeconfig's current user: its credentials, whatever their kind, and its cluster's CA (or
   * insecure-skip-tls-verify).
   */
  | { kind: 'kubeconfig'; kc: KubeConfig }
  /** The kubeconfig's server check (CA, tls-server-name, insecure-skip-tls-verify) without any of its credentials. */
  | { kind: 'kubeconfig-server-only'; kc: KubeConfig };

export interface HttpRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Ignored for http: URLs. Defaults to anonymous. */
  auth?: HttpAuth;
  timeoutMs?: number;
}

export interface HttpResponse {
  url: string;
  method: string;
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** No answer (refused, reset, a TLS failure, a timeout): the observation could not be made. */
export class HttpRequestError extends Unobservable {
  override name = 'HttpRequestError';
  readonly code?: string;

  constructor(request: string, status: string, code?: string) {
    super(request, status);
    this.code = code;
  }
}

export function anonymous(): HttpAuth {
  return { kind: 'anonymous' };
}

/** As the kubeconfig's current user. */
export function asKubeconfigUser(kc: KubeConfig): HttpAuth {
  return { kind: 'kubeconfig', kc };
}

/**
 * What client-node applies for the kubeconfig's current user: TLS options and headers (Authorization, Impersonate-*).
 */
async function kubeconfigOptions(kc: KubeConfig, withCredentials: boolean): Promise<RequestOptions> {
  const o: RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(o);
  } catch (e) {
    // An exec plugin that fails, a tokenFile that cannot be read: the credentials, not the server, are at fault.
    throw new Error(`the kubeconfig user's credentials cannot be applied: ${(e as Error).message.split('\n')[0]}`, {
      cause: e,
    });
  }
  const server = { ca: o.ca, servername: o.servername, rejectUnauthorized: o.rejectUnauthorized ?? true };
  // A proxy-url makes client-node's agent tunnel through the proxy; without one, no pooling.
  const agent = kc.getCurrentCluster()?.proxyUrl ? o.agent : false;
  if (!withCredentials) return { ...server, agent };
  return {
    ...server,
    agent,
    cert: o.cert,
    key: o.key,
    pfx: o.pfx,
    passphrase: o.passphrase,
    auth: o.auth,
    headers: o.headers,
  };
}

async function tlsOptions(auth: HttpAuth): Promise<RequestOptions> {
  switch (auth.kind) {
    case 'anonymous':
      return { rejectUnauthorized: false };
    case 'anonymous-verified':
      return { rejectUnauthorized: true, ca: auth.ca };
    case 'kubeconfig':
      return kubeconfigOptions(auth.kc, true);
    case 'kubeconfig-server-only':
      return kubeconfigOptions(auth.kc, false);
  }
}

/**
 * One request, sending curl's default Accept unless told otherwise; resolves with whatever status the server answered,
 * rejects only when there is no answer.
 */
export async function request(url: string, options: HttpRequest = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const method = options.method ?? 'GET';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') throw new Error(`unsupported URL scheme: ${url}`);
  const tls = secure ? await tlsOptions(options.auth ?? anonymous()) : {};
  const what = `${method} ${url}`;
  return new Promise((resolve, reject) => {
    // The caller's headers win over curl's Accept; the credentials' (Authorization, Impersonate-*) are added to them.
    const headers: OutgoingHttpHeaders = {
      Accept: '*/*',
      ...options.headers,
      ...(tls.headers as OutgoingHttpHeaders | undefined),
    };
    const common = { method, headers, agent: false as const, timeout: timeoutMs };
    const req = secure
      ? nodeHttpsRequest(target, { ...common, ...tls, headers, agent: tls.agent ?? false })
      : nodeHttpRequest(target, common);
    req.on('timeout', () =>
      req.destroy(new HttpRequestError(what, `no answer within ${timeoutMs} ms (ETIMEDOUT)`, 'ETIMEDOUT')),
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      reject(e instanceof HttpRequestError ? e : new HttpRequestError(what, `no answer: ${e.message}`, e.code)),
    );
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new HttpRequestError(what, `the answer broke off: ${e.message}`)));
      res.on('end', () =>
        resolve({
          url,
          method,
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? '',
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.end();
  });
}

/**
 * GET of an API path as the kubeconfig's user, asking for JSON: the body as the server sent it (what
 * `kubectl get --raw` prints, without a kubectl process), for checks that weigh the bytes the API serves. Any status
 * but 200 is an observation that could not be made.
 */
export async function getApiJson(kc: KubeConfig, path: string): Promise<string> {
  const url = `${kc.getCurrentCluster()!.server.replace(/\/$/, '')}${path}`;
  const r = await request(url, { auth: asKubeconfigUser(kc), headers: { Accept: 'application/json' } });
  if (r.status !== 200)
    throw new Unobservable(`GET ${url}`, `${r.status} ${r.statusText}: ${r.body.split('\n')[0]!.slice(0, 300)}`);
  return r.body;
}

/** The body as JSON, or undefined when it is not JSON. */
export function jsonBody<T = unknown>(r: HttpResponse): T | undefined {
  try {
    return JSON.parse(r.body) as T;
  } catch {
    return undefined;
  }
}

/** The exchange as text for evidence, like `curl -i`: status line, selected headers, body (cut when long). */
export function describeExchange(r: HttpResponse, maxBody = 4000): string {
  const headers = Object.entries(r.headers)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
    .join('\n');
  const body =
    r.body.length > maxBody ? `${r.body.slice(0, maxBody)}\n… (${r.body.length - maxBody} more characters)` : r.body;
  return `${r.method} ${r.url}\n\nHTTP ${r.status} ${r.statusText}\n${headers}\n\n${body}`;
}

export type TcpOutcome = 'connected' | 'refused' | 'timeout' | 'error';

export interface TcpProbe {
  host: string;
  port: number;
  outcome: TcpOutcome;
  /** The errno code (ECONNREFUSED, EHOSTUNREACH, ...) when the connection failed. */
  code?: string;
}

/** Opens (and closes at once) a TCP connection to host:port: does anything accept there? */
export function probeTcp(host: string, port: number, timeoutMs = 3000): Promise<TcpProbe> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (outcome: TcpOutcome, code?: string) => {
      socket.destroy();
      resolve({ host, port, outcome, ...(code ? { code } : {}) });
    };
    socket.setTimeout(timeoutMs, () => done('timeout', 'ETIMEDOUT'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'error', e.code));
  });
}
