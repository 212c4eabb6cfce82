// A node's files in one exec (each `docker exec` or pods/exec costs a runtime exec on the node): stat of named
// entries, `ls -la` of a folder, and text files exactly as stored, separated by NUL (text files hold none).
import type { NodeFiles } from '../contract/node-files.ts';
import { nodeExec, type NodeTarget } from './node.ts';

/** The one exec: argv ROOT ENTRY… -- FILE…; exits 0 whatever is missing (the parts say what). */
export const NODE_FILES_SCRIPT = [
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
  const r = await nodeExec(target, ['sh', '-c', NODE_FILES_SCRIPT, 'read', root, ...entries, '--', ...files]);
  if (r.exitCode !== 0) throw new Error(`on node ${node}: cannot read ${root}: ${r.stderr.trim().split('\n').at(-1)}`);
  return { node, readAt, root, ...parseNodeFiles(r.stdout, files, node) };
}

/** The script's output: its stat lines, its listing, and each file's text (null where cat failed). */
export function parseNodeFiles(stdout: string, files: readonly string[], node = 'the node') {
  const [stat = '', listing = '', ...rest] = stdout.split('\0');
  if (
    rest.length < files.length * 2 ||
    rest.slice(0, files.length * 2).some((x, i) => i % 2 === 1 && !/^[+-]$/.test(x))
  )
    throw new Error(`on ${node}: reading ${files.join(', ')} gave ${Math.floor(rest.length / 2)} framed file(s)`);
  const texts = Object.fromEntries(files.map((f, i) => [f, rest[2 * i + 1] === '+' ? rest[2 * i]! : null]));
  return { stat, listing, texts };
}
