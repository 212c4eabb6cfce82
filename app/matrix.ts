// The version matrix: one verify run per Kubernetes version, one cluster at a time, merged into
// reports/matrix-ID/ (claims × versions, and what differs between the versions).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { config, KUBERNETES_LINES, resolveKubernetesVersion } from './config.ts';
import { UsageError } from '../lib/errors.ts';
import { log } from '../lib/log.ts';
import { runId } from '../lib/run-id.ts';
import { verify } from './verify.ts';
import { buildMatrix, renderMatrixHtml, renderMatrixMarkdown, type MatrixRun } from '../report/matrix.ts';
import type { ResultsModel } from '../report/types.ts';

export interface MatrixOptions {
  versions: string[];
  imageSource?: 'auto' | 'offline' | 'upstream';
  keep?: boolean;
  reportDir?: string;
  focus?: string[];
  skip?: string[];
}

export async function runMatrix(o: MatrixOptions): Promise<{ exitCode: 0 | 1; dir: string }> {
  const lines = (o.versions.length ? o.versions : Object.keys(KUBERNETES_LINES)).map((v) => resolveKubernetesVersion(v));
  const matrixId = runId();
  const reportsDir = o.reportDir ?? config.reportsDir;
  const runs: MatrixRun[] = [];
  for (const line of lines) {
    // Each version is its own run, with its own ID and report folder.
    process.env.KUBE_CLAIMS_RUN_ID = `${matrixId}-${line.line}`;
    log.step(`matrix: ${line.version}`);
    try {
      const result = await verify({
        kubernetesVersion: line.version, name: `kube-claims-${line.line.replace('.', '-')}`, imageSource: o.imageSource,
        keep: o.keep, reportDir: o.reportDir, focus: o.focus, skip: o.skip,
      });
      const file = join(result.reportDir, 'results.json');
      runs.push({ version: line.version, reportDir: result.reportDir, model: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ResultsModel) : undefined });
    } catch (error) {
      // One version failing to come up does not hide the others' results.
      runs.push({ version: line.version, error: (error as Error).message.split('\n')[0] });
      log.warn(`matrix: ${line.version}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  process.env.KUBE_CLAIMS_RUN_ID = matrixId;
  return writeMatrix(matrixId, runs, reportsDir);
}

/** Merges finished runs (report folders holding results.json) into a matrix, e.g. runs from separate CI jobs. */
export async function mergeMatrix(reportDirs: string[], reportDir?: string): Promise<{ exitCode: 0 | 1; dir: string }> {
  const runs: MatrixRun[] = reportDirs.map((dir) => {
    const file = join(dir, 'results.json');
    if (!existsSync(file)) throw new UsageError(`${dir} holds no results.json`);
    const model = JSON.parse(readFileSync(file, 'utf8')) as ResultsModel;
    return { version: String(model.environment?.kubernetesVersion ?? model.runId), reportDir: dir, model };
  });
  return writeMatrix(runId(), runs, reportDir ?? config.reportsDir);
}

async function writeMatrix(matrixId: string, runs: MatrixRun[], reportsDir: string): Promise<{ exitCode: 0 | 1; dir: string }> {
  const matrix = buildMatrix(matrixId, runs);
  const dir = join(reportsDir, `matrix-${matrixId}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'matrix.json'), `${JSON.stringify(matrix, null, 2)}\n`);
  await writeFile(join(dir, 'matrix.md'), renderMatrixMarkdown(matrix));
  await writeFile(join(dir, 'matrix.html'), renderMatrixHtml(matrix));
  console.log(renderMatrixMarkdown(matrix).split('\n## ')[0]);
  console.log(`matrix report: ${dir}`);
  const failed = runs.some((r) => r.error || (r.model && (r.model.totals.fail > 0 || r.model.testCases.failed > 0)));
  return { exitCode: failed ? 1 : 0, dir };
}
