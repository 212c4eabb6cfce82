// §4.2 of the article: put, get, del, watch, leases, locks — each with etcdctl in the pod (ETCDCTL_* exported)
// and with the etcd3 client of the test process. Every key is under the file's /kube-claims/RUN-ID/FILE/ (etcd.runKey).
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { EtcdLockFailedError } from 'etcd3';
import { describe } from 'vitest';
import { ok } from '../../helpers/etcd/etcdctl.ts';
import { withLaxEtcd } from '../deviations/etcd.ts';
import { processesMatching, type LongRunning } from '../../helpers/etcd/exec.ts';
import { sleep } from '../../helpers/wait.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkKvSequence, checkLeaseExpiry, checkReadThroughEveryMember, checkLockExclusive, checkNoProcessesLeft, checkWatchSawPut, parseLeaseGrant, parseWatchOutput,
  type KvSequence, type LeaseObservation, type LockObservation,
} from '../checks/etcd/keys.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import { attempt, escapeRe, memberPods, outcome, readThroughMembers, withEnv, type EtcdUnderTest } from './fixture.ts';

async function kvSequenceWithEtcdctl(etcd: EtcdUnderTest, key: string, value: string): Promise<KvSequence> {
  return {
    put: outcome(await etcd.etcdctl(['put', key, value], withEnv)),
    get: outcome(await etcd.etcdctl(['get', key], withEnv)),
    del: outcome(await etcd.etcdctl(['del', key], withEnv)),
    getAfterDel: outcome(await etcd.etcdctl(['get', key], withEnv)),
  };
}

async function kvSequenceWithEtcd3(etcd: EtcdUnderTest, key: string, value: string): Promise<KvSequence> {
  const { client } = await etcd.etcd3();
  const put = await attempt(() => client.put(key).value(value).exec());
  const get = await attempt(() => client.get(key).string());
  const del = await attempt(() => client.delete().key(key).exec());
  const after = await attempt(() => client.get(key).string());
  const shown = (v: string | null | undefined) => (v === null || v === undefined ? '' : `${key}\n${v}\n`);
  return {
    put: { ...put, stdout: put.exitCode === 0 ? 'OK\n' : '' },
    get: { ...get, stdout: shown(get.value) },
    del: { ...del, stdout: del.value ? `${del.value.deleted}\n` : '' },
    getAfterDel: { ...after, stdout: shown(after.value) },
  };
}

const showSequence = (s: KvSequence) => (['put', 'get', 'del', 'getAfterDel'] as const).map((k) => `${k}: exit ${s[k].exitCode} ${JSON.stringify(s[k].stdout)}`).join('\n');

/** Puts `value` under `key` until the watcher prints the PUT (etcdctl watch gives no sign that it is registered). */
async function putUntilWatched(etcd: EtcdUnderTest, watcher: LongRunning, key: string, value: string): Promise<string> {
  for (let i = 0; ; i++) {
    ok(await etcd.etcdctl(['put', key, value], withEnv));
    try {
      // The whole event, value line included: it may arrive in a chunk of its own after the key's.
      return await watcher.waitFor(new RegExp(`^PUT\\n${escapeRe(key)}\\n${escapeRe(value)}$`, 'm'), 2_000);
    } catch (error) {
      if (i >= 4) throw error;
    }
  }
}

describe('§4.2 key operations', () => {
  claim('ETCD-06', async ({ record, note, cluster, kube, run, etcd }) => {
    const key = etcd.runKey('xdkey1');
    const viaEtcdctl = await kvSequenceWithEtcdctl(etcd, key, '111');
    record('etcdctl put/get/del/get (ETCDCTL_* exported)', showSequence(viaEtcdctl));
    const viaEtcd3 = await kvSequenceWithEtcd3(etcd, etcd.runKey('xdkey1-etcd3'), '111');
    record('etcd3 put/get/delete/get', showSequence(viaEtcd3));
    // The store is one across the members: put through this member, read through each member's own pod.
    const shared = etcd.runKey('xdkey1-every-member');
    const put = outcome(await etcd.etcdctl(['put', shared, '222'], withEnv));
    const reads = await readThroughMembers(memberPods({ cluster, kube, run }), shared);
    record(`etcdctl put ${shared} 222 through ${etcd.podName}, then get through each member's pod`, { put, reads });
    if (Object.keys(reads).length > 1) note('etcd is a distributed key-value store (shown on one member)', `this cluster has ${Object.keys(reads).length} members: a key put through ${etcd.podName} is read through each of them`);
    expectNoDifferences([
      ...checkKvSequence(viaEtcdctl, key, '111').map((d) => `etcdctl: ${d}`),
      ...checkKvSequence(viaEtcd3, etcd.runKey('xdkey1-etcd3'), '111').map((d) => `etcd3: ${d}`),
      ...(put.exitCode ? [`put through ${etcd.podName} exited ${put.exitCode}`] : []),
      ...checkReadThroughEveryMember(reads, shared, '222'),
    ]);
  });

  negativeControl('ETCD-06', 'the key read through every member and through another etcd that is not a member (a lax etcd of the cluster\'s image)', 'live', async ({ record, cluster, kube, run, etcd }) => {
    const shared = etcd.runKey('xdkey1-every-member-negative');
    ok(await etcd.etcdctl(['put', shared, '222'], withEnv));
    await withLaxEtcd({ cluster, kube, run }, await etcd.image(), async (other) => {
      const reads = await readThroughMembers([...memberPods({ cluster, kube, run }), { name: `${other.name} (${other.where})`, get: (k) => other.etcdctl([`--endpoints=${other.plainUrl}`, 'get', k]).then(outcome) }], shared);
      const diffs = checkReadThroughEveryMember(reads, shared, '222');
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `get through ${other.name}`);
    });
  });

  negativeControl('ETCD-06', 'get after del still returns the value (deviated copy of the live sequence)', 'copy', async ({ record, etcd }) => {
    const key = etcd.runKey('xdkey1-negative');
    const live = await kvSequenceWithEtcdctl(etcd, key, '111');
    const diffs = checkKvSequence({ ...live, getAfterDel: live.get }, key, '111');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'key still present after del');
  });

  claim('ETCD-07', async ({ record, kube, etcd }) => {
    const key = etcd.runKey('watched');
    const watcher = await etcd.start(['watch', key], withEnv);
    let output: string;
    try {
      output = await putUntilWatched(etcd, watcher, key, 'ttt');
    } finally {
      await etcd.stop(watcher);
    }
    const left = await processesMatching(kube.kc, etcd.ref, key);
    record(`etcdctl watch ${key} (while another exec puts ttt)`, output);
    record('processes in the etcd container after the watcher was stopped', left.lines.join('\n') || '(no process mentions the watched key)');

    // etcd3 watcher: create() resolves once etcd has registered it, so one put is enough.
    const key3 = etcd.runKey('watched-etcd3');
    const { client } = await etcd.etcd3();
    const w = await client.watch().key(key3).create();
    const events: Array<{ type: string; key: string; value?: string }> = [];
    try {
      const seen = new Promise<void>((resolve) => w.on('put', (kv) => { events.push({ type: 'PUT', key: kv.key.toString(), value: kv.value.toString() }); resolve(); }));
      ok(await etcd.etcdctl(['put', key3, 'ttt'], withEnv));
      await Promise.race([seen, sleep(5_000)]);
    } finally {
      await w.cancel();
    }
    record('etcd3 watcher events', events);
    expectNoDifferences([
      ...checkWatchSawPut(parseWatchOutput(output), key, 'ttt'),
      ...checkNoProcessesLeft(left.lines, 'etcdctl watch'),
      ...checkWatchSawPut(events, key3, 'ttt', 'the etcd3 watcher'),
    ]);
  });

  negativeControl('ETCD-07', 'the watcher is gone (stopped) before the other client puts', 'live', async ({ record, etcd }) => {
    const key = etcd.runKey('watched-negative');
    const watcher = await etcd.start(['watch', key], withEnv);
    await etcd.stop(watcher);
    ok(await etcd.etcdctl(['put', key, 'ttt'], withEnv));
    const diffs = checkWatchSawPut(parseWatchOutput(watcher.stdout()), key, 'ttt');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `etcdctl watch printed no event for ${key}`);
  });

  const TTL = 3;
  /** Polls until the key is gone or `watchMs` after the grant passed. */
  async function watchExpiry(present: () => Promise<boolean>, grantedAt: number, watchMs: number): Promise<{ goneAfterMs?: number; watchedMs: number }> {
    while (Date.now() - grantedAt < watchMs) {
      if (!(await present())) return { goneAfterMs: Date.now() - grantedAt, watchedMs: Date.now() - grantedAt };
      await sleep(250);
    }
    return { watchedMs: Date.now() - grantedAt };
  }

  async function leaseWithEtcdctl(etcd: EtcdUnderTest, key: string): Promise<LeaseObservation> {
    const grant = ok(await etcd.etcdctl(['lease', 'grant', String(TTL)], withEnv));
    const grantedAt = Date.now();
    const parsed = parseLeaseGrant(grant.stdout);
    if (!parsed) return { ttlSeconds: TTL, grantText: grant.stdout, presentAfterPut: false, watchedMs: 0 };
    ok(await etcd.etcdctl(['put', `--lease=${parsed.id}`, key, 'leased'], withEnv));
    const present = async () => ok(await etcd.etcdctl(['get', key, '--print-value-only'], withEnv)).stdout.trim() === 'leased';
    const presentAfterPut = await present();
    return { ttlSeconds: TTL, grantText: grant.stdout, grantedTtl: parsed.ttl, presentAfterPut, ...(await watchExpiry(present, grantedAt, (TTL + 5) * 1000)) };
  }

  async function leaseWithEtcd3(etcd: EtcdUnderTest, key: string, keepAlive: boolean, watchMs = (TTL + 5) * 1000): Promise<LeaseObservation> {
    const { client } = await etcd.etcd3();
    const lease = client.lease(TTL, { autoKeepAlive: keepAlive });
    try {
      const id = await lease.grant();
      const grantedAt = Date.now();
      const ttl = await client.leaseClient.leaseTimeToLive({ ID: id });
      await lease.put(key).value('leased');
      const present = async () => (await client.get(key).string()) === 'leased';
      const presentAfterPut = await present();
      return {
        ttlSeconds: TTL, grantText: `lease ${BigInt(id).toString(16)} granted with TTL(${ttl.grantedTTL}s)`, grantedTtl: Number(ttl.grantedTTL),
        presentAfterPut, ...(await watchExpiry(present, grantedAt, watchMs)),
      };
    } finally {
      if (!lease.revoked()) await lease.revoke().catch(() => undefined); // an expired lease cannot be revoked: fine
    }
  }

  claim('ETCD-08', async ({ record, etcd }) => {
    const [viaEtcdctl, viaEtcd3] = await Promise.all([leaseWithEtcdctl(etcd, etcd.runKey('leased')), leaseWithEtcd3(etcd, etcd.runKey('leased-etcd3'), false)]);
    record('etcdctl lease grant / put --lease / get until gone', viaEtcdctl);
    record('etcd3 lease (no keep-alive) / put / get until gone', viaEtcd3);
    expectNoDifferences([...checkLeaseExpiry(viaEtcdctl).map((d) => `etcdctl: ${d}`), ...checkLeaseExpiry(viaEtcd3).map((d) => `etcd3: ${d}`)]);
  });

  negativeControl('ETCD-08', 'the lease is kept alive (etcd3 keep-alive), so it never expires', 'live', async ({ record, etcd }) => {
    const o = await leaseWithEtcd3(etcd, etcd.runKey('leased-kept-alive'), true, (TTL + 3) * 1000);
    record('etcd3 lease with keep-alive', o);
    const diffs = checkLeaseExpiry(o);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'key still present');
  });

  const ACQUIRED = /^acquired (\S+)$/m;
  /** A contender that runs `sh -c 'echo acquired $ETCD_LOCK_KEY'` once it holds the lock (then releases it). */
  async function contend(etcd: EtcdUnderTest, name: string, waitMs: number): Promise<{ acquired: boolean; output: string }> {
    // "--": what follows is the command etcdctl runs under the lock, not etcdctl flags.
    const contender = await etcd.start(['lock', name, '--', 'sh', '-c', 'echo "acquired $ETCD_LOCK_KEY"'], withEnv);
    try {
      const out = await contender.waitFor(ACQUIRED, waitMs).catch(() => undefined);
      return { acquired: out !== undefined, output: out ?? `(nothing within ${waitMs / 1000}s) ${contender.stderr().trim().split('\n').at(-1) ?? ''}` };
    } finally {
      await etcd.stop(contender);
    }
  }

  /** Holder `etcdctl lock NAME` (prints its key NAME/LEASE and holds until stopped); `meanwhile` runs while it holds. */
  async function withLockHolder(etcd: EtcdUnderTest, name: string, meanwhile: (holderKey: string) => Promise<LockObservation['whileHeld']>): Promise<LockObservation> {
    const holder = await etcd.start(['lock', name], withEnv);
    let holderKey: string;
    let whileHeld: LockObservation['whileHeld'];
    try {
      holderKey = (await holder.waitFor(new RegExp(`^${escapeRe(name)}/[0-9a-f]+$`, 'm'), 10_000)).split('\n').find((l) => l.startsWith(`${name}/`)) ?? '';
      whileHeld = await meanwhile(holderKey);
    } finally {
      await etcd.stop(holder); // SIGTERM: etcdctl lock unlocks and ends its session
    }
    const afterRelease = await contend(etcd, name, 10_000);
    return { name, holderKey, whileHeld, afterRelease };
  }

  async function lockWithEtcd3(etcd: EtcdUnderTest, name: string): Promise<LockObservation> {
    const { client } = await etcd.etcd3();
    const holder = client.lock(name).ttl(10);
    const second = client.lock(name).ttl(10);
    await holder.acquire();
    let whileHeld: LockObservation['whileHeld'];
    try {
      const r = await attempt(() => second.acquire());
      whileHeld = { acquired: r.exitCode === 0, output: r.exitCode === 0 ? 'acquired' : r.stderr };
      if (r.exitCode === 0) await second.release(); // it should not have had it; give it back at once
      if (r.exitCode !== 0 && !r.stderr.startsWith(new EtcdLockFailedError('').name)) throw new Error(`etcd3 Lock failed for another reason: ${r.stderr}`);
    } finally {
      await holder.release();
    }
    const r = await attempt(() => second.acquire());
    if (r.exitCode === 0) await second.release();
    return { name, holderKey: name, whileHeld, afterRelease: { acquired: r.exitCode === 0, output: r.exitCode === 0 ? 'acquired' : r.stderr } };
  }

  claim('ETCD-09', async ({ record, etcd }) => {
    const name = etcd.runKey('lock');
    const viaEtcdctl = await withLockHolder(etcd, name, () => contend(etcd, name, 3_000));
    record('etcdctl lock: holder key, contender while held (3s), contender after release', viaEtcdctl);
    const viaEtcd3 = await lockWithEtcd3(etcd, etcd.runKey('lock-etcd3'));
    record('etcd3 Lock: second acquire while held, after release', viaEtcd3);
    expectNoDifferences([...checkLockExclusive(viaEtcdctl).map((d) => `etcdctl: ${d}`), ...checkLockExclusive(viaEtcd3).map((d) => `etcd3: ${d}`)]);
  }, 60_000);

  negativeControl('ETCD-09', "the holder's session lease is revoked behind its back while it still runs", 'live', async ({ record, etcd }) => {
    const name = etcd.runKey('lock-negative');
    const o = await withLockHolder(etcd, name, async (holderKey) => {
      const lease = holderKey.slice(name.length + 1);
      ok(await etcd.etcdctl(['lease', 'revoke', lease], withEnv));
      return contend(etcd, name, 3_000);
    });
    record('etcdctl lock with the holder\'s lease revoked', o);
    const diffs = checkLockExclusive(o);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `a second contender acquired ${name} while the holder had it`);
  }, { timeout: 60_000 });
});
