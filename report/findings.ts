// How the formats show a check's findings: expected beside actual, with the check that compared them.
import type { Finding } from './types.ts';

/** The columns every format shows, in this order. */
export const FINDING_COLUMNS = ['Check', 'Expected', 'Actual', 'Message'] as const;

/** One finding as a row of FINDING_COLUMNS ('' where a value is not given). */
export function findingRow(f: Finding): [string, string, string, string] {
  return [f.check, f.expected ?? '', f.actual ?? '', f.message];
}

/** "check: expected X, got Y"; the message where the check compared no values. */
export function compactFinding(f: Finding): string {
  const values = [
    f.expected !== undefined ? `expected ${f.expected}` : '',
    f.actual !== undefined ? `got ${f.actual}` : '',
  ].filter(Boolean);
  return `${f.check}: ${values.length ? values.join(', ') : f.message}`;
}

/** Columns wider than this are not padded further: a long value runs on rather than widening every row. */
const PLAIN_COLUMN_WIDTH = 40;

/** The findings as a plain-text table with a header row (JUnit's failure text and system-out). */
export function plainFindingsTable(findings: readonly Finding[]): string {
  const rows = [[...FINDING_COLUMNS] as string[], ...findings.map(findingRow)].map((row) =>
    row.map((cell) => cell.replace(/\s*\n\s*/g, ' ')),
  );
  const widths = FINDING_COLUMNS.map((_, i) =>
    Math.min(PLAIN_COLUMN_WIDTH, Math.max(...rows.map((r) => r[i]!.length))),
  );
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]!) : cell))
        .join(' | ')
        .trimEnd(),
    )
    .join('\n');
}
