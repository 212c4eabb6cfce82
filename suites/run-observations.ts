// What the run observes once per control-plane node when its session opens (suites/node-files.ts,
// suites/node-binaries.ts), and how a test reads it: the run's observation, or a live read (once per worker) where
// the run has none for that node. A read that failed is kept as its error and rethrown to the claims that need it.

import type { ClusterInfo } from '../contract/cluster.ts';
import { controlPlaneNodes, onNode } from './observations.ts';

export type Observed<T> = T | { error: string };
const failed = <T>(o: Observed<T>): o is { error: string } =>
  typeof o === 'object' && o !== null && !Array.isArray(o) && 'error' in o;

/** `read` on each control-plane node kube-claims can reach, side by side: node name → its result or why it failed. */
export async function perReachableControlPlane<T>(
  cluster: ClusterInfo,
  read: (c: ClusterInfo) => Promise<T>,
): Promise<Record<string, Observed<T>>> {
  const nodes = controlPlaneNodes(cluster).filter((n) => n.access.kind !== 'none');
  const one = async (c: ClusterInfo) =>
    // reported: the claims that read it rethrow this, as a live read would have thrown it
    [c.nodeName, await read(c).catch((e: Error) => ({ error: e.message }))] as const;
  return Object.fromEntries(await Promise.all(nodes.map((n) => one(onNode(cluster, n)))));
}

/** The run's observation when it has one; else `live`, once per `key` in this worker. */
export function runOrLive<T>(
  run: Observed<T> | undefined,
  memo: Map<string, Promise<T>>,
  key: string,
  live: () => Promise<T>,
): Promise<T> {
  if (run !== undefined) return failed(run) ? Promise.reject(new Error(run.error)) : Promise.resolve(run);
  let p = memo.get(key);
  if (!p) memo.set(key, (p = live()));
  return p;
}
