// The CI summary line, "N passed, N failed, N skipped", and reading it back from a finished run.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ResultsModel, TestCaseTotals } from './types.ts';
import { latestRun, RESULTS_FILE } from './write.ts';

/**
 * Every test case of the run (claims, negative controls, other tests), errors outside tests counted as failed. CI greps
 * for this exact shape.
 */
export function summaryLine(counts: TestCaseTotals): string {
  return `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
}

/**
 * The summary-line counts of a run. `target` is a report directory or a results.json; without it, the latest
 * run under reportsDir. A run written without results.json (KUBE_CLAIMS_FORMATS) is read from latest.json.
 */
export function readSummaryCounts(reportsDir: string, target?: string): TestCaseTotals {
  const latest = target ? undefined : latestRun(reportsDir);
  const dir = target ?? latest!.dir;
  const file = existsSync(dir) && statSync(dir).isFile() ? dir : join(dir, RESULTS_FILE);
  if (existsSync(file)) {
    const model = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResultsModel>;
    if (isTotals(model.summaryCounts)) return model.summaryCounts;
    throw new Error(`${file} has no summaryCounts`);
  }
  if (latest?.pointer && isTotals(latest.pointer.summaryCounts)) return latest.pointer.summaryCounts;
  throw new Error(`no ${RESULTS_FILE} at ${file}`);
}

function isTotals(value: unknown): value is TestCaseTotals {
  const t = value as TestCaseTotals | undefined;
  return !!t && [t.passed, t.failed, t.skipped].every((n) => Number.isInteger(n));
}
