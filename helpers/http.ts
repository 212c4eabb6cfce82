// A small typed HTTP(S) client for talking to the API server and to kubectl proxy, as curl would:
// anonymous without a certificate check (`curl -k`), or with a kubeconfig's client certificate, key and CA.
// node:https only; no connection pooling (agent: false), so nothing lingers after a test.
import { request as nodeHttpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as nodeHttpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { PemCredentials } from './kubeconfig.ts';

/** How a request authenticates. */
export type HttpAuth =
  /** No credentials, no server certificate check: what `curl -k` does. */
  | { kind: 'anonymous' }
  /** No credentials, but the server certificate is checked against this CA. */
  | { kind: 'anonymous-verified'; ca: string }
  /** Client certificate and key, server checked against the CA (a kubeconfig's credentials). */
  | { kind: 'client-certificate'; ca?: string; cert: string; key: string };

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

export class HttpRequestError extends Error {
  override name = 'HttpRequestError';
  readonly code?: string;

  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

export function anonymous(): HttpAuth {
  return { kind: 'anonymous' };
}

export function clientCertificate(pem: PemCredentials): HttpAuth {
  if (!pem.cert || !pem.key) throw new Error('the kubeconfig user has no client certificate and key (client-certificate-data, client-key-data)');
  return { kind: 'client-certificate', ca: pem.ca, cert: pem.cert, key: pem.key };
}

function tlsOptions(auth: HttpAuth) {
  switch (auth.kind) {
    case 'anonymous': return { rejectUnauthorized: false };
    case 'anonymous-verified': return { rejectUnauthorized: true, ca: auth.ca };
    case 'client-certificate': return { rejectUnauthorized: true, ca: auth.ca, cert: auth.cert, key: auth.key };
  }
}

/** One request, sending curl's default Accept unless told otherwise; resolves with whatever status the server answered, rejects only when there is no answer. */
export function request(url: string, options: HttpRequest = {}): Promise<HttpResponse> {
  const target = new URL(url);
  const method = options.method ?? 'GET';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.reject(new Error(`unsupported URL scheme: ${url}`));
  return new Promise((resolve, reject) => {
    const common = { method, headers: { Accept: '*/*', ...options.headers }, agent: false as const, timeout: timeoutMs };
    const req = secure
      ? nodeHttpsRequest(target, { ...common, ...tlsOptions(options.auth ?? anonymous()) })
      : nodeHttpRequest(target, common);
    req.on('timeout', () => req.destroy(new HttpRequestError(`${method} ${url}: no answer within ${timeoutMs} ms`, 'ETIMEDOUT')));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof HttpRequestError ? e : new HttpRequestError(`${method} ${url}: ${e.message}`, e.code)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new HttpRequestError(`${method} ${url}: ${e.message}`)));
      res.on('end', () => resolve({
        url, method,
        status: res.statusCode ?? 0,
        statusText: res.statusMessage ?? '',
        headers: res.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    req.end();
  });
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
  const headers = Object.entries(r.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`).join('\n');
  const body = r.body.length > maxBody ? `${r.body.slice(0, maxBody)}\n… (${r.body.length - maxBody} more characters)` : r.body;
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
