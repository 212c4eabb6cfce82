// The results model: how test results become claim statuses and totals.
import { describe, expect, test } from 'vitest';
import { CATALOGUE, claimTestName, GROUPS, type Claim } from '../contract/catalogue.ts';
import { FIXTURE_ENVIRONMENT, fixtureModel } from './fixtures/model.ts';
import { makeSecrets } from './fixtures/secrets.ts';
import { buildModel, claimStatus, type RunInput } from './model.ts';
import type { ClaimResult, ResultsModel, TestRecord } from './types.ts';
import { renderTerminal } from './terminal.ts';

const CATALOGUE_SMALL: Claim[] = [
  {
    id: 'COMP-01',
    group: 'components',
    section: '§2',
    title: 'containers run',
    checks: 'crictl ps',
    remediation: 'look at the kubelet',
  },
  {
    id: 'COMP-02',
    group: 'components',
    section: '§2',
    title: 'pods are ready',
    checks: 'kubectl get pod',
    remediation: 'describe the pod',
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

function record(name: string, state: TestRecord['state'], extra: Partial<TestRecord> = {}): TestRecord {
  return { name, fullName: name, file: 'suites/x.test.ts', state, durationMs: 10, ...extra };
}
const claimTest = (id: string, state: TestRecord['state'], extra: Partial<TestRecord> = {}) =>
  record(`${id} title`, state, { claimId: id, negativeControl: false, ...extra });
const control = (id: string, deviation: string, state: TestRecord['state'], extra: Partial<TestRecord> = {}) =>
  record(`${id} negative control: ${deviation}`, state, { claimId: id, negativeControl: true, deviation, ...extra });

function build(tests: TestRecord[], extra: Partial<RunInput> = {}): ResultsModel {
  return buildModel({
    runId: 'run-1',
    startedAt: new Date('2025-01-01T00:00:00Z'),
    finishedAt: new Date('2025-01-01T00:01:30Z'),
    outcome: 'passed',
    tests,
    catalogue: CATALOGUE_SMALL,
    ...extra,
  });
}

function claim(model: ResultsModel, id: string): ClaimResult {
  const found = model.groups.flatMap((g) => g.claims).find((c) => c.id === id);
  if (!found) throw new Error(`no ${id}`);
  return found;
}

describe('claimStatus', () => {
  test.each([
    [['pass'], [], 'pass'],
    [['pass'], ['pass', 'skip'], 'pass'],
    [['pass'], ['fail'], 'fail'],
    [['fail'], ['pass'], 'fail'],
    [['skip'], ['pass'], 'skip'],
    [['skip'], ['fail'], 'fail'],
    [[], ['pass'], 'skip'],
    [[], [], 'skip'],
    [['pass', 'fail'], [], 'fail'],
  ] as const)('claim tests %j, negative controls %j → %s', (tests, controls, expected) => {
    expect(claimStatus(tests, controls)).toBe(expected);
  });
});

describe('buildModel', () => {
  test('the pool: each worker once by its process, its start-up CPU, and the waits the scheduler imposed', () => {
    const model = build([
      claimTest('COMP-01', 'passed', { worker: { pid: 11, startupCpuMs: 2450 }, waitedMs: 1200 }),
      control('COMP-01', 'a container stopped', 'passed', { worker: { pid: 12, startupCpuMs: 2600 } }),
      claimTest('API-08', 'passed', { worker: { pid: 11, startupCpuMs: 2450 }, waitedMs: 300 }),
    ]);
    expect(model.pool).toEqual({ workers: 2, startupCpuSeconds: 5.1, waitedTests: 2, waitedSeconds: 1.5 });
    expect(renderTerminal(model)).toContain(
      'Workers: 2, 5.1 CPU-s before their first tests; 2 test(s) waited 1.5 s for a test they conflict with',
    );
    expect(build([claimTest('COMP-01', 'passed')]).pool).toBeNull();
  });

  test('a claim passes when its test passes and its negative controls pass', () => {
    const model = build([claimTest('COMP-01', 'passed'), control('COMP-01', 'a container stopped', 'passed')]);
    expect(claim(model, 'COMP-01')).toMatchObject({ status: 'pass', message: undefined, testCount: 2 });
    expect(claim(model, 'COMP-01').negativeControls).toEqual([
      { name: 'a container stopped', status: 'pass', durationMs: 10, message: undefined, evidence: [], findings: [] },
    ]);
  });

  test('a claim whose test passes fails when one of its negative controls fails', () => {
    const model = build([
      claimTest('API-08', 'passed'),
      control('API-08', 'anonymous granted list', 'failed', { message: 'expected 403, got 200' }),
      control('API-08', 'anonymous auth off', 'passed'),
    ]);
    const api08 = claim(model, 'API-08');
    expect(api08.status).toBe('fail');
    expect(api08.message).toBe('Negative control "anonymous granted list" failed: expected 403, got 200');
    expect(api08.negativeControls.map((nc) => nc.status)).toEqual(['fail', 'pass']);
    expect(model.totals).toEqual({ pass: 0, fail: 1, skip: 2 });
  });

  test('a control is named by the deviation in its meta, never parsed out of its test name', () => {
    const model = build([
      claimTest('COMP-01', 'passed'),
      record('COMP-01 negative control: the title says one thing', 'passed', {
        claimId: 'COMP-01',
        negativeControl: true,
        deviation: 'the meta another',
      }),
    ]);
    expect(claim(model, 'COMP-01').negativeControls.map((nc) => nc.name)).toEqual(['the meta another']);
  });

  test('a failed claim carries its findings; a control those its check produced on the deviation', () => {
    const missing = {
      check: 'namespace-present',
      expected: 'kube-node-lease',
      actual: 'absent',
      message: 'namespace kube-node-lease missing',
    };
    const terminating = {
      check: 'namespace-phase',
      expected: 'kube-public Active',
      actual: 'kube-public Terminating',
      message: 'namespace kube-public is Terminating, not Active',
    };
    const model = build([
      claimTest('COMP-01', 'failed', {
        message: 'the cluster differs from the claim:\n - namespace kube-node-lease missing',
        findings: [missing],
      }),
      control('COMP-01', 'kube-public Terminating', 'passed', { findings: [terminating] }),
      // A claim test that passed has no findings to show, whatever its meta says.
      claimTest('COMP-02', 'passed', { findings: [missing] }),
    ]);
    expect(claim(model, 'COMP-01').findings).toEqual([missing]);
    expect(claim(model, 'COMP-01').negativeControls[0]?.findings).toEqual([terminating]);
    expect(claim(model, 'COMP-02').findings).toEqual([]);
  });

  test('a claim with no test in the run is skipped as "not run"', () => {
    const model = build([claimTest('COMP-01', 'passed')]);
    expect(claim(model, 'COMP-02')).toMatchObject({
      status: 'skip',
      message: 'not run',
      testCount: 0,
      durationMs: 0,
      evidence: [],
    });
  });

  test('a skipped claim keeps the reason its test gave', () => {
    const model = build([claimTest('COMP-01', 'skipped', { message: 'needs a shell on the node' })]);
    expect(claim(model, 'COMP-01')).toMatchObject({ status: 'skip', message: 'needs a shell on the node' });
  });

  test('a setup failure reaches the claim whose test it kept from running, by the meta set at definition', () => {
    const model = build([
      claimTest('COMP-02', 'failed', { message: 'Setup failed before the test ran: boom' }),
      control('COMP-02', 'x', 'passed'),
    ]);
    expect(claim(model, 'COMP-02')).toMatchObject({
      status: 'fail',
      message: 'Setup failed before the test ran: boom',
    });
    expect(claim(model, 'COMP-02').negativeControls).toHaveLength(1);
  });

  test("claims and groups follow the catalogue order; evidence and durations are the claim test's", () => {
    const model = build([
      control('COMP-01', 'x', 'passed', { durationMs: 500, evidence: [{ label: 'nc', body: 'nc body' }] }),
      claimTest('COMP-01', 'passed', { durationMs: 1200, evidence: [{ label: 'crictl ps', body: 'etcd Running' }] }),
    ]);
    expect(model.groups.map((g) => [g.id, g.claims.map((c) => c.id)])).toEqual([
      ['components', ['COMP-01', 'COMP-02']],
      ['apiserver', ['API-08']],
    ]);
    expect(model.groups[0]).toMatchObject({
      section: GROUPS.components.section,
      title: GROUPS.components.title,
      totals: { pass: 1, fail: 0, skip: 1 },
    });
    expect(claim(model, 'COMP-01')).toMatchObject({
      durationMs: 1200,
      evidence: [{ label: 'crictl ps', body: 'etcd Running' }],
    });
    expect(claim(model, 'COMP-01').negativeControls[0]).toMatchObject({
      durationMs: 500,
      evidence: [{ label: 'nc', body: 'nc body' }],
    });
  });

  test('tests that are no claims are counted apart, and every test case counts in testCases', () => {
    const model = build([
      claimTest('COMP-01', 'passed'),
      control('COMP-01', 'x', 'failed', { message: 'accepted a deviating cluster' }),
      claimTest('NOPE-99', 'passed'),
      record('redact > removes keys', 'passed', { file: 'report/redact.test.ts' }),
      record('model > counts', 'failed', { file: 'report/model.test.ts', message: 'expected 1 to be 2' }),
      record('later', 'skipped'),
    ]);
    expect(model.testCases).toEqual({ passed: 3, failed: 2, skipped: 1 });
    expect(model.summaryCounts).toEqual(model.testCases);
    expect(model.totals).toEqual({ pass: 0, fail: 1, skip: 2 });
    expect(model.otherTests.map((t) => [t.name, t.status])).toEqual([
      ['redact > removes keys', 'pass'],
      ['model > counts', 'fail'],
      ['later', 'skip'],
    ]);
    expect(model.unknownClaimTests.map((t) => t.name)).toEqual(['NOPE-99 title']);
    expect(model.otherTotals).toEqual({ pass: 2, fail: 1, skip: 1 });
  });

  test('a unit test whose name starts with a claim ID is no claim test (only live claim files name claims)', () => {
    const model = build([
      record('COMP-01 has its claim test and a negative control', 'passed', { file: 'contract/catalogue.test.ts' }),
      record('COMP-02 judged on a recorded pod list', 'passed', { file: 'suites/checks/components.test.ts' }),
    ]);
    expect(claim(model, 'COMP-01')).toMatchObject({ status: 'skip', testCount: 0 });
    expect(claim(model, 'COMP-02')).toMatchObject({ status: 'skip', testCount: 0 });
    expect(model.otherTests.map((t) => t.name)).toHaveLength(2);
  });

  test('run-level fields: times, duration, outcome, environment, errors', () => {
    const model = build([], {
      environment: FIXTURE_ENVIRONMENT,
      errors: [{ origin: 'suites/etcd.test.ts', message: 'Error: cannot import', countsAsFailure: true }],
      outcome: 'failed',
    });
    expect(model).toMatchObject({
      schemaVersion: 6,
      tool: 'kube-claims',
      runId: 'run-1',
      startedAt: '2025-01-01T00:00:00.000Z',
      finishedAt: '2025-01-01T00:01:30.000Z',
      durationMs: 90_000,
      outcome: 'failed',
      environment: FIXTURE_ENVIRONMENT,
      errors: [{ origin: 'suites/etcd.test.ts', message: 'Error: cannot import', countsAsFailure: true }],
    });
    expect(build([]).environment).toBeNull();
  });

  test("errors outside tests add to the summary line's failures, unless their tests already count them", () => {
    const model = build([claimTest('COMP-01', 'failed', { message: 'Setup failed before the test ran: x' })], {
      errors: [
        { origin: 'suites/a.test.ts > a', message: 'x', countsAsFailure: false },
        { origin: 'suites/b.test.ts', message: 'SyntaxError', countsAsFailure: true },
        { origin: 'vitest', message: 'The run failed before any test ran', countsAsFailure: true },
      ],
    });
    expect(model.testCases).toEqual({ passed: 0, failed: 1, skipped: 0 });
    expect(model.summaryCounts).toEqual({ passed: 0, failed: 3, skipped: 0 });
  });

  test('messages are redacted before they are shortened, so a cut cannot expose a key', () => {
    const { rsaKey } = makeSecrets();
    const long = `${'context line\n'.repeat(15)}${rsaKey}${'more\n'.repeat(30)}`;
    const model = build([
      claimTest('COMP-01', 'failed', { message: long, evidence: [{ label: 'key', body: rsaKey }] }),
    ]);
    const c = claim(model, 'COMP-01');
    expect(c.message).toContain('[REDACTED RSA PRIVATE KEY]');
    expect(c.message).toMatch(/more lines\)$/);
    expect(c.message!.split('\n').length).toBeLessThanOrEqual(21);
    expect(c.evidence[0]!.body).toBe('[REDACTED RSA PRIVATE KEY]\n');
  });

  test('the real catalogue: every claim appears exactly once, all skipped when nothing ran', () => {
    const model = buildModel({
      runId: 'r',
      startedAt: new Date(0),
      finishedAt: new Date(1),
      outcome: 'passed',
      tests: [],
    });
    const ids = model.groups.flatMap((g) => g.claims.map((c) => c.id));
    expect(ids).toEqual(CATALOGUE.map((c) => c.id));
    expect(model.totals).toEqual({ pass: 0, fail: 0, skip: CATALOGUE.length });
    expect(model.testCases).toEqual({ passed: 0, failed: 0, skipped: 0 });
  });

  test('a claim test named from the catalogue reaches its claim', () => {
    const model = buildModel({
      runId: 'r',
      startedAt: new Date(0),
      finishedAt: new Date(1),
      outcome: 'passed',
      tests: [record(claimTestName('ETCD-14'), 'passed', { claimId: 'ETCD-14', negativeControl: false })],
    });
    expect(claim(model, 'ETCD-14').status).toBe('pass');
    expect(model.otherTests).toEqual([]);
  });

  test('the fixture run has every status', () => {
    const model = fixtureModel();
    expect(model.totals.pass).toBeGreaterThan(0);
    expect(model.totals.fail).toBeGreaterThan(0);
    expect(model.totals.skip).toBeGreaterThan(0);
  });
});

describe('where the time went', () => {
  test('the five slowest claim tests and negative controls, slowest first, in the model (results.json) and the terminal summary', () => {
    const claims = ['COMP-01', 'API-08', 'ETCD-08'];
    const tests: TestRecord[] = claims.flatMap((id, i) => [
      {
        name: `${id} claim`,
        fullName: `${id} claim`,
        file: 'suites/x.test.ts',
        state: 'passed' as const,
        durationMs: 1000 * (i + 1),
        claimId: id,
      },
      {
        name: `${id} negative control: d${i}`,
        fullName: `${id} negative control: d${i}`,
        file: 'suites/x.test.ts',
        state: 'passed' as const,
        durationMs: 5000 * (i + 1),
        claimId: id,
        negativeControl: true,
        deviation: `d${i}`,
      },
    ]);
    const model = buildModel({
      runId: 'r',
      startedAt: new Date(0),
      finishedAt: new Date(60_000),
      outcome: 'passed',
      tests,
    });
    expect(model.slowest.map((s) => [s.id, s.test, s.durationMs])).toEqual([
      ['ETCD-08', 'd2', 15_000],
      ['API-08', 'd1', 10_000],
      ['COMP-01', 'd0', 5000],
      ['ETCD-08', 'claim', 3000],
      ['API-08', 'claim', 2000],
    ]);
    const text = renderTerminal(model, { color: false });
    expect(text).toContain('== Slowest 5 ==');
    expect(text).toMatch(/15\.0 s {2}ETCD-08 negative control: d2\n/);
  });
});
