// The version matrix: one verify run per Kubernetes line, one cluster at a time, merged into
// reports/matrix-ID/ (claims × versions, and what differs between the versions).
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../contract/errors.ts';
import { describeLine, isPreRelease } from '../contract/lines.ts';
import { log } from '../helpers/log.ts';
import { EXIT, worseOf, type RunExitCode } from '../contract/exit-codes.ts';
import { buildMatrix, renderMatrixHtml, renderMatrixMarkdown, type MatrixRun } from '../report/matrix.ts';
import type { ResultsModel } from '../report/types.ts';
import type { RunConfig } from './config.ts';
import { verify } from './verify.ts';

export async function runMatrix(config: RunConfig): Promise<{ exitCode: RunExitCode; dir: string }> {
  const matrixId = config.runId;
  const runs: MatrixRun[] = [];
  let worst: RunExitCode = EXIT.PASSED;
  // Line × topology: each pair is its own run (its own ID, report folder and kind cluster), one after another.
  for (const topology of config.topologies) {
    for (const line of config.lines) {
      const suffix = topology.id === 'single' ? '' : `-${topology.id}`;
      // The column: the version, and the topology where it is not the default one.
      const column = `${line.version}${suffix ? ` ${topology.id}` : ''}`;
      log.step(`matrix: ${describeLine(line)}${suffix ? ` on ${topology.id}` : ''}`);
      // Cluster NAME-v1-33[-ha] (kube-claims-v1-33 by default), so that --name keeps a matrix's clusters apart from
      // another's.
      const lineConfig: RunConfig = {
        ...config,
        line,
        lineExplicit: true,
        topology,
        runId: `${matrixId}-${line.id}${suffix}`,
        clusterName: `${config.clusterName}-${line.id.replace('.', '-')}${suffix}`,
      };
      try {
        const result = await verify(lineConfig);
        runs.push({
          version: column,
          line: line.id,
          preRelease: isPreRelease(line),
          reportDir: result.reportDir,
          model: result.model,
        });
        worst = worseOf(worst, result.exitCode);
      } catch (error) {
        // One line failing to come up does not hide the others' results.
        runs.push({
          version: column,
          line: line.id,
          preRelease: isPreRelease(line),
          error: (error as Error).message.split('\n')[0],
        });
        log.warn(`matrix: ${column}: ${(error as Error).message.split('\n')[0]}`);
        worst = EXIT.FAILED;
      }
    }
  }
  const dir = await writeMatrix(matrixId, runs, config.reportsDir);
  return { exitCode: worst, dir };
}

/** Merges finished runs (report folders holding results.json) into a matrix, e.g. runs from separate CI jobs. */
export async function mergeMatrix(
  config: RunConfig,
  reportDirs: string[],
): Promise<{ exitCode: typeof EXIT.PASSED | typeof EXIT.FAILED; dir: string }> {
  const runs: MatrixRun[] = reportDirs.map((dir) => {
    const file = join(dir, 'results.json');
    if (!existsSync(file)) throw new UsageError(`${dir} holds no results.json`);
    const model = JSON.parse(readFileSync(file, 'utf8')) as ResultsModel;
    // The column: the version, and the topology where it is not the default one (environment.json's shape, "ha: …").
    const topology = String(model.environment?.shape ?? '').split(':')[0];
    const version = String(model.environment?.kubernetesVersion ?? model.runId);
    return {
      version: topology && topology !== 'single' && !topology.includes(' ') ? `${version} ${topology}` : version,
      preRelease: model.environment?.preRelease === true,
      reportDir: dir,
      model,
    };
  });
  const dir = await writeMatrix(config.runId, runs, config.reportsDir);
  const failed = runs.some((r) => r.model && (r.model.totals.fail > 0 || r.model.testCases.failed > 0));
  return { exitCode: failed ? EXIT.FAILED : EXIT.PASSED, dir };
}

async function writeMatrix(matrixId: string, runs: MatrixRun[], reportsDir: string): Promise<string> {
  const matrix = buildMatrix(matrixId, runs);
  const dir = join(reportsDir, `matrix-${matrixId}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'matrix.json'), `${JSON.stringify(matrix, null, 2)}\n`);
  await writeFile(join(dir, 'matrix.md'), renderMatrixMarkdown(matrix));
  await writeFile(join(dir, 'matrix.html'), renderMatrixHtml(matrix));
  console.log(renderMatrixMarkdown(matrix).split('\n## ')[0]);
  console.log(`matrix report: ${dir}`);
  return dir;
}
