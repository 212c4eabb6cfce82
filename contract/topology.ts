// The shapes of cluster kube-claims makes: how many control-plane nodes (with stacked etcd, kubeadm's HA
// layout) and workers. A user's own kind configuration (--kind-config) gives any other shape.
import { UsageError } from './errors.ts';

export type TopologyId = 'single' | 'workers' | 'ha';

export interface Topology {
  id: TopologyId;
  controlPlanes: number;
  workers: number;
  description: string;
}

export const TOPOLOGIES = {
  single: { id: 'single', controlPlanes: 1, workers: 0, description: 'one control-plane node, as in the article' },
  workers: { id: 'workers', controlPlanes: 1, workers: 2, description: 'one control-plane node and two workers' },
  ha: {
    id: 'ha',
    controlPlanes: 3,
    workers: 2,
    description: "three control-plane nodes with stacked etcd behind kind's load balancer, and two workers",
  },
} as const satisfies Record<TopologyId, Topology>;
export const TOPOLOGY_IDS = Object.keys(TOPOLOGIES) as TopologyId[];
export const DEFAULT_TOPOLOGY: TopologyId = 'single';

export function resolveTopology(input: string): Topology {
  const t = (TOPOLOGIES as Record<string, Topology>)[input.trim()];
  if (!t) throw new UsageError(`unknown topology "${input}" (known: ${TOPOLOGY_IDS.join(', ')})`);
  return t;
}

/** What a cluster's nodes say about its shape, for reports (clusters kube-claims did not make, --kind-config). */
export function describeShape(controlPlanes: number, workers: number): string {
  const known = Object.values(TOPOLOGIES).find((t) => t.controlPlanes === controlPlanes && t.workers === workers);
  return `${known ? `${known.id}: ` : ''}${controlPlanes} control-plane node${controlPlanes === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}`;
}
