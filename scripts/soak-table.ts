// The soak's table: for each claim and each negative control, how often it passed, failed or was skipped
// over N runs of `verify` on one cluster, and how long it took (slowest first is left to the reader).
import type { ResultsModel } from '../report/types.ts';

export interface SoakRow {
  id: string;
  /** 'claim', or the negative control's deviation. */
  test: string;
  pass: number;
  fail: number;
  skip: number;
  minMs: number;
  maxMs: number;
  /** The first failure's message, when there was one. */
  firstFailure?: string;
}

export function soakRows(models: readonly ResultsModel[]): SoakRow[] {
  const rows = new Map<string, SoakRow>();
  const add = (id: string, test: string, status: 'pass' | 'fail' | 'skip', ms: number, message?: string) => {
    const key = `${id}\u0000${test}`;
    const row = rows.get(key) ?? { id, test, pass: 0, fail: 0, skip: 0, minMs: Infinity, maxMs: 0 };
    row[status]++;
    if (status !== 'skip') {
      row.minMs = Math.min(row.minMs, ms);
      row.maxMs = Math.max(row.maxMs, ms);
    }
    // The first two lines: a claim's message is its verdict, then the first difference.
    if (status === 'fail' && !row.firstFailure)
      row.firstFailure = message
        ?.split('\n')
        .filter((l) => l.trim())
        .slice(0, 2)
        .join(' ');
    rows.set(key, row);
  };
  for (const m of models) {
    for (const c of m.groups.flatMap((g) => g.claims)) {
      if (c.testCount === 0) continue;
      add(c.id, 'claim', c.status, c.durationMs, c.message);
      for (const n of c.negativeControls) add(c.id, n.name, n.status, n.durationMs, n.message);
    }
  }
  return [...rows.values()].map((r) => (r.minMs === Infinity ? { ...r, minMs: 0 } : r));
}

export function renderSoakTable(rows: readonly SoakRow[], runs: number): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const lines = [`| claim | test | passed | failed | skipped | time |`, `|---|---|---|---|---|---|`];
  for (const r of rows)
    lines.push(
      `| ${r.id} | ${r.test === 'claim' ? 'claim' : `negative control: ${r.test}`} | ${r.pass} | ${r.fail} | ${r.skip} | ${s(r.minMs)}–${s(r.maxMs)} |`,
    );
  const failed = rows.filter((r) => r.fail > 0);
  lines.push(
    '',
    `${runs} runs; ${failed.length ? `${failed.length} test(s) failed at least once: ${failed.map((r) => `${r.id} ${r.test} (${r.fail}×: ${r.firstFailure ?? ''})`).join('; ')}` : 'no test failed in any run'}.`,
  );
  return lines.join('\n');
}
