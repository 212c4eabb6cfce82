// ETCD-02: sh in the etcd pod, and etcdctl member list showing one started member per control-plane node, named
// after it. Expectations come from the cluster under test (its control-plane nodes' names and IPs).
import { finding, type Differences } from '../../differences.ts';
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
  if (result.exitCode !== 0)
    return [
      finding('shell-exit', `sh -c 'echo $0' exited ${result.exitCode}: ${lastLine(result.stderr)}`, {
        expected: 0,
        actual: result.exitCode,
      }),
    ];
  return result.stdout.trim() === 'sh'
    ? []
    : [
        finding('shell-name', `sh -c 'echo $0' printed ${JSON.stringify(result.stdout.trim())}, not "sh"`, {
          expected: 'sh',
          actual: result.stdout.trim(),
        }),
      ];
}

/**
 * `etcdctl member list` (table) and `-w json`: one started, non-learner member per control-plane node (kubeadm's
 * stacked etcd), named after its node, with that node's peer and client URLs — the article's one member on a
 * cluster of one control plane. Rows come in member-ID order, so they are matched by name.
 */
export function checkMemberList(table: string, json: string, wants: MemberExpectation[]): Differences {
  const diffs: Differences = [];
  const rows = table
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(', '));
  if (rows.length !== wants.length)
    diffs.push(
      finding(
        'member-count',
        `${rows.length} members listed, ${wants.length} expected (one per control-plane node): ${firstLines(table)}`,
        { expected: wants.length, actual: rows.length },
      ),
    );
  let parsed: MemberJson;
  try {
    parsed = parseEtcdJson<MemberJson>(json);
  } catch (e) {
    return [
      ...diffs,
      finding('json-parses', `member list -w json is not JSON: ${(e as Error).message}`, {
        expected: 'JSON',
        actual: (e as Error).message,
      }),
    ];
  }
  const members = parsed.members ?? [];
  if (members.length !== wants.length)
    diffs.push(
      finding('json-member-count', `-w json lists ${members.length} members, ${wants.length} expected`, {
        expected: wants.length,
        actual: members.length,
      }),
    );
  for (const row of rows) {
    if (row.length !== 6)
      diffs.push(
        finding(
          'member-fields',
          `member line has ${row.length} fields, 6 expected (ID, status, name, peer URLs, client URLs, is learner): ${row.join(', ')}`,
          { expected: 6, actual: row.length },
        ),
      );
    if (!wants.some((w) => w.name === row[2])) {
      const peerIsOurs = wants.some((w) => row[3] === `https://${w.ip}:2380`);
      diffs.push(
        finding(
          'member-name',
          `member ${row[0]} is named ${JSON.stringify(row[2])}, after no control-plane node (${wants.map((w) => w.name).join(', ')})${peerIsOurs ? '' : `; its peer URL ${row[3]} is no control-plane node's https://IP:2380`}`,
          { expected: wants.map((w) => w.name).join(', '), actual: `${row[2]} (peer ${row[3]})` },
        ),
      );
    }
  }
  for (const want of wants) {
    const peer = `https://${want.ip}:2380`;
    const client = `https://${want.ip}:2379`;
    const row = rows.find((r) => r[2] === want.name);
    if (!row)
      diffs.push(
        finding('member-present', `no member named after the node ${want.name}`, {
          expected: want.name,
          actual: 'absent',
        }),
      );
    else {
      const [id, status, , peers, clients, learner] = row;
      if (status !== 'started')
        diffs.push(
          finding('member-status', `member ${id} (${want.name}) is ${JSON.stringify(status)}, not started`, {
            expected: `${want.name}: started`,
            actual: `${want.name}: ${status}`,
          }),
        );
      if (peers !== peer)
        diffs.push(
          finding('peer-url', `${want.name}: peer URL is ${peers}, not ${peer}`, { expected: peer, actual: peers }),
        );
      if (clients !== client)
        diffs.push(
          finding('client-url', `${want.name}: client URL is ${clients}, not ${client}`, {
            expected: client,
            actual: clients,
          }),
        );
      if (learner !== 'false')
        diffs.push(
          finding('is-learner', `${want.name}: is-learner is ${learner}, not false`, {
            expected: `${want.name}: false`,
            actual: `${want.name}: ${learner}`,
          }),
        );
    }
    const m = members.find((x) => x.name === want.name);
    if (!m)
      diffs.push(
        finding('json-member-present', `-w json has no member named ${want.name}`, {
          expected: want.name,
          actual: 'absent',
        }),
      );
    else {
      if (row && m.ID !== undefined && hex(m.ID) !== row[0])
        diffs.push(
          finding(
            'json-member-id',
            `-w json member ID ${hex(m.ID)} of ${want.name} differs from the table's ${row[0]}`,
            { expected: row[0], actual: hex(m.ID) },
          ),
        );
      if (JSON.stringify(m.peerURLs) !== JSON.stringify([peer]))
        diffs.push(
          finding(
            'json-peer-urls',
            `-w json peerURLs of ${want.name} are ${JSON.stringify(m.peerURLs)}, not ["${peer}"]`,
            { expected: JSON.stringify([peer]), actual: JSON.stringify(m.peerURLs) },
          ),
        );
      if (JSON.stringify(m.clientURLs) !== JSON.stringify([client]))
        diffs.push(
          finding(
            'json-client-urls',
            `-w json clientURLs of ${want.name} are ${JSON.stringify(m.clientURLs)}, not ["${client}"]`,
            { expected: JSON.stringify([client]), actual: JSON.stringify(m.clientURLs) },
          ),
        );
      if (m.isLearner)
        diffs.push(
          finding('json-is-learner', `-w json says the member of ${want.name} is a learner`, {
            expected: `${want.name}: false`,
            actual: `${want.name}: true`,
          }),
        );
    }
  }
  return diffs;
}
