// Shell access to the control-plane node, argv-based (no shell strings are built here).
import { execa } from 'execa';
import type { ClusterInfo } from './cluster/provision.ts';

export interface NodeExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class NodeAccessUnavailable extends Error {
  override name = 'NodeAccessUnavailable';
}

/** Runs argv on the control-plane node (docker exec into the kind node container). */
export async function nodeExec(cluster: ClusterInfo, argv: string[], input?: string): Promise<NodeExecResult> {
  if (!cluster.nodeContainer) {
    throw new NodeAccessUnavailable(`no shell on the nodes of ${cluster.name}: it is not a kind cluster made or reused by kube-claims`);
  }
  const r = await execa('docker', ['exec', ...(input !== undefined ? ['-i'] : []), cluster.nodeContainer, ...argv], { reject: false, input, timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}

export async function nodeExecOk(cluster: ClusterInfo, argv: string[], input?: string): Promise<string> {
  const r = await nodeExec(cluster, argv, input);
  if (r.exitCode !== 0) throw new Error(`on node: ${argv.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout;
}
