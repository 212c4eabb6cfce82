// What the claims share, as vitest fixtures: a claim names what it needs in its context
// (`claim('ETCD-06', async ({ record, etcd }) => …)`) and vitest sets up only that, once per scope, and tears
// it down when the scope ends (the file's fixtures after its last test, also when tests failed).
// The live projects run with `isolate: false`: the files of a worker share this module, not their state.
//   worker: the cluster and run provided to the worker (inject), the clients of the cluster, the API server's
//           URL and admin credentials; nothing to close.
//   file:   the etcd under test as this file uses it (its keys, the etcdctl it left running, its etcd3
//           connection), closed and removed after the file; the control plane's deviations before the
//           disruptive controls stage anything.
import { inject, test } from 'vitest';
import { runHash } from '../contract/run-id.ts';
import { readFile } from 'node:fs/promises';
import { kubeClients } from '../helpers/kube.ts';
import { contextNamespace, parseKubeconfig } from '../helpers/kubeconfig.ts';
import { Kubectl } from '../helpers/kubectl.ts';
import type { Live } from './live.ts';
import { ApiServer } from './apiserver/fixture.ts';
import { controlPlaneDeviations, type ControlPlaneAsFound } from './deviations/components.ts';
import { EtcdUnderTest } from './etcd/fixture.ts';

interface WorkerFixtures extends Live {
  /**
   * The namespace `kubectl get pod` lists without -n: the kubeconfig context's (default when it names none),
   * read from the kubeconfig itself. The article's §2 and §3.3 say default: where the context names another,
   * the claims follow the context, as kubectl does, and say so beside the evidence.
   */
  namespace: string;
  /** §3: the API server's URL and the run's admin credentials, and GETs made with them. */
  apiServer: ApiServer;
}

interface FileFixtures {
  /** §4: the etcd under test, what this file writes to it and starts in it; cleaned up after the file. */
  etcd: EtcdUnderTest;
  /**
   * §2: how the control plane deviates (COMP-01's containers, COMP-02's pods) before a disruptive control stages
   * anything.
   */
  controlPlaneDeviations: ControlPlaneAsFound;
}

export type ClaimFixtures = WorkerFixtures & FileFixtures;

export const claimTest = test.extend<{ $worker: WorkerFixtures; $file: FileFixtures }>({
  cluster: [async ({}, use) => use(inject('cluster')), { scope: 'worker' }],
  run: [async ({}, use) => use(inject('run')), { scope: 'worker' }],
  kube: [async ({ cluster }, use) => use(kubeClients(cluster.kubeconfig, cluster.context)), { scope: 'worker' }],
  namespace: [
    async ({ cluster }, use) =>
      use(contextNamespace(parseKubeconfig(await readFile(cluster.kubeconfig, 'utf8')), cluster.context)),
    { scope: 'worker' },
  ],
  kubectl: [
    async ({ cluster, run }, use) =>
      use(new Kubectl(cluster.kubectl, cluster.kubeconfig, cluster.context, runHash(run.runId))),
    { scope: 'worker' },
  ],
  apiServer: [
    async ({ cluster, kube, kubectl }, use) => use(new ApiServer({ cluster, kube, kubectl })),
    { scope: 'worker' },
  ],
  etcd: [
    async ({ cluster, kube, run }, use) => {
      const etcd = new EtcdUnderTest({ cluster, kube, run });
      await use(etcd);
      // After the file's last test, whatever happened in it: stops its etcdctl, removes its keys, closes etcd3.
      await etcd.close();
    },
    { scope: 'file' },
  ],
  controlPlaneDeviations: [
    async ({ cluster, kube, run }, use) => use(await controlPlaneDeviations({ cluster, kube, run })),
    { scope: 'file' },
  ],
});
