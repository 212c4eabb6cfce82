// ETCD-02: sh in the etcd pod, and etcdctl member list showing the one started member named after the node.
// Expectations come from the cluster under test (node name and IP).
import type { Differences } from '../../differences.ts';
import { firstLines, hex, lastLine, parseEtcdJson } from './common.ts';

export interface MemberExpectation {
  /** The node's name (etcd's --name under kubeadm). */
  name: string;
  /** The node's InternalIP. */
  ip: string;
}

interface MemberJson {
  members?: Array<{ ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }>;
}

export function checkShell(result: { exitCode: number; stdout: string; stderr: string }): Differences {
  if (result.exitCode !== 0) return [`sh -c 'echo $0' exited ${result.exitCode}: ${lastLine(result.stderr)}`];
  return result.stdout.trim() === 'sh' ? [] : [`sh -c 'echo $0' printed ${JSON.stringify(result.stdout.trim())}, not "sh"`];
}

/** `etcdctl member list` (table) and `-w json` show the one started, non-learner member of the node. */
export function checkMemberList(table: string, json: string, want: MemberExpectation): Differences {
  const diffs: Differences = [];
  const peer = `https://${want.ip}:2380`;
  const client = `https://${want.ip}:2379`;
  const rows = table.trim().split('\n').filter(Boolean).map((l) => l.split(', '));
  if (rows.length !== 1) diffs.push(`${rows.length} members listed, 1 expected: ${firstLines(table)}`);
  const row = rows[0];
  if (row) {
    const [id, status, name, peers, clients, learner] = row;
    if (row.length !== 6) diffs.push(`member line has ${row.length} fields, 6 expected (ID, status, name, peer URLs, client URLs, is learner): ${row.join(', ')}`);
    if (status !== 'started') diffs.push(`member ${id} is ${JSON.stringify(status)}, not started`);
    if (name !== want.name) diffs.push(`member name is ${JSON.stringify(name)}, not the node's name ${want.name}`);
    if (peers !== peer) diffs.push(`peer URL is ${peers}, not ${peer}`);
    if (clients !== client) diffs.push(`client URL is ${clients}, not ${client}`);
    if (learner !== 'false') diffs.push(`is-learner is ${learner}, not false`);
  }
  let parsed: MemberJson;
  try { parsed = parseEtcdJson<MemberJson>(json); } catch (e) { return [...diffs, `member list -w json is not JSON: ${(e as Error).message}`]; }
  const members = parsed.members ?? [];
  if (members.length !== 1) diffs.push(`-w json lists ${members.length} members, 1 expected`);
  const m = members[0];
  if (m) {
    if (row && m.ID !== undefined && hex(m.ID) !== row[0]) diffs.push(`-w json member ID ${hex(m.ID)} differs from the table's ${row[0]}`);
    if (m.name !== want.name) diffs.push(`-w json member name is ${JSON.stringify(m.name)}, not ${want.name}`);
    if (JSON.stringify(m.peerURLs) !== JSON.stringify([peer])) diffs.push(`-w json peerURLs are ${JSON.stringify(m.peerURLs)}, not ["${peer}"]`);
    if (JSON.stringify(m.clientURLs) !== JSON.stringify([client])) diffs.push(`-w json clientURLs are ${JSON.stringify(m.clientURLs)}, not ["${client}"]`);
    if (m.isLearner) diffs.push('-w json says the member is a learner');
  }
  return diffs;
}
