// The executables of static pods' processes running on a node, and their Go build information, read on the node itself:
// a process's /proc/PID/exe is the file it runs, whatever container it runs in. The bytes come over as od's
// hex (byte-safe through any exec), in a few execs for all binaries together: the ELF header, then the section
// table, then the section names and the .go.buildinfo section.
import { NoBuildInfo, parseBuildInfoSection, parseOdHex, type GoBuildInfo } from './go-buildinfo.ts';
import { nodeExec, type NodeTarget } from './node.ts';

/** A node to run commands on, and its name (the static pods' names end with it). */
export type NamedNode = NodeTarget & { nodeName: string };

export interface RunningBinary {
  /** The static pod's component (its container's name). */
  component: string;
  /** The process name (/proc/PID/comm) of the container's main process. */
  name: string;
  pid: number;
  /** What /proc/PID/exe links to, as the node's mount namespace shows it (the container's path). */
  executable: string;
  /** Its build information, or why it could not be read. */
  info?: GoBuildInfo;
  error?: string;
}

interface Range {
  file: string;
  offset: number;
  length: number;
}

/** Reads byte ranges of files on the node in one exec (od prints each as hex; a line "." ends each). */
async function readRanges(node: NodeTarget, ranges: Range[]): Promise<Buffer[]> {
  if (!ranges.length) return [];
  const script = 'while [ $# -gt 0 ]; do od -An -v -tx1 -j "$2" -N "$3" "$1" || exit 1; echo .; shift 3; done';
  const r = await nodeExec(node, [
    'sh',
    '-c',
    script,
    'read',
    ...ranges.flatMap((x) => [x.file, String(x.offset), String(x.length)]),
  ]);
  if (r.exitCode !== 0)
    throw new Error(
      `on node: od could not read ${ranges.map((x) => x.file).join(', ')}: ${r.stderr.trim().split('\n').at(-1)}`,
    );
  const parts = r.stdout.split(/^\.$/m).slice(0, ranges.length);
  return parts.map(parseOdHex);
}

/**
 * The main processes of static pods' containers on the node, in one exec: for each component, the container crictl
 * lists for the pod COMPONENT-NODE, and the pid the runtime gives for it. Chosen by container, not by process
 * name: other processes of the same name can run on the node (a run's own throw-away etcd pod among them), and one
 * that ends while its file is read would fail the read. A component without a running container has no line.
 */
async function staticPodProcesses(
  node: NamedNode,
  components: string[],
): Promise<Array<{ component: string; name: string; pid: number; executable: string }>> {
  const script = [
    'n=$1; shift',
    'for c; do',
    '  id=$(crictl ps -q --state running --label io.kubernetes.pod.namespace=kube-system' +
      ' --label "io.kubernetes.pod.name=$c-$n" --label "io.kubernetes.container.name=$c" | head -n 1) || exit 1',
    '  [ -n "$id" ] || continue',
    '  pid=$(crictl inspect -o go-template --template \'{{.info.pid}}\' "$id") || exit 1',
    '  read -r comm < "/proc/$pid/comm" || exit 1',
    '  echo "$c $pid $comm $(readlink "/proc/$pid/exe")"',
    'done',
  ].join('\n');
  const r = await nodeExec(node, ['sh', '-c', script, 'ps', node.nodeName, ...components]);
  if (r.exitCode !== 0)
    throw new Error(
      `on node: cannot find the ${components.join(', ')} containers' processes: ${r.stderr.trim().split('\n').at(-1)}`,
    );
  return [...r.stdout.matchAll(/^(\S+) (\d+) (\S+) (.*)$/gm)].map((m) => ({
    component: m[1]!,
    pid: Number(m[2]),
    name: m[3]!,
    executable: m[4]!,
  }));
}

const u64 = (b: Buffer, at: number) => Number(b.readBigUInt64LE(at));

/** The running binaries of these static pods' containers on the node, with their build information. */
export async function runningBinaries(node: NamedNode, components: string[]): Promise<RunningBinary[]> {
  const processes = await staticPodProcesses(node, components);
  const exe = (pid: number) => `/proc/${pid}/exe`;
  const headers = await readRanges(
    node,
    processes.map((p) => ({ file: exe(p.pid), offset: 0, length: 64 })),
  );
  const elf = processes.map((p, i) => {
    const h = headers[i]!;
    if (h.length < 64 || h.toString('latin1', 0, 4) !== '\x7fELF' || h[4] !== 2 || h[5] !== 1)
      return { ...p, error: 'not a 64-bit little-endian ELF executable' };
    return {
      ...p,
      shoff: u64(h, 0x28),
      shentsize: h.readUInt16LE(0x3a),
      shnum: h.readUInt16LE(0x3c),
      shstrndx: h.readUInt16LE(0x3e),
    };
  });
  const withTable = elf.filter((e): e is Extract<typeof e, { shoff: number }> => 'shoff' in e);
  const tables = await readRanges(
    node,
    withTable.map((e) => ({ file: exe(e.pid), offset: e.shoff, length: e.shentsize * e.shnum })),
  );
  const sections = withTable.map((e, i) => {
    const t = tables[i]!;
    const at = (n: number) => ({
      name: t.readUInt32LE(n * e.shentsize),
      offset: u64(t, n * e.shentsize + 24),
      size: u64(t, n * e.shentsize + 32),
    });
    return { ...e, all: Array.from({ length: e.shnum }, (_x, n) => at(n)), strtab: at(e.shstrndx) };
  });
  const names2 = await readRanges(
    node,
    sections.map((s) => ({ file: exe(s.pid), offset: s.strtab.offset, length: s.strtab.size })),
  );
  const located = sections.map((s, i) => {
    const strings = names2[i]!;
    const nameOf = (o: number) => strings.toString('latin1', o, Math.max(o, strings.indexOf(0, o)));
    return { ...s, buildinfo: s.all.find((x) => nameOf(x.name) === '.go.buildinfo') };
  });
  const withInfo = located.filter((l) => l.buildinfo);
  const blobs = await readRanges(
    node,
    withInfo.map((l) => ({ file: exe(l.pid), offset: l.buildinfo!.offset, length: l.buildinfo!.size })),
  );
  const infos = new Map(withInfo.map((l, i) => [l.pid, blobs[i]!]));
  return elf.map((e) => {
    const base = { component: e.component, name: e.name, pid: e.pid, executable: e.executable };
    if ('error' in e) return { ...base, error: e.error };
    const blob = infos.get(e.pid);
    if (!blob) return { ...base, error: 'no .go.buildinfo section: not a Go binary, or one built before Go 1.18' };
    try {
      return { ...base, info: parseBuildInfoSection(blob) };
    } catch (error) {
      if (error instanceof NoBuildInfo) return { ...base, error: error.message };
      throw error;
    }
  });
}
