import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { controlPlaneGaps } from './readiness.ts';

const pod = (name: string, ready = true, deleting = false): V1Pod => ({
  metadata: { name, namespace: 'kube-system', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const namespaces = ['default', 'kube-node-lease', 'kube-public', 'kube-system'].map((name) => ({ name, phase: 'Active' }));
const healthy = ['etcd-n', 'kube-apiserver-n', 'kube-controller-manager-n', 'kube-scheduler-n', 'kube-proxy-abc', 'coredns-1', 'coredns-2'].map((n) => pod(n));

describe('controlPlaneGaps', () => {
  test('nothing missing on a healthy control plane', () => {
    expect(controlPlaneGaps('n', healthy, namespaces)).toEqual([]);
  });
  test('names what is missing, unready or terminating', () => {
    const pods = healthy.filter((p) => p.metadata!.name !== 'kube-scheduler-n').map((p) => (p.metadata!.name === 'coredns-2' ? pod('coredns-2', true, true) : p));
    expect(controlPlaneGaps('n', pods, namespaces.slice(1))).toEqual(['pod kube-scheduler-n missing', '1/2 coredns pods Ready', 'namespace default missing']);
  });
});
