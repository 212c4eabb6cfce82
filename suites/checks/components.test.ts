// The set logic of COMP-02's and COMP-03's listings. The pods here are shapes (namespace, name, UID), not
// recorded observations: what is judged is which pods a listing must name, not what a pod looks like.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { checkOnlyNamespace, missingStablePods } from './components.ts';

const pod = (namespace: string, name: string, uid = `${namespace}/${name}`): V1Pod => ({
  metadata: { namespace, name, uid },
});

describe('listings judged at one consistent point (COMP-02)', () => {
  const etcd = pod('kube-system', 'etcd-n');
  const shell = pod('kc-node-shell-abc123', 'node-shell');
  const redis2 = pod('default', 'kc-redis-abc123-2');
  test('a pod present from the first listing to the last must be in each listing between', () => {
    expect(missingStablePods([etcd, redis2], [etcd, redis2], [etcd], 'kubectl get pod --all-namespaces')).toEqual([
      {
        check: 'stable-pod-listed',
        expected: 'default/kc-redis-abc123-2',
        actual: 'absent',
        message:
          'default/kc-redis-abc123-2 existed throughout (in the first and the last listing) but kubectl get pod --all-namespaces does not list it',
      },
    ]);
  });
  test("pods that came or went meanwhile prove nothing (the run's node-shell pod, a pod replaced by another of the same name)", () => {
    expect(missingStablePods([etcd, shell], [etcd], [etcd], '-A')).toEqual([]);
    expect(missingStablePods([etcd], [etcd, shell], [etcd], '-A')).toEqual([]);
    expect(
      missingStablePods([etcd, redis2], [etcd, pod('default', 'kc-redis-abc123-2', 'new-uid')], [etcd], '-A'),
    ).toEqual([]);
  });
  test('a scope limits the pods a listing must name', () => {
    expect(
      missingStablePods(
        [etcd, redis2],
        [etcd, redis2],
        [etcd],
        '-n kube-system',
        (p) => p.metadata?.namespace === 'kube-system',
      ),
    ).toEqual([]);
  });
});

describe('kubectl get pod without -n (COMP-03)', () => {
  test("only the context's namespace, with the pods the run put there", () => {
    expect(checkOnlyNamespace([pod('default', 'a')], 'default', ['a'])).toEqual([]);
    expect(checkOnlyNamespace([pod('kube-system', 'etcd-n')], 'default')).toEqual([
      {
        check: 'pod-namespace',
        expected: 'default',
        actual: 'kube-system',
        message: 'kube-system/etcd-n is listed, but only namespace default should be',
      },
    ]);
    expect(checkOnlyNamespace([pod('kube-system', 'etcd-n')], 'kube-system')).toEqual([]);
    expect(checkOnlyNamespace([], 'default', ['a'])).toMatchObject([
      { check: 'workload-pod-listed', expected: 'default/a', actual: 'absent' },
    ]);
  });
});
