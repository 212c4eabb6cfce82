// Shell access to the control-plane node, argv-based (no shell strings are built here):
// `docker exec` into a kind node container, or, on a cluster kind did not make, `kubectl exec`
// into the run's privileged node-shell pod, entering the node's namespaces with nsenter.
import { execa } from 'execa';
import type { ClusterInfo } from '../environment/providers/provision.ts';
import { kubectlBinary } from './kubectl.ts';

export interface NodeExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export class NodeAccessUnavailable extends Error {
  override name = 'NodeAccessUnavailable';
}

export function nodeAccess(cluster: ClusterInfo): { available: true } | { available: false; reason: string } {
  if (cluster.nodeContainer || cluster.nodeShell) return { available: true };
  return { available: false, reason: cluster.nodeAccessUnavailable ?? `no shell on the nodes of ${cluster.name}` };
}

async function command(cluster: ClusterInfo, argv: string[], interactive: boolean): Promise<[string, string[]]> {
  if (cluster.nodeContainer) return ['docker', ['exec', ...(interactive ? ['-i'] : []), cluster.nodeContainer, ...argv]];
  if (cluster.nodeShell) {
    const { namespace, pod } = cluster.nodeShell;
    return [await kubectlBinary(cluster.kubernetesVersion), [
      '--kubeconfig', cluster.kubeconfig, ...(cluster.context ? ['--context', cluster.context] : []),
      '-n', namespace, 'exec', ...(interactive ? ['-i'] : []), pod, '--', 'nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', ...argv,
    ]];
  }
  throw new NodeAccessUnavailable((nodeAccess(cluster) as { reason: string }).reason);
}

/** Runs argv on the control-plane node. */
export async function nodeExec(cluster: ClusterInfo, argv: string[], input?: string): Promise<NodeExecResult> {
  const [file, args] = await command(cluster, argv, input !== undefined);
  const r = await execa(file, args, { reject: false, input, timeout: 120_000 });
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}

export async function nodeExecOk(cluster: ClusterInfo, argv: string[], input?: string): Promise<string> {
  const r = await nodeExec(cluster, argv, input);
  if (r.exitCode !== 0) throw new Error(`on node: ${argv.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout;
}
