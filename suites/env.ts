// What a suite needs about the cluster under test and the run, built once per worker from what was provided.
import { inject } from 'vitest';
import type { ClusterInfo, RunContext } from '../contract/cluster.ts';
import { kubeClients, type KubeClients } from '../helpers/kube.ts';
import { Kubectl } from '../helpers/kubectl.ts';
import { runHash, runName } from '../contract/run-id.ts';

export function cluster(): ClusterInfo {
  return inject('cluster');
}

export function run(): RunContext {
  return inject('run');
}

let clients: KubeClients | undefined;
export function kube(): KubeClients {
  const c = cluster();
  clients ??= kubeClients(c.kubeconfig, c.context);
  return clients;
}

let kubectlInstance: Kubectl | undefined;
export function kubectl(): Kubectl {
  const c = cluster();
  kubectlInstance ??= new Kubectl(c.kubectl, c.kubeconfig, c.context, runHash(run().runId));
  return kubectlInstance;
}

/** Name for a thing this run creates (namespaces, etcd keys, bindings, node folders): kc-PURPOSE-HASH. */
export const runScoped = (purpose: string) => runName(run().runId, purpose);
