// §4.2 of the article: a lease expires its keys — with etcdctl in the pod (ETCDCTL_* exported) and with the etcd3
// client of the test process. A file of its own: the TTL is waited for beside the other etcd files.
// Every key is under the file's /kube-claims/RUN-ID/FILE/ (etcd.runKey).
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe } from 'vitest';
import { ok } from '../../helpers/etcd/etcdctl.ts';
import { sleep } from '../../helpers/wait.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkLeaseExpiry, parseLeaseGrant, type LeaseObservation } from '../checks/etcd/keys.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import { withEnv, type EtcdUnderTest } from './fixture.ts';

describe('§4.2 key operations: leases', () => {
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
      // best-effort: an expired lease cannot be revoked, and needs not be
      if (!lease.revoked()) await lease.revoke().catch(() => undefined);
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
});
