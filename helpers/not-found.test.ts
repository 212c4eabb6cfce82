// The 404 helper and what a failed request means for a check (helpers/not-found.ts).
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { Unobservable } from '../contract/errors.ts';
import { HttpRequestError } from './http.ts';
import { isNotFound, unlessNotFound, unobservableOf } from './not-found.ts';

const status = (code: number, message: string) =>
  new ApiException(code, 'Unknown API Status Code!', JSON.stringify({ kind: 'Status', code, message }), {});

describe('a 404 is absence; anything else is rethrown', () => {
  test('unlessNotFound resolves undefined on 404 only', async () => {
    expect(await unlessNotFound(Promise.resolve(3))).toBe(3);
    expect(await unlessNotFound(Promise.reject(status(404, 'deployments.apps "coredns" not found')))).toBeUndefined();
    await expect(unlessNotFound(Promise.reject(status(403, 'forbidden')))).rejects.toMatchObject({ code: 403 });
    await expect(unlessNotFound(Promise.reject(new Error('socket hang up')))).rejects.toThrow('socket hang up');
  });

  test('isNotFound', () => {
    expect(isNotFound(status(404, 'x'))).toBe(true);
    expect(isNotFound(status(500, 'x'))).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });
});

describe('unobservableOf: refusals, throttles, server errors and no answer', () => {
  test('a 403 from client-node names the Status message and the status', () => {
    const u = unobservableOf(
      status(
        403,
        'configmaps "kubeadm-config" is forbidden: User "system:serviceaccount:default:viewer" cannot get resource "configmaps"',
      ),
    );
    expect(u).toBeInstanceOf(Unobservable);
    expect(u!.status).toBe('403 Forbidden');
    expect(u!.request).toContain('configmaps "kubeadm-config" is forbidden');
  });

  test("401, 429 and 5xx too; 404 and a check's own error not", () => {
    for (const code of [401, 429, 500, 503])
      expect(unobservableOf(status(code, 'x'))?.status).toMatch(new RegExp(`^${code}`));
    expect(unobservableOf(status(404, 'x'))).toBeUndefined();
    expect(unobservableOf(new Error('the cluster differs from the claim'))).toBeUndefined();
  });

  test('a raw request without an answer is Unobservable with its request', () => {
    const e = new HttpRequestError(
      'GET https://127.0.0.1:6443/version',
      'no answer within 15000 ms (ETIMEDOUT)',
      'ETIMEDOUT',
    );
    expect(unobservableOf(e)).toBe(e);
    expect(e.message).toBe('GET https://127.0.0.1:6443/version: no answer within 15000 ms (ETIMEDOUT)');
  });
});
