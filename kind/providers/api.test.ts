// What a failed request to the API server is, from the errors node's fetch and client-node raise.
import { describe, expect, it } from 'vitest';
import { classifyApiError } from './api.ts';

const S = 'https://127.0.0.1:6443';
const netError = (code: string, message = code) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });

describe('classifyApiError', () => {
  it.each([
    ['refused', netError('ECONNREFUSED'), /refused the connection/],
    [
      'reset',
      netError('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
      /closed the connection at once/,
    ],
    ['unknown-host', netError('ENOTFOUND'), /host of .* is unknown/],
    [
      'tls',
      netError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate'),
      /TLS with .* failed/,
    ],
    ['timeout', netError('UND_ERR_CONNECT_TIMEOUT'), /did not answer/],
    ['unauthorized', Object.assign(new Error('Unauthorized'), { code: 401 }), /401 Unauthorized/],
    ['busy', Object.assign(new Error('Too Many Requests'), { code: 429 }), /answered 429/],
  ] as const)('%s', (kind, error, message) => {
    const f = classifyApiError(error, S);
    expect(f.kind).toBe(kind);
    expect(f.message).toMatch(message);
    expect(f.message).toContain(S);
  });
});
