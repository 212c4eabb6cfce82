// vitest globalSetup: the environment step. Provisions or reuses the cluster once per run,
// hands its description to the suites, and removes what this run created.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { config } from '../../app/config.ts';
import { provisionCluster, releaseCluster, type ClusterInfo } from '../../environment/providers/provision.ts';
import { kubeClients } from '../../lib/kube.ts';
import { log } from '../../lib/log.ts';
import { nodeAccess, nodeExec } from '../../lib/node.ts';
import { parse } from 'yaml';
import { runId } from '../../lib/run-id.ts';

declare module 'vitest' {
  interface ProvidedContext {
    cluster: ClusterInfo;
    runId: string;
  }
}

/** etcd's version as kubeadm deployed it: the tag of the etcd static pod's image. */
async function etcdVersion(info: ClusterInfo): Promise<string | undefined> {
  const pod = await kubeClients(info.kubeconfig, info.context).core
    .readNamespacedPod({ namespace: 'kube-system', name: `etcd-${info.nodeName}` }).catch(() => undefined);
  return pod?.spec?.containers[0]?.image?.split(':').at(-1)?.replace(/-\d+$/, '');
}

/** `MODE NAME` of each entry of /etc/kubernetes on the node (kubeadm's files), sorted by name. */
async function etcKubernetesListing(info: ClusterInfo): Promise<string[] | undefined> {
  if (!nodeAccess(info).available) return undefined;
  const { stdout } = await nodeExec(info, ['find', '/etc/kubernetes', '-mindepth', '1', '-maxdepth', '1', '-printf', '%f %M\n']);
  return stdout.split('\n').filter(Boolean).sort();
}

/** Top-level fields of /etc/kubernetes/admin.conf (names only: the file holds credentials). */
async function adminConfFields(info: ClusterInfo): Promise<string | undefined> {
  if (!nodeAccess(info).available) return undefined;
  const { stdout } = await nodeExec(info, ['cat', '/etc/kubernetes/admin.conf']);
  return Object.keys((parse(stdout) ?? {}) as object).sort().join(', ');
}

export default async function setup(project: TestProject) {
  // The CLI provisions before it starts vitest (its errors are environment errors, exit 2) and passes the result.
  const provided = process.env.KUBE_CLAIMS_PROVISIONED;
  const info: ClusterInfo = provided ? (JSON.parse(provided) as ClusterInfo) : await provisionCluster();
  // When the CLI provisioned, it also releases; this setup releases only what it made itself.
  const owned = !provided;
  project.provide('cluster', info);
  project.provide('runId', runId());

  const reportDir = join(config.reportsDir, runId());
  await mkdir(reportDir, { recursive: true });
  await writeFile(join(reportDir, 'environment.json'), JSON.stringify({
    cluster: info.name, source: info.source, nodeName: info.nodeName, kubernetesVersion: info.kubernetesVersion,
    etcdVersion: await etcdVersion(info), nodeImage: info.nodeImage, timings: info.timings,
    // For the version matrix: what differs between Kubernetes versions.
    versionFields: await kubeClients(info.kubeconfig, info.context).version.getCode().catch(() => undefined),
    etcKubernetes: await etcKubernetesListing(info),
    adminConfFields: await adminConfFields(info),
  }, null, 2));

  let removed = false;
  const teardown = async () => {
    if (removed || !owned) return;
    removed = true;
    await releaseCluster(info, config.keepCluster);
  };
  // Ctrl-C: vitest stops the run; make sure the cluster this run made goes too.
  process.once('SIGINT', () => { void teardown().finally(() => process.exit(130)); });
  process.once('SIGTERM', () => { void teardown().finally(() => process.exit(143)); });
  return teardown;
}
