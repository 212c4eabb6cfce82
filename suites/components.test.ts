// §2 of the article: the containers and pods of a kubeadm cluster, and its redis StatefulSet.
// The negative controls of COMP-01 and COMP-02 disturb the control plane: components.disruptive.test.ts runs
// them after every claim of the run has been judged.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect } from 'vitest';
import { claim, negativeControl } from './claim.ts';
import {
  checkArticleNamespaces,
  checkKubeSystemPods,
  checkOnlyNamespace,
  checkRedisReplicas,
  comparePodSets,
  missingStablePods,
  ordinalPods,
} from './checks/components.ts';
import { expectDifference, expectNoDifferences, finding, NotStaged } from './differences.ts';
import { eventually, settledNote } from './eventually.ts';
import { withContextNamespace, withRedisPassword } from './deviations/components.ts';
import { controlPlaneContainers, controlPlaneNodes, podExpectations } from './observations.ts';
import { assertWorkloadImagePullable, pingReplicas, redisContainersOnNodes } from './components/observe.ts';
import { PrerequisiteMissing } from '../contract/errors.ts';

describe('§2 containers and pods of the cluster', () => {
  claim('COMP-01', async ({ record, note, cluster, run, kube }) => {
    const s = await eventually(
      () => controlPlaneContainers(cluster, kube),
      (o) => o.differences,
      { deadline: run.settleBy },
    );
    for (const [node, table] of Object.entries(s.observation.tables))
      record(`crictl ps on ${node} (${settledNote(s)})`, table);
    const cps = controlPlaneNodes(cluster).length;
    if (cps > 1)
      note(
        "crictl ps on the node shows the control plane's containers",
        `this cluster has ${cps} control-plane nodes: each runs its own etcd, kube-apiserver, kube-controller-manager and kube-scheduler, and the coredns containers run where the scheduler put them (checked on each control-plane node against the API's placement)`,
      );
    else if (cluster.nodes.length > 1)
      note(
        'crictl ps shows two coredns containers beside the control plane',
        `with ${cluster.nodes.length - 1} worker node(s), coredns may run elsewhere: the node is checked for as many coredns containers as the API says are scheduled on it`,
      );
    expectNoDifferences(s.differences);
  });

  claim('COMP-02', async ({ record, note, cluster, run, kube, kubectl: k }) => {
    const expected = await podExpectations(cluster, kube);
    const s = await eventually(
      async () => (await k.json<{ items: V1Pod[] }>(['get', 'pod', '-A'])).items,
      (pods) => checkKubeSystemPods(pods, expected),
      { deadline: run.settleBy },
    );
    record("expected from the cluster (nodes by role, the coredns Deployment's replicas)", expected);
    if (cluster.nodes.length > 1)
      note(
        'kube-system lists one kube-proxy and one pod of each control-plane component',
        `this cluster has ${expected.nodes.length} nodes (${expected.controlPlanes.length} control plane(s)): one kube-proxy per node and the static pods of each control-plane node`,
      );
    const longForm = (await k.json<{ items: V1Pod[] }>(['get', 'pod', '--all-namespaces'])).items;
    const kubeSystem = (await k.json<{ items: V1Pod[] }>(['get', 'pod', '-n', 'kube-system'])).items;
    const viaClient = (await kube.core.listPodForAllNamespaces()).items;
    record(`kubectl get pod -A (${settledNote(s)})`, (await k.ok(['get', 'pod', '-A'])).stdout);
    // The closing listing: the listings between it and the first are judged by the pods that existed throughout.
    const last = (await k.json<{ items: V1Pod[] }>(['get', 'pod', '-A'])).items;
    expectNoDifferences([
      ...s.differences,
      ...missingStablePods(s.observation, last, longForm, 'kubectl get pod --all-namespaces'),
      ...missingStablePods(
        s.observation,
        last,
        kubeSystem,
        'kubectl get pod -n kube-system',
        (p) => p.metadata?.namespace === 'kube-system',
      ),
      ...missingStablePods(s.observation, last, viaClient, '@kubernetes/client-node listPodForAllNamespaces'),
      ...kubeSystem
        .filter((p) => p.metadata?.namespace !== 'kube-system')
        .map((p) =>
          finding(
            'listing-namespace',
            `kubectl get pod -n kube-system lists ${p.metadata?.namespace}/${p.metadata?.name}`,
            { expected: 'kube-system', actual: p.metadata?.namespace },
          ),
        ),
    ]);
  });

  claim('COMP-03', async ({ record, note, cluster, kube, kubectl: k, namespace }) => {
    const w = cluster.workload;
    // The run's redis pods are where the run put them (default on clusters kube-claims made).
    const expected = w.namespace === namespace && !w.error ? ordinalPods(w.name, w.replicas) : [];
    const pods = (await k.json<{ items: V1Pod[] }>(['get', 'pod'])).items;
    const inNamespace = (await kube.core.listNamespacedPod({ namespace })).items;
    record('kubectl get pod', (await k.ok(['get', 'pod'])).stdout || `(no pods in ${namespace})`);
    if (namespace !== 'default')
      note(
        'kubectl get pod without -n lists the default namespace',
        `this kubeconfig's context names namespace ${namespace}: kubectl lists that one, as it lists default for a context that names none`,
      );
    else if (!expected.length)
      note(
        'kubectl get pod lists the redis pods of namespace default',
        `kube-claims puts no pods into default on a cluster it did not make; its redis runs in ${w.namespace}, so default holds only what the cluster's owners put there`,
      );
    expectNoDifferences([
      ...checkOnlyNamespace(pods, namespace, expected),
      ...comparePodSets(pods, inNamespace, 'kubectl get pod', `the API (namespace ${namespace})`),
    ]);
  });

  negativeControl(
    'COMP-03',
    'kubectl given a copy of the kubeconfig whose context names another namespace',
    'live',
    async ({ record, kubectl, run, namespace }) => {
      const other = namespace === 'kube-system' ? 'kube-public' : 'kube-system';
      await withContextNamespace({ kubectl, run }, other, async (k) => {
        // kube-public may hold no pod: the listing must then name its namespace in kubectl's own words.
        const listing = await k.ok(['get', 'pod']);
        const pods = (await k.json<{ items: V1Pod[] }>(['get', 'pod'])).items;
        const listed = /No resources found in (\S+) namespace/.exec(listing.stderr)?.[1];
        const diffs = [
          ...checkOnlyNamespace(pods, namespace),
          ...(!pods.length && listed && listed !== namespace
            ? [
                finding('listed-namespace', `kubectl lists namespace ${listed}, not ${namespace}`, {
                  expected: namespace,
                  actual: listed,
                }),
              ]
            : []),
        ];
        record('kubectl get pod', listing.stdout || listing.stderr);
        const listedOther = pods.length
          ? expectDifference(diffs, 'pod-namespace')
          : expectDifference(diffs, 'listed-namespace');
        expect(listedOther.actual).toBe(other);
      });
    },
  );

  claim('COMP-04', async ({ record, kube, kubectl: k }) => {
    const viaKubectl = (
      await k.json<{ items: Array<{ metadata: { name: string }; status: { phase: string } }> }>(['get', 'namespaces'])
    ).items.map((n) => ({ name: n.metadata.name, phase: n.status.phase }));
    const viaClient = (await kube.core.listNamespace()).items.map((n) => ({
      name: n.metadata?.name ?? '',
      phase: n.status?.phase,
    }));
    record('kubectl get namespaces', (await k.ok(['get', 'namespaces'])).stdout);
    expectNoDifferences([...checkArticleNamespaces(viaKubectl), ...checkArticleNamespaces(viaClient)]);
  });

  negativeControl('COMP-04', 'kube-node-lease missing and kube-public Terminating', 'copy', async ({ kube }) => {
    // System namespaces cannot be deleted on a live cluster: deviate the observed list instead.
    const live = (await kube.core.listNamespace()).items.map((n) => ({
      name: n.metadata?.name ?? '',
      phase: n.status?.phase,
    }));
    const deviated = live
      .filter((n) => n.name !== 'kube-node-lease')
      .map((n) => (n.name === 'kube-public' ? { ...n, phase: 'Terminating' } : n));
    const diffs = checkArticleNamespaces(deviated);
    expect(expectDifference(diffs, 'namespace-present').expected).toBe('kube-node-lease');
    expect(expectDifference(diffs, 'namespace-phase').actual).toBe('kube-public Terminating');
  });

  describe("the article's workload: StatefulSet redis", () => {
    claim(
      'COMP-05',
      async ({ record, note, cluster, run, kube, kubectl: k }) => {
        const w = cluster.workload;
        if (w.error) expectNoDifferences([finding('workload-applied', w.error)]);
        // The StatefulSet was applied when the run began; the claim watches it roll out, within the run's settle time.
        // An image its nodes cannot pull ends the watch at once: the claim is then unchecked, with the remedy.
        const s = await eventually(
          async () => {
            await assertWorkloadImagePullable({ cluster, kube });
            return pingReplicas({ cluster, kube });
          },
          (answers) => checkRedisReplicas(answers, w.name, w.replicas),
          { deadline: Math.max(run.settleBy, Date.now() + 45_000) },
        );
        // Evidence only: bounded, and its failure recorded rather than thrown (the judgement is the PINGs').
        const listing = await k.run(['-n', w.namespace, 'get', 'pod', '-l', `app=${w.name}`], { timeoutMs: 10_000 });
        record(
          `kubectl get pod -n ${w.namespace} (${settledNote(s)})`,
          listing.exitCode === 0 ? listing.stdout : `exit ${listing.exitCode}: ${listing.stderr.trim()}`,
        );
        record('redis-cli PING in each replica', s.observation);
        record(
          'crictl ps --name redis on the nodes that run a replica',
          await redisContainersOnNodes({ cluster, kube }),
        );
        if (w.namespace !== 'default')
          note(
            'the redis pods run in namespace default',
            `on a cluster kube-claims did not make, its StatefulSet runs in the run's own namespace ${w.namespace}`,
          );
        expectNoDifferences(s.differences);
      },
      180_000,
    );

    negativeControl(
      'COMP-05',
      'the second replica requires a password, so PING is refused',
      'live',
      async ({ cluster, kube }) => {
        const w = cluster.workload;
        // A workload that cannot run (its image cannot be pulled) cannot be deviated: not staged, with the reason.
        await assertWorkloadImagePullable({ cluster, kube }).catch((e: unknown) => {
          if (e instanceof PrerequisiteMissing) throw new NotStaged(e.message);
          throw e;
        });
        const pod = ordinalPods(w.name, w.replicas)[1]!;
        await withRedisPassword({ cluster, kube }, pod, async () => {
          const diffs = checkRedisReplicas(await pingReplicas({ cluster, kube }), w.name, w.replicas);
          expect(expectDifference(diffs, 'ping-answer').actual).toMatch(new RegExp(`^${pod}: `));
        });
      },
    );
  });
});
