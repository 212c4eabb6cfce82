// A run's session with its cluster: the provider gives the cluster; the session holds the run's lease,
// removes what ended runs left, applies the article's workload and describes the environment. close()
// undoes all of it (also on Ctrl-C). Used by `verify` and by the test command's global setup alike.
import { join } from 'node:path';
import type { ClusterInfo, RunContext } from '../contract/cluster.ts';
import { holdRunLease, removeLeftovers } from '../kind/providers/leftovers.ts';
import { environmentFacts, type EnvironmentFacts } from '../kind/providers/facts.ts';
import { KindProvider } from '../kind/providers/kind-provider.ts';
import { KubeconfigProvider } from '../kind/providers/kubeconfig-provider.ts';
import type { ClusterProvider } from '../kind/providers/provider.ts';
import { moduleCacheDir } from '../kind/settings.ts';
import { applyWorkload, removeWorkload } from '../kind/providers/workload.ts';
import { onInterrupt } from '../helpers/cleanup.ts';
import { kubeClients } from '../helpers/kube.ts';
import { log } from '../helpers/log.ts';
import { deleteNamespace } from '../helpers/namespace.ts';
import { isPreRelease, preReleaseNotice } from '../contract/lines.ts';
import type { RunConfig } from './config.ts';

export interface Session {
  provider: ClusterProvider;
  cluster: ClusterInfo;
  run: RunContext;
  facts: EnvironmentFacts;
  close(): Promise<void>;
}

export function providerFor(config: RunConfig): ClusterProvider {
  if (isPreRelease(config.line) && !config.kubeconfig) log.warn(preReleaseNotice(config.line));
  const request = {
    runId: config.runId, clusterName: config.clusterName, line: config.line, keep: config.keep, imageSource: config.imageSource,
    nodeImage: config.nodeImage, context: config.context, nodeShellImage: config.nodeShellImage, workloadImage: config.workloadImage,
    requestedVersion: config.lineExplicit ? config.line.version : undefined, settings: config.kind, kubectl: config.kubectl,
    topology: config.topology, kindConfig: config.kindConfig,
  };
  return config.kubeconfig ? new KubeconfigProvider({ ...request, kubeconfig: config.kubeconfig }) : new KindProvider(request);
}

export const HELD_BACK = 'held back: it grants rights, moves a static pod or scales a system component of a cluster kube-claims did not make (--allow-disruption or KUBE_CLAIMS_ALLOW_DISRUPTION=1 runs it)';

export async function openSession(config: RunConfig): Promise<Session> {
  const provider = providerFor(config);
  let cluster: ClusterInfo | undefined;
  let leaseNamespace: string | undefined;
  let stopLease: (() => Promise<void>) | undefined;
  let workloadApplied = false;
  let closed: Promise<void> | undefined;
  // Registered for Ctrl-C from the start until the session is closed, whatever happens in between.
  let unregister = () => {};
  const close = () => (closed ??= (async () => {
    unregister();
    if (!cluster) return;
    const k = kubeClients(cluster.kubeconfig, cluster.context);
    // A cluster this run deletes takes everything with it; on any other, the run's objects go (deletions are
    // not waited for: a namespace the cluster is slow to finalize goes later, or with the next run).
    const deletesCluster = cluster.createdByThisRun && !config.keep;
    const steps: Array<[string, () => Promise<unknown>]> = deletesCluster ? [['the cluster', () => provider.destroy(cluster!)]] : [
      ['the workload', async () => { if (workloadApplied) await removeWorkload(k, cluster!.workload); }],
      ['the run lease', async () => { await stopLease?.(); if (leaseNamespace) await deleteNamespace(k, leaseNamespace, 0); }],
      ['the cluster', () => provider.destroy(cluster!)],
    ];
    // reported: each removal that fails is warned about; the others still run
    for (const [what, step] of steps) await step().catch((e: Error) => log.warn(`removing ${what} failed: ${e.message.split('\n')[0]}`));
  })());

  unregister = onInterrupt(close);
  try {
    cluster = await provider.create();
    const k = kubeClients(cluster.kubeconfig, cluster.context);
    const lease = await holdRunLease(k, config.runId);
    leaseNamespace = lease.namespace;
    stopLease = lease.stop;
    // Independent: what ended runs left (never this run's) goes while this run's workload is applied.
    const [removed, workload] = await Promise.all([removeLeftovers(k, cluster, config.runId), applyWorkload(k, config.runId, cluster.workload)]);
    cluster = { ...cluster, workload };
    workloadApplied = !cluster.workload.error;
    const allowDisruption = cluster.madeByKubeClaims || config.allowDisruption;
    const run: RunContext = {
      runId: config.runId, allowDisruption, heldBackReason: allowDisruption ? undefined : HELD_BACK,
      reportDir: join(config.reportsDir, config.runId),
      // A cluster created a moment ago is still starting its pods; one that was there settled long ago.
      settleBy: Date.now() + (cluster.createdByThisRun ? 150_000 : 30_000),
      moduleCacheDir: moduleCacheDir(config.kind),
    };
    return { provider, cluster, run, facts: await environmentFacts(cluster, removed), close };
  } catch (error) {
    await close();
    throw error;
  }
}
