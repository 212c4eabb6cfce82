// §4.2 of the article: a lease expires its keys — with etcdctl in the pod (ETCDCTL_* exported) and with the etcd3
// client of the test process. A file of its own: the TTL is waited for beside the other etcd files.
// Every key is under the file's /kube-claims/RUN-ID/FILE/ (etcd.runKey).
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe } from 'vitest';
import { claim, negativeControl } from '../claim.ts';
import { checkLeaseExpiry } from '../checks/etcd/keys.ts';
import { expectDifference, expectNoDifferences, prefixed } from '../differences.ts';
import { LEASE_TTL, leaseWithEtcd3, leaseWithEtcdctl } from './observe.ts';

describe('§4.2 key operations: leases', () => {
  claim('ETCD-08', async ({ record, etcd }) => {
    const [viaEtcdctl, viaEtcd3] = await Promise.all([
      leaseWithEtcdctl(etcd, etcd.runKey('leased')),
      leaseWithEtcd3(etcd, etcd.runKey('leased-etcd3'), false),
    ]);
    record('etcdctl lease grant / put --lease / get until gone', viaEtcdctl);
    record('etcd3 lease (no keep-alive) / put / get until gone', viaEtcd3);
    expectNoDifferences([
      ...prefixed('etcdctl: ', checkLeaseExpiry(viaEtcdctl)),
      ...prefixed('etcd3: ', checkLeaseExpiry(viaEtcd3)),
    ]);
  });

  negativeControl(
    'ETCD-08',
    'the lease is kept alive (etcd3 keep-alive), so it never expires',
    'live',
    async ({ record, etcd }) => {
      const o = await leaseWithEtcd3(etcd, etcd.runKey('leased-kept-alive'), true, (LEASE_TTL + 3) * 1000);
      record('etcd3 lease with keep-alive', o);
      const diffs = checkLeaseExpiry(o);
      expectDifference(diffs, 'key-expired');
    },
  );
});
