// What a highly available control plane adds (three control-plane nodes with stacked etcd behind a load
// balancer), each shown by stopping one component on one node and seeing the claims name it: the load balancer
// keeps serving and the API server stopped is named (API-05, and COMP-01 on its node); etcd keeps quorum with
// one member stopped (its process SIGSTOPped), and the member stopped is named (ETCD-06). Registered on clusters of
// several control
// planes only; they run last, alone (app/vitest-projects.ts), since they take a member of what every other
// file uses. Held back on clusters kube-claims did not make. What is stopped is started again, also after a
// killed run (the parked manifest is put back by the next run, kind/providers/leftovers.ts).
import { describe, expect, inject } from 'vitest';
import { EtcdPod } from '../helpers/etcd/etcdctl.ts';
import { waitUntil } from '../helpers/wait.ts';
import { runHash } from '../contract/run-id.ts';
import { negativeControl } from './claim.ts';
import { checkEveryApiServerReached } from './checks/apiserver/load-balancer.ts';
import { checkReadThroughEveryMember } from './checks/etcd/keys.ts';
import { podReady } from './checks/components.ts';
import { withProcessStopped, withStaticPodRemoved } from './deviations/components.ts';
import { expectDifference, findingsOf, NotStaged } from './differences.ts';
import { controlPlaneContainers, controlPlaneNodes, onNode, untilLoadBalancerSkips } from './observations.ts';
import { memberPods, readThroughMembers, withEnv } from './etcd/fixture.ts';

const cluster = inject('cluster');
const controlPlanes = controlPlaneNodes(cluster);
/** The node a control stops something on: the last control plane, never the one the other claims look at. */
const target = controlPlanes.at(-1)!;

const notStaged = (live: string[]) =>
  new NotStaged(
    `the control plane already deviates (${live.join('; ')}), and nothing is stopped on a control plane that deviates`,
  );

/**
 * These controls are about several control planes: on a cluster of one they say so (reported skipped, with this reason,
 * before any policy).
 */
const notApplicable =
  controlPlanes.length > 1
    ? undefined
    : `not applicable: this control stops one of several control planes, and ${cluster.name} has ${controlPlanes.length} (run with --topology ha)`;

describe('a highly available control plane: one member stopped at a time', () => {
  negativeControl(
    'API-05',
    `the kube-apiserver of ${target.name} stopped (its manifest moved away): the load balancer keeps serving, the stopped server is named`,
    'live',
    async ({ record, cluster, kube, run, controlPlaneDeviations }) => {
      if (controlPlaneDeviations.deviations.length) throw notStaged(controlPlaneDeviations.deviations);
      record('the control plane as the controls found it', controlPlaneDeviations.note);
      const names = controlPlanes.map((n) => n.name);
      await withStaticPodRemoved({ cluster: onNode(cluster, target), kube, run }, 'kube-apiserver', async () => {
        const behind = await untilLoadBalancerSkips(kube, names, target.name);
        record(
          `API servers reached through ${cluster.server} while ${target.name}'s is stopped`,
          behind.reached.join('\n'),
        );
        // It keeps serving: every request through it answers.
        // reported: a request that fails is the observation; the check requires every one to answer
        const healthz = await Promise.all(
          Array.from({ length: names.length * 2 }, () =>
            kube.core.listNamespace().then(
              () => 'ok',
              (e: Error) => e.message,
            ),
          ),
        );
        record('GET /api/v1/namespaces through the load balancer, several times', healthz.join('\n'));
        const failed = healthz.filter((h) => h !== 'ok');
        if (failed.length)
          throw new Error(`the load balancer did not keep serving with one API server stopped: ${failed[0]}`);
        const containers = await controlPlaneContainers(cluster, kube);
        const diffs = [...checkEveryApiServerReached(behind.connections, names), ...containers.differences];
        expect(expectDifference(diffs, 'server-reached').expected).toBe(target.name);
        expectDifference(diffs, 'container-count');
        expect(findingsOf(diffs, 'container-count').map((f) => f.expected)).toContain(
          `${target.name}/kube-apiserver × 1`,
        );
      });
    },
    // Its kube-apiserver's static pod moved away; the control plane's containers (coredns' too) read while it is.
    { timeout: 300_000, disruptive: true, notApplicable, disturbs: ['static-pods'], reads: ['coredns'] },
  );

  negativeControl(
    'ETCD-06',
    `the etcd member of ${target.name} stopped (its process SIGSTOPped): a put still succeeds (quorum), the stopped member is named`,
    'live',
    async ({ record, cluster, kube, run, controlPlaneDeviations }) => {
      if (controlPlaneDeviations.deviations.length) throw notStaged(controlPlaneDeviations.deviations);
      record('the control plane as the controls found it', controlPlaneDeviations.note);
      const first = controlPlanes[0]!;
      const writer = new EtcdPod(
        kube.kc,
        { namespace: 'kube-system', pod: `etcd-${first.name}`, container: 'etcd' },
        runHash(run.runId),
      );
      const key = `/kube-claims/${run.runId}/ha/quorum`;
      try {
        await withProcessStopped({ cluster: onNode(cluster, target), run }, 'etcd', async () => {
          // The API server beside the stopped member (stacked etcd: it uses that member only) fails its health checks
          // and answers 500 until the load balancer has taken it out: what follows, every exec included, goes through
          // the API servers the load balancer still sends to, as any client's requests would.
          const behind = await untilLoadBalancerSkips(
            kube,
            controlPlanes.map((n) => n.name),
            target.name,
          );
          record(
            `API servers reached through ${cluster.server} while the member of ${target.name} is stopped`,
            behind.reached.join('\n'),
          );
          const put = await writer.etcdctl(['put', key, 'q'], withEnv);
          record(
            `etcdctl put ${key} q through etcd-${first.name}, with the member of ${target.name} stopped`,
            `exit ${put.exitCode}\n${put.stdout}${put.stderr}`,
          );
          if (put.exitCode !== 0)
            throw new Error(
              `etcd lost quorum with one of ${controlPlanes.length} members stopped: put exited ${put.exitCode}`,
            );
          const reads = await readThroughMembers(memberPods({ cluster, kube, run }, 15_000), key);
          const diffs = checkReadThroughEveryMember(reads, key, 'q');
          expectDifference(diffs, 'member-read');
          expect(findingsOf(diffs, 'member-read').map((f) => f.expected)).toContain(`etcd-${target.name}: q`);
        });
        // Going on, the member catches up with the others; its API server, which uses it, is Ready again.
        await waitUntil(
          `the etcd member of ${target.name} to read the key put while it was stopped`,
          async () => {
            const reads = await readThroughMembers(
              memberPods({ cluster, kube, run }, 15_000).filter((m) => m.name === `etcd-${target.name}`),
              key,
            );
            return Object.keys(reads).length === 1 && checkReadThroughEveryMember(reads, key, 'q').length === 0;
          },
          60_000,
          500,
        );
        await waitUntil(
          `kube-apiserver-${target.name} to be Ready again`,
          async () => {
            // retried: the API server is coming back; the wait asks again until its deadline
            const pod = await kube.core
              .readNamespacedPod({ namespace: 'kube-system', name: `kube-apiserver-${target.name}` })
              .catch(() => undefined);
            return !!pod && podReady(pod);
          },
          90_000,
          500,
        );
      } finally {
        // best-effort: the run's key; the etcd fixture removes the file's prefix at its end
        await writer.etcdctl(['del', key], withEnv).catch(() => undefined);
      }
    },
    // Its etcd static pod's process stopped.
    { timeout: 300_000, disruptive: true, notApplicable, disturbs: ['static-pods'] },
  );
});
