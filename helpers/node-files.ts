// A node's files in one exec (each `docker exec` or pods/exec costs a runtime exec on the node): stat of named
// entries, `ls -la` of a folder, and text files exactly as stored, separated by NUL (text files hold none).
import type { NodeFiles } from '../contract/node-files.ts';
import { nodeExec, type NodeTarget } from './node.ts';

const SCRIPT = [
  'root=$1; shift',
  'while [ "$1" != -- ]; do stat -c "%a|%F|%n" -- "$1" 2>/dev/null; shift; done; shift',
  'printf "\\0"; ls -la -- "$root"; printf "\\0"',
  'for f; do if cat -- "$f" 2>/dev/null; then printf "\\0+\\0"; else printf "\\0-\\0"; fi; done',
].join('\n');

export async function readNodeFiles(
  target: NodeTarget,
  node: string,
  root: string,
  entries: readonly string[],
  files: readonly string[],
): Promise<NodeFiles> {
  const readAt = new Date().toISOString();
  const r = await nodeExec(target, ['sh', '-c', SCRIPT, 'read', root, ...entries, '--', ...files]);
  if (r.exitCode !== 0) throw new Error(`on node ${node}: cannot read ${root}: ${r.stderr.trim().split('\n').at(-1)}`);
  const [stat = '', listing = '', ...rest] = r.stdout.split('\0');
  if (rest.length < files.length * 2)
    throw new Error(`on node ${node}: reading ${files.join(', ')} gave ${Math.floor(rest.length / 2)} file(s)`);
  const texts = Object.fromEntries(files.map((f, i) => [f, rest[2 * i + 1] === '+' ? rest[2 * i]! : null]));
  return { node, readAt, root, stat, listing, texts };
}
