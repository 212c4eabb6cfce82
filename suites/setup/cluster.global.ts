// vitest globalSetup: the environment step. Provisions or reuses the cluster once per run,
// hands its description to the suites, and removes what this run created.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { config } from '../../helpers/config.ts';
import { deleteCluster, provisionCluster, type ClusterInfo } from '../../helpers/cluster/provision.ts';
import { log } from '../../helpers/log.ts';
import { runId } from '../../helpers/run-id.ts';

declare module 'vitest' {
  interface ProvidedContext {
    cluster: ClusterInfo;
    runId: string;
  }
}

export default async function setup(project: TestProject) {
  const info = await provisionCluster();
  project.provide('cluster', info);
  project.provide('runId', runId());

  const reportDir = join(config.reportsDir, runId());
  await mkdir(reportDir, { recursive: true });
  await writeFile(join(reportDir, 'environment.json'), JSON.stringify({
    cluster: info.name, source: info.source, nodeName: info.nodeName, kubernetesVersion: info.kubernetesVersion,
    nodeImage: info.nodeImage, timings: info.timings, createdByThisRun: info.created,
  }, null, 2));

  let removed = false;
  const teardown = async () => {
    if (removed || !info.created || config.keepCluster) return;
    removed = true;
    log.step(`deleting kind cluster ${info.name} (created by this run; KUBE_CLAIMS_KEEP_CLUSTER=1 keeps it)`);
    await deleteCluster(info.name);
  };
  // Ctrl-C: vitest stops the run; make sure the cluster this run made goes too.
  process.once('SIGINT', () => { void teardown().finally(() => process.exit(130)); });
  process.once('SIGTERM', () => { void teardown().finally(() => process.exit(143)); });
  return teardown;
}
