// §2 of the article: the containers and pods of a kubeadm cluster.
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, describe } from 'vitest';
import { nodeExecOk } from '../lib/node.ts';
import { deleteNamespace, createRunNamespace } from '../lib/namespace.ts';
import { claim, negativeControl } from './claim.ts';
import {
  checkArticleNamespaces, checkCrictlContainers, checkKubeSystemPods, checkOnlyDefaultNamespace, checkRedisReplicas,
  comparePodSets, type CrictlContainer,
} from './checks/components.ts';
import { expectDifference, expectNoDifferences } from './differences.ts';
import { cluster, kube, kubectl, runScoped } from './env.ts';
import { deployRedis, pingReplicas } from './workloads/redis.ts';
import { withStaticPodRemoved, withDeploymentScaled, withContextNamespace } from './deviations/components.ts';

async function crictlContainers(): Promise<{ containers: CrictlContainer[]; table: string }> {
  const c = cluster();
  const json = JSON.parse(await nodeExecOk(c, ['crictl', 'ps', '-o', 'json'])) as { containers: CrictlContainer[] };
  const table = await nodeExecOk(c, ['crictl', 'ps']);
  return { containers: json.containers, table };
}

describe('§2 containers and pods of the cluster', () => {
  claim('COMP-01', async ({ record }) => {
    const { containers, table } = await crictlContainers();
    record('crictl ps (on the node)', table);
    expectNoDifferences(checkCrictlContainers(containers, cluster().nodeName));
  });

  negativeControl('COMP-01', 'the kube-scheduler static pod is removed from the node', async ({ record }) => {
    await withStaticPodRemoved('kube-scheduler', async () => {
      const { containers, table } = await crictlContainers();
      record('crictl ps without the kube-scheduler manifest', table);
      const diffs = checkCrictlContainers(containers, cluster().nodeName);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'container kube-scheduler');
    });
  }, { timeout: 300_000, disruptive: true });

  claim('COMP-02', async ({ record }) => {
    const k = await kubectl();
    const node = cluster().nodeName;
    const shortForm = (await k.json<{ items: V1Pod[] }>(['get', 'pod', '-A'])).items;
    const longForm = (await k.json<{ items: V1Pod[] }>(['get', 'pod', '--all-namespaces'])).items;
    const kubeSystem = (await k.json<{ items: V1Pod[] }>(['get', 'pod', '-n', 'kube-system'])).items;
    const viaClient = (await kube().core.listPodForAllNamespaces()).items;
    record('kubectl get pod -A', (await k.ok(['get', 'pod', '-A'])).stdout);
    expectNoDifferences([
      ...checkKubeSystemPods(shortForm, node),
      ...comparePodSets(shortForm, longForm, '-A', '--all-namespaces'),
      ...comparePodSets(shortForm.filter((p) => p.metadata?.namespace === 'kube-system'), kubeSystem, '-A (kube-system)', '-n kube-system'),
      ...comparePodSets(shortForm, viaClient, 'kubectl', '@kubernetes/client-node'),
    ]);
  });

  negativeControl('COMP-02', 'coredns scaled to one replica', async ({ record }) => {
    await withDeploymentScaled('kube-system', 'coredns', 1, async () => {
      const pods = (await kube().core.listNamespacedPod({ namespace: 'kube-system' })).items;
      const diffs = checkKubeSystemPods(pods, cluster().nodeName);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'coredns-');
    });
  }, { timeout: 300_000, disruptive: true });

  claim('COMP-03', async ({ record }) => {
    const k = await kubectl();
    const pods = (await k.json<{ items: V1Pod[] }>(['get', 'pod'])).items;
    const defaults = (await kube().core.listNamespacedPod({ namespace: 'default' })).items;
    record('kubectl get pod', (await k.ok(['get', 'pod'])).stdout || '(no pods in default)');
    expectNoDifferences([...checkOnlyDefaultNamespace(pods), ...comparePodSets(pods, defaults, 'kubectl get pod', 'the API (namespace default)')]);
  });

  negativeControl('COMP-03', 'the kubeconfig context names namespace kube-system', async ({ record }) => {
    await withContextNamespace('kube-system', async (k) => {
      const pods = (await k.json<{ items: V1Pod[] }>(['get', 'pod'])).items;
      const diffs = checkOnlyDefaultNamespace(pods);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'kube-system/');
    });
  });

  claim('COMP-04', async ({ record }) => {
    const k = await kubectl();
    const viaKubectl = (await k.json<{ items: Array<{ metadata: { name: string }; status: { phase: string } }> }>(['get', 'namespaces'])).items
      .map((n) => ({ name: n.metadata.name, phase: n.status.phase }));
    const viaClient = (await kube().core.listNamespace()).items.map((n) => ({ name: n.metadata?.name ?? '', phase: n.status?.phase }));
    record('kubectl get namespaces', (await k.ok(['get', 'namespaces'])).stdout);
    expectNoDifferences([...checkArticleNamespaces(viaKubectl), ...checkArticleNamespaces(viaClient)]);
  });

  negativeControl('COMP-04', 'kube-node-lease missing and kube-public Terminating', async ({ record }) => {
    // System namespaces cannot be deleted on a live cluster: deviate the observed list instead.
    const live = (await kube().core.listNamespace()).items.map((n) => ({ name: n.metadata?.name ?? '', phase: n.status?.phase }));
    const deviated = live.filter((n) => n.name !== 'kube-node-lease').map((n) => (n.name === 'kube-public' ? { ...n, phase: 'Terminating' } : n));
    const diffs = checkArticleNamespaces(deviated);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'namespace kube-node-lease missing');
    expectDifference(diffs, 'namespace kube-public is Terminating');
  });

  describe('the article\'s workload: StatefulSet redis', () => {
    const namespace = runScoped('redis');
    afterAll(async () => { await deleteNamespace(kube(), namespace); });

    claim('COMP-05', async ({ record }) => {
      await createRunNamespace(kube(), namespace);
      const pods = await deployRedis(namespace, cluster());
      record(`kubectl get pod -n ${namespace}`, pods);
      const answers = await pingReplicas(namespace);
      record('redis-cli PING in each replica', answers);
      expectNoDifferences(checkRedisReplicas(answers));
    }, 300_000);

    negativeControl('COMP-05', 'redis-1 requires a password, so PING is refused', async ({ record }) => {
      const k = await kubectl();
      await k.ok(['-n', namespace, 'exec', 'redis-1', '--', 'redis-cli', 'CONFIG', 'SET', 'requirepass', runScoped('pw')]);
      try {
        const answers = await pingReplicas(namespace);
        const diffs = checkRedisReplicas(answers);
        record('differences found', diffs.join('\n'));
        expectDifference(diffs, 'redis-1 answered');
      } finally {
        await k.ok(['-n', namespace, 'exec', 'redis-1', '--', 'redis-cli', '-a', runScoped('pw'), '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '']);
      }
    });
  });
});
