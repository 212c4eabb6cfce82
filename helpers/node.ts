// Commands on the control-plane node, argv-based (no shell strings are built here): `docker exec` into a
// kind node container, or `kubectl exec` into the run's node-shell pod, entering the node with its own nsenter.
import { execa } from 'execa';
import type { ClusterInfo, NodeAccess } from '../contract/cluster.ts';

export interface NodeExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** What reaching the node takes: its access and, for a node-shell pod, kubectl and the kubeconfig. */
export type NodeTarget = Pick<ClusterInfo, 'nodeAccess' | 'kubectl' | 'kubeconfig' | 'context'>;

export class NodeAccessUnavailable extends Error {
  override name = 'NodeAccessUnavailable';
}

export const NSENTER_ARGS = ['-t', '1', '-m', '-u', '-i', '-n', '-p', '--'];

export function nodeAccessReason(access: NodeAccess): string | undefined {
  return access.kind === 'none' ? access.reason : undefined;
}

function command(cluster: NodeTarget, argv: string[], interactive: boolean): [string, string[]] {
  const a = cluster.nodeAccess;
  if (a.kind === 'docker') return ['docker', ['exec', ...(interactive ? ['-i'] : []), a.container, ...argv]];
  if (a.kind === 'pod') {
    return [
      cluster.kubectl,
      [
        '--kubeconfig',
        cluster.kubeconfig,
        ...(cluster.context ? ['--context', cluster.context] : []),
        '-n',
        a.namespace,
        'exec',
        ...(interactive ? ['-i'] : []),
        a.pod,
        '-c',
        a.container,
        '--',
        ...a.launcher,
        ...NSENTER_ARGS,
        ...argv,
      ],
    ];
  }
  throw new NodeAccessUnavailable(a.reason);
}

/** Runs argv on the control-plane node; a non-zero exit is an answer, not an error. */
export async function nodeExec(
  cluster: NodeTarget,
  argv: string[],
  input?: string,
  timeoutMs = 60_000,
): Promise<NodeExecResult> {
  const [file, args] = command(cluster, argv, input !== undefined);
  const r = await execa(file, args, { reject: false, input, timeout: timeoutMs });
  if (r.timedOut) throw new Error(`on node: ${argv.join(' ')} did not finish within ${timeoutMs / 1000}s`);
  return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
}

export async function nodeExecOk(
  cluster: NodeTarget,
  argv: string[],
  input?: string,
  timeoutMs?: number,
): Promise<string> {
  const r = await nodeExec(cluster, argv, input, timeoutMs);
  if (r.exitCode !== 0)
    throw new Error(`on node: ${argv.join(' ')} exited ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1)}`);
  return r.stdout;
}

/**
 * Text files on the node, read in one exec (each `docker exec` or pods/exec costs a runtime exec on the node):
 * their contents in the order asked, exactly as stored. Fails naming the file that cannot be read.
 */
export async function readNodeTextFiles(cluster: NodeTarget, paths: string[]): Promise<string[]> {
  if (!paths.length) return [];
  // NUL after each file: text holds none, so the split is exact.
  const r = await nodeExec(cluster, [
    'sh',
    '-c',
    'for f; do cat -- "$f" || exit 1; printf "\\0"; done',
    'read',
    ...paths,
  ]);
  if (r.exitCode !== 0)
    throw new Error(`on node: cannot read ${paths.join(', ')}: ${r.stderr.trim().split('\n').at(-1)}`);
  const contents = r.stdout.split('\0');
  if (contents.length !== paths.length + 1)
    throw new Error(`on node: reading ${paths.join(', ')} gave ${contents.length - 1} file(s)`);
  return contents.slice(0, paths.length);
}
