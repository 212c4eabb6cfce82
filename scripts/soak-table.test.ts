// The soak table from results models built by the reports' own model builder (report/model.ts).
import { describe, expect, test } from 'vitest';
import { buildModel } from '../report/model.ts';
import type { TestRecord } from '../report/types.ts';
import { renderSoakTable, soakRows } from './soak-table.ts';

const record = (
  claimId: string,
  state: TestRecord['state'],
  durationMs: number,
  control?: string,
  message?: string,
): TestRecord => ({
  name: control ? `${claimId} negative control: ${control}` : `${claimId} claim`,
  fullName: '',
  file: 'suites/x.test.ts',
  state,
  durationMs,
  claimId,
  negativeControl: !!control,
  deviation: control,
  message,
});
const run = (tests: TestRecord[]) =>
  buildModel({ runId: 'r', startedAt: new Date(0), finishedAt: new Date(1000), outcome: 'passed', tests });

describe('the soak table', () => {
  test('counts each claim and negative control over the runs, with its times, and names what failed', () => {
    const rows = soakRows([
      run([record('COMP-02', 'passed', 1200), record('COMP-02', 'passed', 30_000, 'coredns scaled to one replica')]),
      run([
        record('COMP-02', 'failed', 1800, undefined, 'default/kc-redis-2 listed by x but not by y\nmore'),
        record('COMP-02', 'passed', 31_000, 'coredns scaled to one replica'),
      ]),
    ]);
    expect(rows.find((r) => r.id === 'COMP-02' && r.test === 'claim')).toMatchObject({
      pass: 1,
      fail: 1,
      minMs: 1200,
      maxMs: 1800,
      firstFailure: 'default/kc-redis-2 listed by x but not by y more',
    });
    expect(rows.find((r) => r.test === 'coredns scaled to one replica')).toMatchObject({ pass: 2, fail: 0 });
    expect(rows.some((r) => r.id === 'COMP-01')).toBe(false);
    const text = renderSoakTable(rows, 2);
    expect(text).toContain('| COMP-02 | claim | 1 | 1 | 0 | 1.2 s–1.8 s |');
    expect(text).toContain(
      '2 runs; 1 test(s) failed at least once: COMP-02 claim (1×: default/kc-redis-2 listed by x but not by y more).',
    );
    expect(renderSoakTable(soakRows([run([record('COMP-04', 'passed', 10)])]), 1)).toContain(
      'no test failed in any run',
    );
  });
});
