// What kind is given for each topology and for a user's own configuration: pure, so checked here; what kind
// makes of it is checked live (verify --topology workers|ha, README's measurements).
import { describe, expect, test } from 'vitest';
import { TOPOLOGIES } from '../../contract/topology.ts';
import { kindClusterConfig } from './kind.ts';

const base = { name: 'kc-x', image: 'kube-claims/node:v1.33.3', allowCgroupV1: false };

describe('the kind configuration of a cluster kube-claims makes', () => {
  test("each topology gives its control planes and workers, all on the run's image", () => {
    for (const t of Object.values(TOPOLOGIES)) {
      const nodes = kindClusterConfig({ ...base, shape: t }).nodes as Array<{ role: string; image: string }>;
      expect(nodes.filter((n) => n.role === 'control-plane')).toHaveLength(t.controlPlanes);
      expect(nodes.filter((n) => n.role === 'worker')).toHaveLength(t.workers);
      expect(new Set(nodes.map((n) => n.image))).toEqual(new Set([base.image]));
    }
  });

  test("a user's configuration keeps its nodes and settings; kube-claims sets name and image and appends its kubelet patch", () => {
    const userConfig = {
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: 'theirs',
      networking: { podSubnet: '10.250.0.0/16' },
      kubeadmConfigPatches: ['kind: ClusterConfiguration\napiServer:\n  extraArgs:\n    v: "2"\n'],
      nodes: [{ role: 'control-plane', image: 'other:tag', labels: { a: 'b' } }, { role: 'worker' }],
    };
    const c = kindClusterConfig({ ...base, allowCgroupV1: true, shape: { userConfig, file: 'k.yaml' } });
    expect(c.name).toBe('kc-x');
    expect(c.networking).toEqual({ apiServerAddress: '127.0.0.1', podSubnet: '10.250.0.0/16' });
    expect(c.nodes).toEqual([
      { role: 'control-plane', image: base.image, labels: { a: 'b' } },
      { role: 'worker', image: base.image },
    ]);
    expect(c.kubeadmConfigPatches).toEqual([
      userConfig.kubeadmConfigPatches[0],
      'kind: KubeletConfiguration\nfailCgroupV1: false\n',
    ]);
  });

  test('what is no kind configuration is a usage error naming the file', () => {
    expect(() => kindClusterConfig({ ...base, shape: { userConfig: { kind: 'Pod' }, file: 'k.yaml' } })).toThrow(
      /k\.yaml: a kind configuration has kind: Cluster/,
    );
    expect(() =>
      kindClusterConfig({
        ...base,
        shape: {
          userConfig: { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', nodes: [{ role: 'worker' }] },
          file: 'k.yaml',
        },
      }),
    ).toThrow(/at least one role: control-plane/);
  });
});
