// §4.2 of the article: a lock is exclusive — with etcdctl in the pod (ETCDCTL_* exported) and with the etcd3 client
// of the test process. A file of its own: the seconds a contender must wait in vain run beside the other etcd files.
// Every key is under the file's /kube-claims/RUN-ID/FILE/ (etcd.runKey).
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe } from 'vitest';
import { ok } from '../../helpers/etcd/etcdctl.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkLockExclusive } from '../checks/etcd/keys.ts';
import { expectDifference, expectNoDifferences, prefixed } from '../differences.ts';
import { withEnv } from './fixture.ts';
import { contend, lockWithEtcd3, withLockHolder } from './observe.ts';

describe('§4.2 key operations: locks', () => {
  claim(
    'ETCD-09',
    async ({ record, etcd }) => {
      const name = etcd.runKey('lock');
      const viaEtcdctl = await withLockHolder(etcd, name, () => contend(etcd, name, 3_000));
      record('etcdctl lock: holder key, contender while held (3s), contender after release', viaEtcdctl);
      const viaEtcd3 = await lockWithEtcd3(etcd, etcd.runKey('lock-etcd3'));
      record('etcd3 Lock: second acquire while held, after release', viaEtcd3);
      expectNoDifferences([
        ...prefixed('etcdctl: ', checkLockExclusive(viaEtcdctl)),
        ...prefixed('etcd3: ', checkLockExclusive(viaEtcd3)),
      ]);
    },
    60_000,
  );

  negativeControl(
    'ETCD-09',
    "the holder's session lease is revoked behind its back while it still runs",
    'live',
    async ({ record, etcd }) => {
      const name = etcd.runKey('lock-negative');
      const o = await withLockHolder(etcd, name, async (holderKey) => {
        const lease = holderKey.slice(name.length + 1);
        ok(await etcd.etcdctl(['lease', 'revoke', lease], withEnv));
        return contend(etcd, name, 3_000);
      });
      record("etcdctl lock with the holder's lease revoked", o);
      const diffs = checkLockExclusive(o);
      expectDifference(diffs, 'exclusive-while-held');
    },
    { timeout: 60_000 },
  );
});
