// The negative controls of §2 that disturb the control plane (a static pod moved away, coredns scaled down).
// Each declares what it disturbs (contract/touches.ts): the run's scheduler keeps the tests that read it (COMP-01,
// COMP-02, ETCD-01, ETCD-12, the article replay) from running meanwhile; every other test runs beside them. One
// after the other: coredns scaled back up needs the scheduler that the other control moves away. Held back on
// clusters kube-claims did not make.
import { describe, expect } from 'vitest';
import { negativeControl } from './claim.ts';
import { checkKubeSystemPods } from './checks/components.ts';
import { controlPlaneContainers, podExpectations } from './observations.ts';
import { withDeploymentScaled, withStaticPodRemoved } from './deviations/components.ts';
import { expectDifference, findingsOf, NotStaged } from './differences.ts';

/**
 * On a control plane that already deviates (COMP-01's containers or COMP-02's pods: the controlPlaneDeviations
 * fixture, observed once for this file before either control stages anything), nothing more is moved or
 * scaled: undoing it may not be possible or observable there (no scheduler, no pod list), and the claims'
 * checks have just failed on the live deviation.
 */
const notStaged = (live: string[]) =>
  new NotStaged(
    `the control plane already deviates (${live.join('; ')}), and nothing more is moved or scaled on a control plane that deviates`,
  );

describe('§2 containers and pods of the cluster: disruptive negative controls', () => {
  negativeControl(
    'COMP-01',
    'the kube-scheduler static pod is removed from the node',
    'live',
    async ({ record, cluster, kube, run, controlPlaneDeviations }) => {
      if (controlPlaneDeviations.deviations.length) throw notStaged(controlPlaneDeviations.deviations);
      record('the control plane as the controls found it', controlPlaneDeviations.note);
      await withStaticPodRemoved({ cluster, kube, run }, 'kube-scheduler', async () => {
        const { tables, differences: diffs } = await controlPlaneContainers(cluster, kube);
        record(`crictl ps on ${cluster.nodeName} without its kube-scheduler manifest`, tables[cluster.nodeName]);
        expectDifference(diffs, 'container-count');
        expect(findingsOf(diffs, 'container-count').map((f) => f.expected)).toContain(
          `${cluster.nodeName}/kube-scheduler × 1`,
        );
      });
    },
    { timeout: 300_000, disruptive: true, disturbs: ['static-pods', 'scheduling'] },
  );

  negativeControl(
    'COMP-02',
    'coredns scaled to one replica',
    'live',
    async ({ record, cluster, kube, run, controlPlaneDeviations }) => {
      if (controlPlaneDeviations.deviations.length) throw notStaged(controlPlaneDeviations.deviations);
      record('the control plane as the controls found it', controlPlaneDeviations.note);
      await withDeploymentScaled({ kube, run }, 'kube-system', 'coredns', 'k8s-app=kube-dns', 1, async () => {
        const pods = (await kube.core.listNamespacedPod({ namespace: 'kube-system' })).items;
        const diffs = checkKubeSystemPods(pods, await podExpectations(cluster, kube));
        expect(expectDifference(diffs, 'coredns-replicas').actual).toBe('1');
      });
    },
    { timeout: 300_000, disruptive: true, disturbs: ['coredns'] },
  );
});
