// §4.2 of the article: a lock is exclusive — with etcdctl in the pod (ETCDCTL_* exported) and with the etcd3 client
// of the test process. A file of its own: the seconds a contender must wait in vain run beside the other etcd files.
// Every key is under the file's /kube-claims/RUN-ID/FILE/ (etcd.runKey).
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { EtcdLockFailedError } from 'etcd3';
import { describe } from 'vitest';
import { ok } from '../../helpers/etcd/etcdctl.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkLockExclusive, type LockObservation } from '../checks/etcd/keys.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import { attempt, escapeRe, withEnv, type EtcdUnderTest } from './fixture.ts';
import { ExecTimeout } from '../../helpers/etcd/exec.ts';

describe('§4.2 key operations: locks', () => {
  const ACQUIRED = /^acquired (\S+)$/m;
  /** A contender that runs `sh -c 'echo acquired $ETCD_LOCK_KEY'` once it holds the lock (then releases it). */
  async function contend(etcd: EtcdUnderTest, name: string, waitMs: number): Promise<{ acquired: boolean; output: string }> {
    // "--": what follows is the command etcdctl runs under the lock, not etcdctl flags.
    const contender = await etcd.start(['lock', name, '--', 'sh', '-c', 'echo "acquired $ETCD_LOCK_KEY"'], withEnv);
    try {
      // absent is the truth: no output within waitMs is the observation (not acquired); a contender that failed is thrown
      const out = await contender.waitFor(ACQUIRED, waitMs).catch((e: unknown) => { if (e instanceof ExecTimeout) return undefined; throw e; });
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
