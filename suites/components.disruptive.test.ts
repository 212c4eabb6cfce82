// The negative controls of §2 that disturb the control plane (a static pod moved away, coredns scaled down).
// They run in a project of their own, after the claims of every file (app/vitest-projects.ts): nothing else
// observes the cluster while they stage their deviation. They run at the same time as each other: each
// expects its own deviation to be named, whatever else differs. Held back on clusters kube-claims did not make.
import { describe } from 'vitest';
import { negativeControl } from './claim.ts';
import { checkCrictlContainers, checkKubeSystemPods } from './checks/components.ts';
import { crictlContainers } from './observations.ts';
import { withDeploymentScaled, withStaticPodRemoved } from './deviations/components.ts';
import { expectDifference } from './differences.ts';
import { cluster, kube } from './env.ts';

describe.concurrent('§2 containers and pods of the cluster: disruptive negative controls', () => {
  negativeControl('COMP-01', 'the kube-scheduler static pod is removed from the node', async ({ record }) => {
    await withStaticPodRemoved('kube-scheduler', async () => {
      const { containers, table } = await crictlContainers();
      record('crictl ps without the kube-scheduler manifest', table);
      const diffs = checkCrictlContainers(containers, cluster().nodeName);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'container kube-scheduler');
    });
  }, { timeout: 300_000, disruptive: true });

  negativeControl('COMP-02', 'coredns scaled to one replica', async ({ record }) => {
    await withDeploymentScaled('kube-system', 'coredns', 'k8s-app=kube-dns', 1, async () => {
      const pods = (await kube().core.listNamespacedPod({ namespace: 'kube-system' })).items;
      const diffs = checkKubeSystemPods(pods, cluster().nodeName);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'coredns-');
    });
  }, { timeout: 300_000, disruptive: true });
});
