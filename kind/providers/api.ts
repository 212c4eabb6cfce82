// The one thing a run cannot do without: the API server answering with the given credentials.
// Failures that waiting cannot mend (refused, unknown host, TLS, authentication) end the run in seconds
// with a one-line reason; an API server that is busy (429, 5xx) or still starting is retried, boundedly.
import { AuthenticationV1Api } from '@kubernetes/client-node';
import type { KubeClients } from '../../helpers/kube.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { log } from '../../helpers/log.ts';
import { sleep } from '../../helpers/wait.ts';
import { isNotFound } from '../../helpers/not-found.ts';

export type ApiFailureKind =
  'refused' | 'reset' | 'unknown-host' | 'tls' | 'timeout' | 'unauthorized' | 'forbidden' | 'busy' | 'other';

export interface ApiFailure {
  kind: ApiFailureKind;
  message: string;
}

const TLS_CODES = /^(ERR_TLS_|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_SSL_|EPROTO)/;

/** What went wrong with a request to the API server, in one line, and whether waiting could help. */
export function classifyApiError(error: unknown, server: string): ApiFailure {
  const e = error as {
    code?: unknown;
    message?: string;
    cause?: { code?: string; message?: string; cause?: { code?: string } };
  };
  if (typeof e.code === 'number') {
    if (e.code === 401)
      return { kind: 'unauthorized', message: `${server} rejected the kubeconfig's credentials (401 Unauthorized)` };
    if (e.code === 403)
      return { kind: 'forbidden', message: `${server} answered 403 Forbidden to the kubeconfig's user` };
    if (e.code === 429 || e.code >= 500) return { kind: 'busy', message: `${server} answered ${e.code}` };
    return { kind: 'other', message: `${server} answered ${e.code}: ${(e.message ?? '').split('\n')[0]}` };
  }
  const code = e.cause?.code ?? e.cause?.cause?.code ?? (typeof e.code === 'string' ? e.code : undefined);
  const detail = (e.cause?.message ?? e.message ?? String(error)).split('\n')[0]!;
  if (code === 'ECONNREFUSED' || detail === 'bad port')
    return {
      kind: 'refused',
      message: `${server} refused the connection (${detail === 'bad port' ? 'a port no client may use' : 'nothing listens there'})`,
    };
  // Through Docker's port forwarding, an API server not yet listening shows as a reset, not a refusal.
  if (code === 'ECONNRESET') return { kind: 'reset', message: `${server} closed the connection at once (${detail})` };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { kind: 'unknown-host', message: `the host of ${server} is unknown (${code})` };
  if (code && TLS_CODES.test(code)) return { kind: 'tls', message: `TLS with ${server} failed: ${detail} (${code})` };
  if (
    code === 'ETIMEDOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    /timed out/i.test(detail)
  ) {
    return { kind: 'timeout', message: `${server} did not answer (${code ?? detail})` };
  }
  return { kind: 'other', message: `${server}: ${detail}${code ? ` (${code})` : ''}` };
}

async function within<T>(ms: number, what: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      what,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error(`no answer within ${ms / 1000}s`), { code: 'ETIMEDOUT' })),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ApiIdentity {
  serverVersion: string;
  /** The user the credentials authenticate as (SelfSubjectReview), when the server tells. */
  user?: string;
}

export interface AwaitApiOptions {
  /** How long a refused or reset connection may be waited out: only for a node that has just (re)started. */
  startingUpMs?: number;
  /** Bound for a busy server (429, 5xx) and for timeouts. */
  busyMs?: number;
  requestTimeoutMs?: number;
}

/**
 * Resolves once the API server answers /version and authenticates the kubeconfig's user. Throws an
 * EnvironmentError with a one-line reason at the first failure waiting cannot mend, else at the bound.
 */
export async function awaitApi(k: KubeClients, o: AwaitApiOptions = {}): Promise<ApiIdentity> {
  const t0 = Date.now();
  const startingUp = o.startingUpMs ?? 0;
  const busy = o.busyMs ?? 30_000;
  const timeout = o.requestTimeoutMs ?? 4_000;
  let timeouts = 0;
  let last = '';
  for (;;) {
    try {
      const version = await within(timeout, k.version.getCode());
      const review = await within(
        timeout,
        k
          .make(AuthenticationV1Api)
          .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } }),
      ).catch((e: unknown) => {
        // absent is the truth: an API server older than 1.28 has no SelfSubjectReview; /version answered, list
        // namespaces instead.
        if (isNotFound(e)) return k.core.listNamespace({ limit: 1 }).then(() => undefined);
        throw e;
      });
      return { serverVersion: version.gitVersion, user: review?.status?.userInfo?.username };
    } catch (error) {
      const f = classifyApiError(error, k.server);
      const waited = Date.now() - t0;
      const retry =
        ((f.kind === 'refused' || f.kind === 'reset') && waited < startingUp) ||
        (f.kind === 'busy' && waited < busy) ||
        (f.kind === 'timeout' && ++timeouts < 2 && waited < busy);
      if (!retry) throw new EnvironmentError(`the API server does not answer as it must: ${f.message}`);
      // A wait worth announcing (a busy or starting server); a retried timeout stays quiet, so a failure is one line.
      if (f.message !== last)
        (f.kind === 'timeout' ? log.detail : log.step)(`waiting for the API server: ${(last = f.message)}`);
      await sleep(1000);
    }
  }
}
