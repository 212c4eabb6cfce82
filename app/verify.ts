// The main job: provision or reuse a cluster, run the claims through vitest, write the reports.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startVitest } from 'vitest/node';
import { CATALOGUE, GROUPS, type Claim } from '../contract/catalogue.ts';
import { config, PROJECT_ROOT, resolveKubernetesVersion } from './config.ts';
import { UsageError } from '../lib/errors.ts';
import { provisionCluster, releaseCluster, type ClusterInfo } from '../environment/providers/provision.ts';
import { prepareHost } from '../environment/host/host.ts';
import { whileInterruptible } from '../lib/cleanup.ts';
import { log } from '../lib/log.ts';
import { runId } from '../lib/run-id.ts';
import type { ResultsModel } from '../report/types.ts';

export interface VerifyOptions {
  kubernetesVersion?: string;
  name?: string;
  kubeconfig?: string;
  context?: string;
  keep?: boolean;
  imageSource?: 'auto' | 'offline' | 'upstream';
  nodeImage?: string;
  /** Claim IDs or group names to run (default: all). */
  focus?: string[];
  /** Claim IDs or group names to leave out. */
  skip?: string[];
  reportDir?: string;
  formats?: string;
}

/** Claim IDs named by IDs or group names; unknown names are a usage error. */
export function selectClaims(names: string[]): Claim[] {
  return names.flatMap((name) => {
    if (name in GROUPS) return CATALOGUE.filter((c) => c.group === name);
    const claim = CATALOGUE.find((c) => c.id === name.toUpperCase());
    if (!claim) throw new UsageError(`no claim or group "${name}"; groups: ${Object.keys(GROUPS).join(', ')}; IDs: ${CATALOGUE.map((c) => c.id).join(' ')}`);
    return [claim];
  });
}

/** vitest's test-name filter for focus and skip (test names start with the claim ID). */
export function testNamePattern(focus: string[], skip: string[]): string | undefined {
  const ids = (claims: Claim[]) => claims.map((c) => c.id).join('|');
  const parts: string[] = [];
  if (skip.length) parts.push(`(?!.*\\b(?:${ids(selectClaims(skip))})\\b)`);
  if (focus.length) parts.push(`(?=.*\\b(?:${ids(selectClaims(focus))})\\b)`);
  return parts.length ? `^${parts.join('')}` : undefined;
}

export interface VerifyResult {
  exitCode: 0 | 1;
  reportDir: string;
  cluster: ClusterInfo;
}

export async function verify(o: VerifyOptions): Promise<VerifyResult> {
  const pattern = testNamePattern(o.focus ?? [], o.skip ?? []);
  if (!o.kubeconfig) resolveKubernetesVersion(o.kubernetesVersion ?? config.kubernetesVersion); // usage errors before any work
  if (o.reportDir) process.env.KUBE_CLAIMS_REPORTS = o.reportDir;
  if (o.formats) process.env.KUBE_CLAIMS_FORMATS = o.formats;
  const id = runId();
  const reportsDir = o.reportDir ?? config.reportsDir;
  if (!o.kubeconfig) await prepareHost();
  const cluster = await provisionCluster({ name: o.name, kubernetesVersion: o.kubernetesVersion, imageSource: o.imageSource, nodeImage: o.nodeImage, kubeconfig: o.kubeconfig, context: o.context });
  const release = () => releaseCluster(cluster, o.keep ?? config.keepCluster);
  try {
    return await whileInterruptible(release, async () => {
      // globalSetup takes this cluster as it is instead of provisioning again.
      process.env.KUBE_CLAIMS_PROVISIONED = JSON.stringify(cluster);
      log.step(`run ${id}: checking the claims on ${cluster.name} (${cluster.kubernetesVersion})`);
      const vitest = await startVitest('test', ['suites/'], { run: true, watch: false, root: PROJECT_ROOT, testNamePattern: pattern });
      await vitest?.close();
      const results = join(reportsDir, id, 'results.json');
      if (!existsSync(results)) throw new Error(`the run wrote no results (${results})`);
      const model = JSON.parse(readFileSync(results, 'utf8')) as ResultsModel;
      const failed = model.totals.fail > 0 || model.testCases.failed > 0;
      return { exitCode: failed ? 1 : 0, reportDir: join(reportsDir, id), cluster };
    });
  } finally {
    await release();
  }
}
