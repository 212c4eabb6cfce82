// The running binaries of the components the claims ask about (kube-apiserver, etcd), observed once per
// control-plane node per run: read when the session opens (app/session.ts), in one set of execs per node for all of
// them, and handed to every worker (suites/provenance-observe.ts reads it, or reads live where the run has none).
import type { ClusterInfo } from '../contract/cluster.ts';
import { runningBinaries, type RunningBinary } from '../helpers/running-binaries.ts';
import { perReachableControlPlane } from './run-observations.ts';

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

export const observeRunBinaries = (cluster: ClusterInfo): Promise<RunNodeBinaries> =>
  perReachableControlPlane(cluster, (c) => runningBinaries(c, READ_TOGETHER));
