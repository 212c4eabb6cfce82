// What a failed request to the API server means for a check. A 404 may be the truth (no such object): the
// callers that say so use `unlessNotFound`, which resolves undefined on a 404 only. A refusal (401, 403), a
// throttle (429) or a server error (5xx) is an observation that could not be made: `unobservableOf` names it,
// and suites/claim.ts reports the claim unchecked instead of judging a made-up value.
import { Unobservable } from '../contract/errors.ts';

/** The HTTP status of a @kubernetes/client-node ApiException (or anything carrying a numeric code). */
function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server answered 404: there is no such object. */
export function isNotFound(error: unknown): boolean {
  return statusCode(error) === 404;
}

/** The request's value, or undefined where the API server answered 404; any other failure is rethrown. */
export async function unlessNotFound<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The Status message of an ApiException's body (a JSON string or object), when there is one. */
function statusMessage(error: unknown): string | undefined {
  let body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: the body itself is the message
      return text.slice(0, 300) || undefined;
    }
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' ? message : undefined;
}

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Whether a status means the observation could not be made (refused, throttled, failed on the server). */
export function isUnobservableStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 429 || status >= 500;
}

/**
 * The error as an Unobservable where it is one: an Unobservable itself, or a client-node ApiException whose
 * status is 401, 403, 429 or 5xx (its Status message names the request: 'configmaps "x" is forbidden: …').
 * Undefined for anything else (a 404, a check's own failure): those are judged where they are thrown.
 */
export function unobservableOf(error: unknown): Unobservable | undefined {
  if (error instanceof Unobservable) return error;
  const code = statusCode(error);
  if (
    code === undefined ||
    !(error instanceof Error) ||
    !error.message.startsWith('HTTP-Code:') ||
    !isUnobservableStatus(code)
  )
    return undefined;
  const message = statusMessage(error);
  return new Unobservable(
    `a request of @kubernetes/client-node${message ? ` (${message})` : ''}`,
    `${code} ${REASONS[code] ?? ''}`.trim(),
  );
}
