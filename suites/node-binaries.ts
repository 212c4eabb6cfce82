// The running binaries of the components the claims ask about (kube-apiserver, etcd), observed once per
// control-plane node per run: read when the session opens (app/session.ts), in one set of execs per node for all of
// them, and handed to every worker (suites/provenance-observe.ts reads it, or reads live where the run has none).
import type { ClusterInfo } from '../contract/cluster.ts';
import { runningBinaries, type RunningBinary } from '../helpers/running-binaries.ts';
import { controlPlaneNodes, onNode } from './observations.ts';

/** The components whose binaries the claims ask about (API-03, ETCD-03 and the article replay). */
export const READ_TOGETHER = ['kube-apiserver', 'etcd'];

/** Node name → its running binaries, or why they could not be read. Nodes without access are not in it. */
export type RunNodeBinaries = Record<string, RunningBinary[] | { error: string }>;

declare module 'vitest' {
  interface ProvidedContext {
    /** The running binaries of each control-plane node, read once when the session opened. */
    runBinaries?: RunNodeBinaries;
  }
}

export async function observeRunBinaries(cluster: ClusterInfo): Promise<RunNodeBinaries> {
  const nodes = controlPlaneNodes(cluster).filter((n) => n.access.kind !== 'none');
  const read = async (name: string, c: ClusterInfo) =>
    [
      name,
      // reported: the claims that read it rethrow this, as a live read would have thrown it
      await runningBinaries(c, READ_TOGETHER).catch((e: Error) => ({ error: e.message })),
    ] as const;
  return Object.fromEntries(await Promise.all(nodes.map((n) => read(n.name, onNode(cluster, n)))));
}
