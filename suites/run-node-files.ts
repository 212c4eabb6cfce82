// The run's observation of a control-plane node's /etc/kubernetes (suites/node-files.ts), as a test reads it: handed to
// the worker by the run, or read live (once per worker) where the run has none for that node.
import { inject } from 'vitest';
import type { ClusterInfo } from '../contract/cluster.ts';
import type { NodeFiles } from '../contract/node-files.ts';
import { readEtcKubernetes } from './node-files.ts';
import { runOrLive } from './run-observations.ts';

const readLive = new Map<string, Promise<NodeFiles>>();

/** /etc/kubernetes of the node `c` points at, as the run observed it. */
export const kubeadmFilesOf = (c: ClusterInfo): Promise<NodeFiles> =>
  runOrLive(inject('nodeFiles')?.[c.nodeName], readLive, c.nodeName, () => readEtcKubernetes(c));

/** One file of that observation; fails naming it when it could not be read. */
export async function kubeadmFileOf(c: ClusterInfo, path: string): Promise<string> {
  const text = (await kubeadmFilesOf(c)).texts[path];
  if (text == null) throw new Error(`on node ${c.nodeName}: cannot read ${path}`);
  return text;
}
