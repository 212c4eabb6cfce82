// A run's session with its cluster: the provider gives the cluster; the session holds the run's lease,
// removes what ended runs left, applies the article's workload and describes the environment. close()
// undoes all of it (also on Ctrl-C). Used by `verify` and by the test command's global setup alike.
import type { RunNodeFiles } from '../contract/node-files.ts';
import { observeRunNodeFiles } from '../suites/node-files.ts';
import { observeRunBinaries, type RunNodeBinaries } from '../suites/node-binaries.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterInfo, RunContext } from '../contract/cluster.ts';
import { READ_ONLY_REASON, type LackingRights } from '../contract/rights.ts';
import { UsageError } from '../contract/errors.ts';
import { awaitApi } from '../kind/providers/api.ts';
import {
  assertRunRights,
  lackingRights,
  preflightOf,
  runWarnings,
  scopeNamespaces,
  unknownRights,
} from '../kind/providers/preflight.ts';
import { contextNamespace, parseKubeconfig } from '../helpers/kubeconfig.ts';
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
  /** /etc/kubernetes of each control-plane node kube-claims can reach, read once (suites/node-files.ts). */
  nodeFiles: RunNodeFiles;
  /** kube-apiserver's and etcd's running binaries on each control-plane node, read once (suites/node-binaries.ts). */
  runBinaries: RunNodeBinaries;
  close(): Promise<void>;
}

export function providerFor(config: RunConfig): ClusterProvider {
  if (isPreRelease(config.line) && !config.kubeconfig) log.warn(preReleaseNotice(config.line));
  const request = {
    runId: config.runId,
    clusterName: config.clusterName,
    line: config.line,
    keep: config.keep,
    imageSource: config.imageSource,
    nodeImage: config.nodeImage,
    context: config.context,
    nodeShellImage: config.nodeShellImage,
    workloadImage: config.workloadImage,
    requestedVersion: config.lineExplicit ? config.line.version : undefined,
    settings: config.kind,
    kubectl: config.kubectl,
    topology: config.topology,
    kindConfig: config.kindConfig,
    readOnly: config.readOnly,
  };
  return config.kubeconfig
    ? new KubeconfigProvider({ ...request, kubeconfig: config.kubeconfig })
    : new KindProvider(request);
}

export const HELD_BACK =
  'held back: it grants rights, moves a static pod or scales a system component of a cluster kube-claims did not make (--allow-disruption or KUBE_CLAIMS_ALLOW_DISRUPTION=1 runs it)';
/** Where a read-only run's disruptive control names no write of the rights table (each should). */
export const HELD_BACK_READ_ONLY = `held back: it grants rights, moves a static pod or scales a system component, and ${READ_ONLY_REASON}`;
/**
 * The workload of a read-only run, never applied: COMP-05 and the controls in its pods are unchecked by their rights.
 */
const WORKLOAD_NOT_APPLIED = `not applied: ${READ_ONLY_REASON}`;

/**
 * The preflight (kind/providers/preflight.ts): what the kubeconfig's user may do, asked once per right, in a few
 * seconds. A right the run needs for itself that is denied ends the run here (exit 2, naming it); what the claims
 * lack goes to the run's context. On a cluster kube-claims did not make it runs before the provider starts
 * anything (the API server answering first, so that an unreachable one is reported as such, not as 60 failed reviews).
 */
async function checkRights(
  runId: string,
  kubeconfig: string,
  context: string | undefined,
  o: { reachable: boolean; readOnly: boolean },
): Promise<LackingRights> {
  const k = kubeClients(kubeconfig, context);
  if (!o.reachable) await awaitApi(k, { startingUpMs: 0 });
  const ns = scopeNamespaces(runId, contextNamespace(parseKubeconfig(await readFile(kubeconfig, 'utf8')), context));
  const result = await preflightOf(k, ns);
  log.detail(`rights of ${result.user}: ${result.requests} reviews in ${result.ms} ms`);
  const mode = { readOnly: o.readOnly };
  assertRunRights(result, mode);
  for (const warning of runWarnings(result, mode)) log.warn(warning);
  const unknown = unknownRights(result, mode);
  if (unknown.length)
    log.warn(
      `the preflight could not ask about ${unknown.length} right(s); the claims that need them run and meet what they meet (first: ${unknown[0]})`,
    );
  const lacking = lackingRights(result, mode);
  const unchecked = Object.keys(lacking.claims);
  if (o.readOnly)
    log.step(
      `read-only run: nothing is written to the cluster; ${unchecked.length} claim(s) need a write or a right ${result.user} lacks, reported unchecked`,
    );
  else if (unchecked.length)
    log.step(
      `${result.user} lacks rights for ${unchecked.join(', ')}: reported unchecked (kube-claims rbac prints a role that grants them)`,
    );
  return lacking;
}

export async function openSession(config: RunConfig): Promise<Session> {
  const provider = providerFor(config);
  let cluster: ClusterInfo | undefined;
  let leaseNamespace: string | undefined;
  let stopLease: (() => Promise<void>) | undefined;
  let workloadApplied = false;
  let closed: Promise<void> | undefined;
  // Registered for Ctrl-C from the start until the session is closed, whatever happens in between.
  let unregister = () => {};
  const close = () =>
    (closed ??= (async () => {
      unregister();
      if (!cluster) return;
      const k = kubeClients(cluster.kubeconfig, cluster.context);
      // A cluster this run deletes takes everything with it; on any other, the run's objects go (deletions are
      // not waited for: a namespace the cluster is slow to finalize goes later, or with the next run).
      const deletesCluster = cluster.createdByThisRun && !config.keep;
      const steps: Array<[string, () => Promise<unknown>]> = deletesCluster
        ? [['the cluster', () => provider.destroy(cluster!)]]
        : [
            [
              'the workload',
              async () => {
                if (workloadApplied) await removeWorkload(k, cluster!.workload);
              },
            ],
            [
              'the run lease',
              async () => {
                await stopLease?.();
                if (leaseNamespace) await deleteNamespace(k, leaseNamespace, 0);
              },
            ],
            ['the cluster', () => provider.destroy(cluster!)],
          ];
      // reported: each removal that fails is warned about; the others still run
      for (const [what, step] of steps)
        await step().catch((e: Error) => log.warn(`removing ${what} failed: ${e.message.split('\n')[0]}`));
    })());

  unregister = onInterrupt(close);
  try {
    // On a cluster kube-claims did not make, before the provider starts anything; on its own, once it is there.
    // A kind cluster kube-claims makes is its own to write to (app/config.ts refuses --read-only without --kubeconfig).
    if (config.readOnly && !config.kubeconfig)
      throw new UsageError('--read-only is for a cluster given by --kubeconfig');
    const readOnly = config.readOnly;
    let rights = config.kubeconfig
      ? await checkRights(config.runId, config.kubeconfig, config.context, { reachable: false, readOnly })
      : undefined;
    cluster = await provider.create();
    rights ??= await checkRights(config.runId, cluster.kubeconfig, cluster.context, { reachable: true, readOnly });
    const k = kubeClients(cluster.kubeconfig, cluster.context);
    let removed: string[] = [];
    if (readOnly) {
      // No lease, no removal of what ended runs left, no workload: each is a write.
      cluster = { ...cluster, workload: { ...cluster.workload, error: WORKLOAD_NOT_APPLIED } };
    } else {
      const lease = await holdRunLease(k, config.runId);
      leaseNamespace = lease.namespace;
      stopLease = lease.stop;
      // Independent: what ended runs left (never this run's) goes while this run's workload is applied.
      const [gone, workload] = await Promise.all([
        removeLeftovers(k, cluster, config.runId),
        applyWorkload(k, config.runId, cluster.workload),
      ]);
      removed = gone;
      cluster = { ...cluster, workload };
      workloadApplied = !cluster.workload.error;
    }
    const allowDisruption = !readOnly && (cluster.madeByKubeClaims || config.allowDisruption);
    const run: RunContext = {
      runId: config.runId,
      allowDisruption,
      heldBackReason: allowDisruption ? undefined : readOnly ? HELD_BACK_READ_ONLY : HELD_BACK,
      readOnly,
      reportDir: join(config.reportsDir, config.runId),
      // A cluster created a moment ago is still starting its pods; one that was there settled long ago.
      settleBy: Date.now() + (cluster.createdByThisRun ? 150_000 : 30_000),
      moduleCacheDir: moduleCacheDir(config.kind),
      rights,
    };
    // After what ended runs left is put back and settled: the run observes the node's files as it found them.
    const [facts, nodeFiles, runBinaries] = await Promise.all([
      environmentFacts(cluster, removed),
      observeRunNodeFiles(cluster),
      observeRunBinaries(cluster),
    ]);
    return { provider, cluster, run, facts, nodeFiles, runBinaries, close };
  } catch (error) {
    await close();
    throw error;
  }
}
