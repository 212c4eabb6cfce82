// The negative controls of §2 that disturb the control plane (a static pod moved away, coredns scaled down).
// They run in a project of their own, after the claims of every file (app/vitest-projects.ts): nothing else
// observes the cluster while they stage their deviation. They run at the same time as each other: each
// expects its own deviation to be named, whatever else differs. Held back on clusters kube-claims did not make.
import { beforeAll, describe } from 'vitest';
import { negativeControl } from './claim.ts';
import { checkCrictlContainers, checkKubeSystemPods } from './checks/components.ts';
import { crictlContainers } from './observations.ts';
import { withDeploymentScaled, withStaticPodRemoved } from './deviations/components.ts';
import { expectDifference, NotStaged } from './differences.ts';
import { cluster, kube } from './env.ts';

/**
 * On a control plane that already deviates from the claim, no more is moved or scaled: undoing it may not be
 * possible there (no scheduler, no pod list), and the claim's check has just failed on the live deviation.
 */
const notStaged = (id: string, live: string[]) =>
  new NotStaged(`the cluster already deviates from ${id} (${live.join('; ')}), and nothing more is moved or scaled on a control plane that deviates`);

/** The live checks before either control stages anything (they run at the same time); a failed observation is a deviation too. */
const differencesNow = (observe: () => Promise<string[]>) => observe().catch((e: Error) => [`the observation failed: ${e.message.split('\n')[0]}`]);
const before: { comp01: Promise<string[]>; comp02: Promise<string[]> } = { comp01: Promise.resolve([]), comp02: Promise.resolve([]) };

describe.concurrent('§2 containers and pods of the cluster: disruptive negative controls', () => {
  beforeAll(() => {
    before.comp01 = differencesNow(async () => checkCrictlContainers((await crictlContainers()).containers, cluster().nodeName));
    before.comp02 = differencesNow(async () => checkKubeSystemPods((await kube().core.listNamespacedPod({ namespace: 'kube-system' })).items, cluster().nodeName));
    return Promise.all([before.comp01, before.comp02]).then(() => undefined);
  });

  negativeControl('COMP-01', 'the kube-scheduler static pod is removed from the node', async ({ record }) => {
    const live = await before.comp01;
    if (live.length) throw notStaged('COMP-01', live);
    await withStaticPodRemoved('kube-scheduler', async () => {
      const { containers, table } = await crictlContainers();
      record('crictl ps without the kube-scheduler manifest', table);
      const diffs = checkCrictlContainers(containers, cluster().nodeName);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'container kube-scheduler');
    });
  }, { timeout: 300_000, disruptive: true });

  negativeControl('COMP-02', 'coredns scaled to one replica', async ({ record }) => {
    const live = await before.comp02;
    if (live.length) throw notStaged('COMP-02', live);
    await withDeploymentScaled('kube-system', 'coredns', 'k8s-app=kube-dns', 1, async () => {
      const pods = (await kube().core.listNamespacedPod({ namespace: 'kube-system' })).items;
      const diffs = checkKubeSystemPods(pods, cluster().nodeName);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'coredns-');
    });
  }, { timeout: 300_000, disruptive: true });
});
