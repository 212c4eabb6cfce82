// A claim that passed with no negative control of it run and passed is "not falsified in this run": said in the
// model, and an exit code of 3 under --require-controls.
import { describe, expect, test } from 'vitest';
import type { Claim } from '../contract/catalogue.ts';
import { EXIT } from '../contract/exit-codes.ts';
import { exitCodeOf } from './exit-code.ts';
import { buildModel, type RunInput } from './model.ts';
import type { TestRecord } from './types.ts';
import { claimTestRecord } from './fixtures/records.ts';

const CATALOGUE: Claim[] = [
  {
    id: 'COMP-01',
    group: 'components',
    section: '§2',
    title: 'containers run',
    checks: 'crictl ps',
    remediation: 'look at the kubelet',
  },
  {
    id: 'API-08',
    group: 'apiserver',
    section: '§3.3',
    title: 'anonymous list is forbidden',
    checks: 'GET pods',
    remediation: 'look for bindings',
  },
];
const ALL = new Set(CATALOGUE.map((c) => c.id));

const test_ = claimTestRecord;

function build(tests: TestRecord[], extra: Partial<RunInput> = {}) {
  return buildModel({
    runId: 'r',
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    outcome: 'passed',
    tests,
    catalogue: CATALOGUE,
    ...extra,
  });
}

describe('passed, not falsified in this run', () => {
  test('a claim whose control passed is falsified: exit 0 with or without --require-controls', () => {
    const m = build([
      test_('COMP-01', 'passed', false),
      test_('COMP-01', 'passed', true),
      test_('API-08', 'passed', false),
      test_('API-08', 'passed', true),
    ]);
    expect(m.notFalsified).toEqual([]);
    expect(exitCodeOf(m, ALL, { requireControls: true })).toBe(EXIT.PASSED);
  });

  test("a control held back leaves the claim passed, not falsified, with the control's reason; exit 3 under --require-controls", () => {
    const m = build([
      test_('COMP-01', 'passed', false),
      test_('COMP-01', 'skipped', true, {
        deviation: 'the scheduler removed',
        heldBack: true,
        message: 'held back: a cluster kube-claims did not make',
      }),
      test_('API-08', 'passed', false),
      test_('API-08', 'passed', true),
    ]);
    const comp01 = m.groups.flatMap((g) => g.claims).find((c) => c.id === 'COMP-01')!;
    expect(comp01.status).toBe('pass');
    expect(comp01.notFalsified).toBe('"the scheduler removed": held back: a cluster kube-claims did not make');
    expect(m.notFalsified.map((c) => c.id)).toEqual(['COMP-01']);
    expect(exitCodeOf(m, ALL)).toBe(EXIT.PASSED);
    expect(exitCodeOf(m, ALL, { requireControls: true })).toBe(EXIT.UNCHECKED);
  });

  test('a run that left the controls out (--claims-only) says so for every claim that passed', () => {
    const m = build([test_('COMP-01', 'passed', false), test_('API-08', 'passed', false)], { negativeControls: false });
    expect(m.notFalsified.map((c) => c.reason)).toEqual([
      'the run left the negative controls out (--claims-only)',
      'the run left the negative controls out (--claims-only)',
    ]);
  });

  test('a failed or unchecked claim is not "not falsified": its status says more', () => {
    const m = build([
      test_('COMP-01', 'failed', false),
      test_('API-08', 'skipped', false, { message: 'unchecked: no node' }),
    ]);
    expect(m.notFalsified).toEqual([]);
    expect(exitCodeOf(m, ALL, { requireControls: true })).toBe(EXIT.FAILED);
  });
});
