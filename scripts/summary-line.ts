// Prints a run's CI summary line, "N passed, N failed, N skipped", the same line the vitest reporter
// prints last. Exits 0 whatever the counts (CI judges them); exits 1 when there is no run to read.
//
//   node scripts/summary-line.ts                   # the latest run under reports/ (KUBE_CLAIMS_REPORTS)
//   node scripts/summary-line.ts reports/RUN-ID    # a report directory, or the path of a results.json
import { resolve } from 'node:path';
import { parseConfig } from '../app/config.ts';
import { readSummaryCounts, summaryLine } from '../report/summary.ts';

const target = process.argv[2];
try {
  console.log(
    summaryLine(readSummaryCounts(parseConfig([], process.env).reportsDir, target ? resolve(target) : undefined)),
  );
} catch (error) {
  console.error(`summary-line: ${(error as Error).message}`);
  process.exitCode = 1;
}
