// §4.2 of the article: put, get, del and watch — each with etcdctl in the pod (ETCDCTL_* exported) and with the
// etcd3 client of the test process; leases are in leases.test.ts and locks in locks.test.ts, files of their own
// so that their waits (a lease's TTL, a contender that must not get the lock) run beside these.
// Every key is under the file's /kube-claims/RUN-ID/FILE/ (etcd.runKey).
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe, expect } from 'vitest';
import { ok } from '../../helpers/etcd/etcdctl.ts';
import { processesMatching } from '../../helpers/etcd/exec.ts';
import { sleep } from '../../helpers/wait.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkKvSequence,
  checkReadThroughEveryMember,
  checkNoProcessesLeft,
  checkWatchSawPut,
  parseWatchOutput,
} from '../checks/etcd/keys.ts';
import { withLaxEtcd } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences, finding, findingsOf, prefixed } from '../differences.ts';
import { memberPods, outcome, readThroughMembers, withEnv } from './fixture.ts';
import { kvSequenceWithEtcd3, kvSequenceWithEtcdctl, putUntilWatched, showSequence } from './observe.ts';

describe('§4.2 key operations: put, get, del, watch', () => {
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
    if (Object.keys(reads).length > 1)
      note(
        'etcd is a distributed key-value store (shown on one member)',
        `this cluster has ${Object.keys(reads).length} members: a key put through ${etcd.podName} is read through each of them`,
      );
    expectNoDifferences([
      ...prefixed('etcdctl: ', checkKvSequence(viaEtcdctl, key, '111')),
      ...prefixed('etcd3: ', checkKvSequence(viaEtcd3, etcd.runKey('xdkey1-etcd3'), '111')),
      ...(put.exitCode
        ? [
            finding('shared-put-exit', `put through ${etcd.podName} exited ${put.exitCode}`, {
              expected: 0,
              actual: put.exitCode,
            }),
          ]
        : []),
      ...checkReadThroughEveryMember(reads, shared, '222'),
    ]);
  });

  negativeControl(
    'ETCD-06',
    "the key read through every member and through another etcd that is not a member (a lax etcd of the cluster's image)",
    'beside',
    async ({ cluster, kube, run, etcd }) => {
      const shared = etcd.runKey('xdkey1-every-member-negative');
      ok(await etcd.etcdctl(['put', shared, '222'], withEnv));
      await withLaxEtcd({ cluster, kube, run }, await etcd.image(), async (other) => {
        const reads = await readThroughMembers(
          [
            ...memberPods({ cluster, kube, run }),
            {
              name: `${other.name} (${other.where})`,
              get: (k) => other.etcdctl([`--endpoints=${other.plainUrl}`, 'get', k]).then(outcome),
            },
          ],
          shared,
        );
        const diffs = checkReadThroughEveryMember(reads, shared, '222');
        expectDifference(diffs, 'member-read');
        expect(findingsOf(diffs, 'member-read').map((f) => f.expected)).toContain(
          `${other.name} (${other.where}): 222`,
        );
      });
    },
  );

  negativeControl(
    'ETCD-06',
    'get after del still returns the value (deviated copy of the live sequence)',
    'copy',
    async ({ etcd }) => {
      const key = etcd.runKey('xdkey1-negative');
      const live = await kvSequenceWithEtcdctl(etcd, key, '111');
      const diffs = checkKvSequence({ ...live, getAfterDel: live.get }, key, '111');
      expectDifference(diffs, 'key-deleted');
    },
  );

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
    record(
      'processes in the etcd container after the watcher was stopped',
      left.lines.join('\n') || '(no process mentions the watched key)',
    );

    // etcd3 watcher: create() resolves once etcd has registered it, so one put is enough.
    const key3 = etcd.runKey('watched-etcd3');
    const { client } = await etcd.etcd3();
    const w = await client.watch().key(key3).create();
    const events: Array<{ type: string; key: string; value?: string }> = [];
    try {
      const seen = new Promise<void>((resolve) =>
        w.on('put', (kv) => {
          events.push({ type: 'PUT', key: kv.key.toString(), value: kv.value.toString() });
          resolve();
        }),
      );
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

  negativeControl('ETCD-07', 'the watcher is gone (stopped) before the other client puts', 'live', async ({ etcd }) => {
    const key = etcd.runKey('watched-negative');
    const watcher = await etcd.start(['watch', key], withEnv);
    await etcd.stop(watcher);
    ok(await etcd.etcdctl(['put', key, 'ttt'], withEnv));
    const diffs = checkWatchSawPut(parseWatchOutput(watcher.stdout()), key, 'ttt');
    expect(expectDifference(diffs, 'watch-put').actual).toBe('none');
  });
});
