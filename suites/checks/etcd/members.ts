// ETCD-02: sh in the etcd pod, and etcdctl member list showing one started member per control-plane node, named
// after it. Expectations come from the cluster under test (its control-plane nodes' names and IPs).
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

/**
 * `etcdctl member list` (table) and `-w json`: one started, non-learner member per control-plane node (kubeadm's
 * stacked etcd), named after its node, with that node's peer and client URLs — the article's one member on a
 * cluster of one control plane. Rows come in member-ID order, so they are matched by name.
 */
export function checkMemberList(table: string, json: string, wants: MemberExpectation[]): Differences {
  const diffs: Differences = [];
  const rows = table.trim().split('\n').filter(Boolean).map((l) => l.split(', '));
  if (rows.length !== wants.length) diffs.push(`${rows.length} members listed, ${wants.length} expected (one per control-plane node): ${firstLines(table)}`);
  let parsed: MemberJson;
  try { parsed = parseEtcdJson<MemberJson>(json); } catch (e) { return [...diffs, `member list -w json is not JSON: ${(e as Error).message}`]; }
  const members = parsed.members ?? [];
  if (members.length !== wants.length) diffs.push(`-w json lists ${members.length} members, ${wants.length} expected`);
  for (const row of rows) {
    if (row.length !== 6) diffs.push(`member line has ${row.length} fields, 6 expected (ID, status, name, peer URLs, client URLs, is learner): ${row.join(', ')}`);
    if (!wants.some((w) => w.name === row[2])) {
      const peerIsOurs = wants.some((w) => row[3] === `https://${w.ip}:2380`);
      diffs.push(`member ${row[0]} is named ${JSON.stringify(row[2])}, after no control-plane node (${wants.map((w) => w.name).join(', ')})${peerIsOurs ? '' : `; its peer URL ${row[3]} is no control-plane node's https://IP:2380`}`);
    }
  }
  for (const want of wants) {
    const peer = `https://${want.ip}:2380`;
    const client = `https://${want.ip}:2379`;
    const row = rows.find((r) => r[2] === want.name);
    if (!row) diffs.push(`no member named after the node ${want.name}`);
    else {
      const [id, status, , peers, clients, learner] = row;
      if (status !== 'started') diffs.push(`member ${id} (${want.name}) is ${JSON.stringify(status)}, not started`);
      if (peers !== peer) diffs.push(`${want.name}: peer URL is ${peers}, not ${peer}`);
      if (clients !== client) diffs.push(`${want.name}: client URL is ${clients}, not ${client}`);
      if (learner !== 'false') diffs.push(`${want.name}: is-learner is ${learner}, not false`);
    }
    const m = members.find((x) => x.name === want.name);
    if (!m) diffs.push(`-w json has no member named ${want.name}`);
    else {
      if (row && m.ID !== undefined && hex(m.ID) !== row[0]) diffs.push(`-w json member ID ${hex(m.ID)} of ${want.name} differs from the table's ${row[0]}`);
      if (JSON.stringify(m.peerURLs) !== JSON.stringify([peer])) diffs.push(`-w json peerURLs of ${want.name} are ${JSON.stringify(m.peerURLs)}, not ["${peer}"]`);
      if (JSON.stringify(m.clientURLs) !== JSON.stringify([client])) diffs.push(`-w json clientURLs of ${want.name} are ${JSON.stringify(m.clientURLs)}, not ["${client}"]`);
      if (m.isLearner) diffs.push(`-w json says the member of ${want.name} is a learner`);
    }
  }
  return diffs;
}
