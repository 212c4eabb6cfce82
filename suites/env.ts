// What a suite needs about the cluster under test, built once per worker from what globalSetup provided.
import { inject } from 'vitest';
import type { ClusterInfo } from '../environment/providers/provision.ts';
import { kubeClients, type KubeClients } from '../lib/kube.ts';
import { Kubectl, kubectlBinary } from '../lib/kubectl.ts';
import { runName } from '../lib/run-id.ts';

export function cluster(): ClusterInfo {
  return inject('cluster');
}

let clients: KubeClients | undefined;
export function kube(): KubeClients {
  const c = cluster();
  clients ??= kubeClients(c.kubeconfig, c.context);
  return clients;
}

let kubectlInstance: Promise<Kubectl> | undefined;
export function kubectl(): Promise<Kubectl> {
  const c = cluster();
  kubectlInstance ??= kubectlBinary(c.kubernetesVersion).then((bin) => new Kubectl(bin, c.kubeconfig, c.context));
  return kubectlInstance;
}

/** Name for a thing this run creates in the cluster (namespaces, etcd keys), unique per run. */
export const runScoped = runName;
