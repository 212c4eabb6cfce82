// §4 of the article: only kube-apiserver talks to etcd; kube-controller-manager, kube-scheduler and kubelet
// reach the API server instead. Checked twice: the flags and kubeconfigs of the components, and the TCP
// connections to etcd's client port on the node with the processes that hold them.
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe, expect } from 'vitest';
import { EtcdPod } from '../../helpers/etcd/etcdctl.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkOnlyApiServerTalksToEtcd } from '../checks/etcd/clients.ts';
import { parseFlags } from '../checks/etcd/common.ts';
import { checkEtcdClients, describeClients } from '../checks/etcd/sockets.ts';
import { schedulerWithEtcdFlag } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences, finding, prefixed, type Differences } from '../differences.ts';
import { eventually } from '../eventually.ts';
import { controlPlaneNodes, onNode } from '../observations.ts';
import { withEnv } from './fixture.ts';
import { clientFlags, observeEtcdClients, observeSockets } from './observe.ts';

describe('§4 etcd: only kube-apiserver talks to it', () => {
  claim('ETCD-01', async ({ record, cluster, kube, run }) => {
    const diffs: Differences = [];
    // Each control-plane node runs its own etcd member (stacked etcd) and its own API server: judged on each.
    const cps = controlPlaneNodes(cluster);
    for (const node of cps) {
      const here = onNode(cluster, node);
      const o = await observeEtcdClients({ cluster: here, kube });
      record(`etcd-related flags and kubeconfig servers (${node.name})`, clientFlags(o));
      const sockets = await observeSockets({ cluster: here, kube, run });
      record(
        `processes holding connections to etcd's client port ${sockets.port} (on ${node.name}, from /proc)`,
        describeClients(sockets.clients),
      );
      const found = [...checkOnlyApiServerTalksToEtcd(o), ...checkEtcdClients(sockets.clients)];
      diffs.push(...(cps.length > 1 ? prefixed(`${node.name}: `, found) : found));
    }
    expectNoDifferences(diffs);
  });

  negativeControl(
    'ETCD-01',
    'kube-scheduler given an etcd flag (deviated copy of the live static pod specs)',
    'copy',
    async ({ cluster, kube }) => {
      const live = await observeEtcdClients({ cluster, kube });
      const servers = parseFlags(live.apiserver).get('etcd-servers') ?? 'https://127.0.0.1:2379';
      const diffs = checkOnlyApiServerTalksToEtcd(schedulerWithEtcdFlag(live, servers));
      expect(expectDifference(diffs, 'no-etcd-flag').actual).toBe(`kube-scheduler: --etcd-servers=${servers}`);
    },
  );

  negativeControl(
    'ETCD-01',
    'another process holds a connection to etcd (an etcdctl watch the run does not mark as its own)',
    'live',
    async ({ record, cluster, kube, run, etcd }) => {
      // A client that is neither kube-apiserver nor this run's: an etcdctl left watching in the etcd pod.
      const stranger = new EtcdPod(kube.kc, etcd.ref);
      const watcher = await stranger.startEtcdctl(['watch', etcd.runKey('stranger')], {
        env: withEnv.env,
        flags: 'none',
        maxSeconds: 30,
      });
      try {
        // The watcher connects a moment after it starts: observe until it shows (10 s at most).
        const s = await eventually(
          () => observeSockets({ cluster, kube, run }),
          (o) => (checkEtcdClients(o.clients).length ? [] : [finding('stranger-seen', 'no stranger seen yet')]),
          { deadline: Date.now() + 10_000, intervalMs: 500 },
        );
        record(
          'processes holding connections to etcd while the stranger watches',
          describeClients(s.observation.clients),
        );
        const diffs = checkEtcdClients(s.observation.clients);
        expect(expectDifference(diffs, 'other-client').actual).toMatch(/^etcdctl: etcdctl .*watch /);
      } finally {
        await watcher.stop();
      }
    },
  );
});
