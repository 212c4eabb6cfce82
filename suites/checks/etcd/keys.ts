// §4.2, ETCD-06..09: put/get/del, watch, leases and locks, each with etcdctl in the pod and with etcd3.
import { finding, type Differences } from '../../differences.ts';
import { failureReason, type CommandOutcome } from './common.ts';

// ---------------------------------------------------------------------------------------------------------------
// ETCD-06: put, get, del, get

export interface KvSequence {
  put: CommandOutcome;
  get: CommandOutcome;
  del: CommandOutcome;
  getAfterDel: CommandOutcome;
}

export function checkKvSequence(s: KvSequence, key: string, value: string): Differences {
  const diffs: Differences = [];
  const out = (o: CommandOutcome) => o.stdout.replace(/\n$/, '');
  const failed = (what: string, o: CommandOutcome) => {
    diffs.push(
      finding('command-exit', `${what} exited ${o.exitCode}: ${failureReason(o.stderr)}`, {
        expected: `${what}: exit 0`,
        actual: `${what}: exit ${o.exitCode}`,
      }),
    );
  };
  if (s.put.exitCode !== 0) failed('put', s.put);
  else if (out(s.put) !== 'OK')
    diffs.push(
      finding('put-output', `put printed ${JSON.stringify(out(s.put))}, not OK`, {
        expected: 'OK',
        actual: out(s.put),
      }),
    );
  if (s.get.exitCode !== 0) failed('get', s.get);
  else if (out(s.get) !== `${key}\n${value}`)
    diffs.push(
      finding(
        'get-output',
        `get printed ${JSON.stringify(out(s.get))}, not the key and value lines ${JSON.stringify(`${key}\n${value}`)}`,
        { expected: `${key}\n${value}`, actual: out(s.get) },
      ),
    );
  if (s.del.exitCode !== 0) failed('del', s.del);
  else if (out(s.del) !== '1')
    diffs.push(
      finding('del-output', `del printed ${JSON.stringify(out(s.del))}, not 1`, { expected: '1', actual: out(s.del) }),
    );
  if (s.getAfterDel.exitCode !== 0) failed('get after del', s.getAfterDel);
  else if (out(s.getAfterDel) !== '')
    diffs.push(
      finding('key-deleted', `key still present after del: get printed ${JSON.stringify(out(s.getAfterDel))}`, {
        expected: '',
        actual: out(s.getAfterDel),
      }),
    );
  return diffs;
}

/**
 * The article's "distributed" store: a key put through one member is read, with the value put, through every
 * member's own client URL (`reads`: member → etcdctl get there; linearizable, so each answers from its own store
 * once it has caught up with the leader's commit).
 */
export function checkReadThroughEveryMember(
  reads: Record<string, CommandOutcome>,
  key: string,
  value: string,
): Differences {
  return Object.entries(reads).flatMap(([member, o]) => {
    if (o.exitCode !== 0)
      return [
        finding('member-read', `get through ${member} exited ${o.exitCode}: ${failureReason(o.stderr)}`, {
          expected: `${member}: ${value}`,
          actual: `${member}: exit ${o.exitCode}`,
        }),
      ];
    const got = o.stdout.replace(/\n$/, '');
    return got === `${key}\n${value}`
      ? []
      : [
          finding(
            'member-read',
            `get through ${member} printed ${JSON.stringify(got)}, not the key and value put through another member`,
            { expected: `${member}: ${value}`, actual: `${member}: ${got.split('\n').at(-1)}` },
          ),
        ];
  });
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-07: watch

export interface WatchEvent {
  type: string;
  key: string;
  value?: string;
}

/** etcdctl watch's simple output: TYPE, KEY, VALUE lines (DELETE has no value line). */
export function parseWatchOutput(stdout: string): WatchEvent[] {
  const lines = stdout.split('\n');
  const events: WatchEvent[] = [];
  for (let i = 0; i < lines.length;) {
    const type = lines[i]!;
    if (type === 'PUT') {
      events.push({ type, key: lines[i + 1] ?? '', value: lines[i + 2] });
      i += 3;
    } else if (type === 'DELETE') {
      events.push({ type, key: lines[i + 1] ?? '' });
      i += 2;
    } else i += 1;
  }
  return events;
}

/** The watcher saw the put: an event PUT, KEY, VALUE, and nothing else for another key. */
export function checkWatchSawPut(events: WatchEvent[], key: string, value: string, who = 'etcdctl watch'): Differences {
  if (events.some((e) => e.type === 'PUT' && e.key === key && e.value === value)) {
    const others = events.filter((e) => e.key !== key);
    return others.map((e) =>
      finding('watch-other-key', `${who} printed an event for another key: ${e.type} ${e.key}`, {
        expected: key,
        actual: e.key,
      }),
    );
  }
  if (!events.length)
    return [
      finding('watch-put', `${who} printed no event for ${key}`, { expected: `PUT ${key} ${value}`, actual: 'none' }),
    ];
  return [
    finding(
      'watch-put',
      `${who} printed ${events.map((e) => [e.type, e.key, e.value].filter((x) => x !== undefined).join(' ')).join('; ')}, not PUT ${key} ${value}`,
      {
        expected: `PUT ${key} ${value}`,
        actual: events.map((e) => [e.type, e.key, e.value].filter((x) => x !== undefined).join(' ')).join('; '),
      },
    ),
  ];
}

export function checkNoProcessesLeft(lines: string[], what: string): Differences {
  return lines.map((l) =>
    finding('process-stopped', `${what} still running after it was stopped: ${l.trim().slice(0, 200)}`, {
      expected: 'none',
      actual: l.trim().slice(0, 200),
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-08: leases

export interface LeaseObservation {
  ttlSeconds: number;
  /** What the grant answered, for messages (etcdctl: "lease ID granted with TTL(Ns)"). */
  grantText: string;
  /** The TTL the grant reports; undefined when the answer could not be read. */
  grantedTtl?: number;
  /** The key was there right after the put. */
  presentAfterPut: boolean;
  /** When the key was first seen gone, counted from the grant; undefined when it never went. */
  goneAfterMs?: number;
  /** How long it was watched for. */
  watchedMs: number;
}

/** etcdctl lease grant's answer: the lease ID (hex) and its TTL. */
export function parseLeaseGrant(stdout: string): { id: string; ttl: number } | undefined {
  const m = /^lease ([0-9a-f]+) granted with TTL\((\d+)s\)$/.exec(stdout.trim());
  return m ? { id: m[1]!, ttl: Number(m[2]) } : undefined;
}

export function checkLeaseExpiry(o: LeaseObservation): Differences {
  const diffs: Differences = [];
  if (o.grantedTtl === undefined)
    diffs.push(
      finding(
        'lease-granted',
        `lease grant answered ${JSON.stringify(o.grantText.trim())}, not "lease ID granted with TTL(${o.ttlSeconds}s)"`,
        { expected: `TTL(${o.ttlSeconds}s)`, actual: o.grantText.trim() },
      ),
    );
  else if (o.grantedTtl !== o.ttlSeconds)
    diffs.push(
      finding('lease-ttl', `lease granted with a TTL of ${o.grantedTtl}s, ${o.ttlSeconds}s requested`, {
        expected: o.ttlSeconds,
        actual: o.grantedTtl,
      }),
    );
  if (!o.presentAfterPut)
    diffs.push(
      finding('key-present-after-put', 'the key was not there right after put --lease', {
        expected: 'present',
        actual: 'absent',
      }),
    );
  if (o.goneAfterMs === undefined)
    diffs.push(
      finding(
        'key-expired',
        `key still present ${(o.watchedMs / 1000).toFixed(1)}s after a lease with a TTL of ${o.ttlSeconds}s was granted`,
        { expected: `gone after ${o.ttlSeconds}s`, actual: `present after ${(o.watchedMs / 1000).toFixed(1)}s` },
      ),
    );
  else if (o.goneAfterMs < (o.ttlSeconds - 1) * 1000)
    diffs.push(
      finding('key-expired-early', `key gone after ${o.goneAfterMs}ms, before the lease's TTL of ${o.ttlSeconds}s`, {
        expected: `≥ ${(o.ttlSeconds - 1) * 1000}ms`,
        actual: `${o.goneAfterMs}ms`,
      }),
    );
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-09: locks

export interface LockObservation {
  name: string;
  /** The holder's lock key (etcdctl prints NAME/LEASE-ID; etcd3's Lock uses NAME itself). */
  holderKey: string;
  /** A second contender while the holder still held the lock. */
  whileHeld: { acquired: boolean; output: string };
  /** A contender after the holder released it. */
  afterRelease: { acquired: boolean; output: string };
}

export function checkLockExclusive(o: LockObservation): Differences {
  const diffs: Differences = [];
  if (o.holderKey !== o.name && !o.holderKey.startsWith(`${o.name}/`))
    diffs.push(
      finding(
        'holder-key',
        `the holder did not get a lock key ${o.name} or under ${o.name}/ (got ${JSON.stringify(o.holderKey.slice(0, 200))})`,
        { expected: `${o.name} or ${o.name}/…`, actual: o.holderKey.slice(0, 200) },
      ),
    );
  if (o.whileHeld.acquired)
    diffs.push(
      finding(
        'exclusive-while-held',
        `a second contender acquired ${o.name} while the holder had it (${JSON.stringify(o.whileHeld.output.trim().slice(0, 200))})`,
        { expected: 'not acquired', actual: 'acquired' },
      ),
    );
  if (!o.afterRelease.acquired)
    diffs.push(
      finding(
        'acquired-after-release',
        `a contender did not acquire ${o.name} after the holder released it (${JSON.stringify(o.afterRelease.output.trim().slice(0, 200))})`,
        { expected: 'acquired', actual: 'not acquired' },
      ),
    );
  return diffs;
}
