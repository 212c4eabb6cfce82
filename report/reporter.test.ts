// The reporter end to end: vitest runs report/fixtures/run/claims.fixture.ts in a child process with the
// kube-claims reporter; the files it writes and the lines it prints are checked here.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { parseJunit } from './fixtures/junit-xml.ts';
import { FIXTURE_ENVIRONMENT } from './fixtures/model.ts';
import type { ResultsModel } from './types.ts';

const RUN_ID = '20250101-000000-f1x7re';

function runFixture(reports: string, extraEnv: Record<string, string> = {}) {
  // The child is a vitest of its own: none of this worker's VITEST_* variables may leak into it.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'TEST'),
  );
  return spawnSync(
    process.execPath,
    [
      join(PACKAGE_ROOT, 'node_modules/vitest/vitest.mjs'),
      'run',
      '--config',
      'report/fixtures/run/vitest.fixture.config.ts',
    ],
    {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      env: { ...env, NO_COLOR: '1', KUBE_CLAIMS_REPORTS: reports, KUBE_CLAIMS_RUN_ID: RUN_ID, ...extraEnv },
    },
  );
}

describe('vitest-reporter', () => {
  let reports: string;
  let run: SpawnSyncReturns<string>;
  let model: ResultsModel;

  beforeAll(() => {
    reports = mkdtempSync(join(tmpdir(), 'kc-reporter-'));
    run = runFixture(reports);
    model = JSON.parse(readFileSync(join(reports, RUN_ID, 'results.json'), 'utf8')) as ResultsModel;
  }, 60_000);
  afterAll(() => rmSync(reports, { recursive: true, force: true }));

  test('the last line printed is the summary of every test case', () => {
    expect(run.status).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    // API-08 and COMP-02's control passed; API-08's control, COMP-02, COMP-04 and ETCD-01 (whose beforeAll threw)
    // failed; COMP-05 skipped.
    expect(lines.at(-1)).toBe('4 passed, 4 failed, 2 skipped');
    expect(lines).toContain(`Reports: ${join(reports, RUN_ID)} (junit.xml, results.json, report.md, report.html)`);
    expect(lines.some((l) => l.startsWith('[FAIL] API-08 '))).toBe(true);
    expect(lines).toContain('       [FAIL] negative control: anonymous granted list on pods [live]');
    expect(
      lines.some((l) => l.startsWith('[SKIP] COMP-05 ') && l.endsWith('(the redis image is not in the node image)')),
    ).toBe(true);
    expect(lines).toContain('[INFO] Kubernetes: v1.33.3');
  });

  test('writes all four formats, the environment it found and the latest pointer', () => {
    expect(readdirSync(join(reports, RUN_ID)).sort()).toEqual([
      'junit.xml',
      'report.html',
      'report.md',
      'results.json',
    ]);
    expect(model.environment).toEqual(FIXTURE_ENVIRONMENT);
    expect(JSON.parse(readFileSync(join(reports, 'latest.json'), 'utf8')).runId).toBe(RUN_ID);
  });

  test('claim statuses, negative controls, skip reasons, setup failures and other tests reach the model', () => {
    const claims = new Map(model.groups.flatMap((g) => g.claims).map((c) => [c.id, c]));
    expect(claims.get('API-08')).toMatchObject({
      status: 'fail',
      evidence: [{ label: 'GET /api/v1/namespaces/default/pods (anonymous)', body: '403 Forbidden' }],
      negativeControls: [
        {
          name: 'anonymous granted list on pods',
          status: 'fail',
          message: 'the check accepted a cluster where anonymous may list pods',
        },
      ],
    });
    expect(claims.get('COMP-02')?.status).toBe('fail');
    // A control that could not stage its deviation does not count against its claim, and says why.
    expect(claims.get('API-04')).toMatchObject({
      status: 'pass',
      negativeControls: [
        {
          name: 'a deviation this cluster cannot take',
          status: 'skip',
          message: 'not staged: the pod that stages it cannot start',
        },
      ],
    });
    expect(claims.get('COMP-05')).toMatchObject({
      status: 'skip',
      message: 'the redis image is not in the node image',
    });
    expect(claims.get('ETCD-01')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining(
        'Setup failed before the test ran: etcd pod etcd-kube-claims-control-plane not found',
      ),
    });
    expect(claims.get('API-01')).toMatchObject({ status: 'skip', message: 'not run' });
    expect(model.otherTests).toMatchObject([
      { name: 'a unit test of some helper', status: 'pass', file: 'report/fixtures/run/claims.fixture.ts' },
    ]);
    expect(model.errors.map((e) => e.origin)).toEqual(['report/fixtures/run/claims.fixture.ts > etcd']);
  });

  test('junit.xml, read by an XML parser, is well-formed and holds the run: failures, skips, other tests, errors', () => {
    const xml = readFileSync(join(reports, RUN_ID, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const junit = parseJunit(xml);
    // Claims by their ID (a claim's testcase is "ID title"); negative controls and other tests by their whole name.
    const key = (name: string) => name.replace(/^([A-Z]+-\d+) (?!negative control:).*/, '$1');
    const cases = new Map(junit.testsuites.flatMap((s) => s.testcases).map((c) => [key(c.name), c]));
    expect(cases.get('API-08')).toMatchObject({ classname: 'apiserver', failure: { type: 'ClaimFailed' } });
    expect(cases.get('API-08 negative control: anonymous granted list on pods')).toMatchObject({
      failure: {
        message: 'the check accepted a cluster where anonymous may list pods',
        type: 'ClaimFailed',
        text: expect.stringContaining('its verdict cannot be trusted'),
      },
    });
    expect(cases.get('API-08')?.systemOut).toContain(
      '== GET /api/v1/namespaces/default/pods (anonymous) ==\n403 Forbidden',
    );
    expect(cases.get('COMP-02')?.failure?.text).toContain('[REDACTED PRIVATE KEY]');
    expect(cases.get('API-04')).toMatchObject({ systemOut: expect.any(String) });
    expect(cases.get('API-04')).not.toHaveProperty('failure');
    expect(cases.get('API-04 negative control: a deviation this cluster cannot take')?.skipped).toEqual({
      message: 'not staged: the pod that stages it cannot start',
    });
    expect(cases.get('COMP-05')?.skipped).toEqual({ message: 'the redis image is not in the node image' });
    expect(cases.get('ETCD-01')?.failure?.message).toContain(
      'Setup failed before the test ran: etcd pod etcd-kube-claims-control-plane not found',
    );
    expect(cases.get('API-01')?.skipped).toEqual({ message: 'not run' });
    expect(cases.get('a unit test of some helper')).toMatchObject({
      classname: 'report/fixtures/run/claims.fixture.ts',
    });
    expect(junit.testsuites.at(-1)).toMatchObject({
      name: 'errors outside tests',
      errors: 1,
      testcases: [{ name: 'report/fixtures/run/claims.fixture.ts > etcd', error: { type: 'Error' } }],
    });
    for (const suite of junit.testsuites)
      expect(suite.properties.slice(0, 3)).toEqual([
        { name: 'runId', value: RUN_ID },
        { name: 'outcome', value: model.outcome },
        { name: 'Kubernetes', value: 'v1.33.3' },
      ]);
    const all = junit.testsuites.flatMap((s) => s.testcases);
    expect(junit).toMatchObject({
      tests: all.length,
      failures: all.filter((c) => c.failure).length,
      errors: 1,
      skipped: all.filter((c) => c.skipped).length,
    });
    expect(all.filter((c) => c.failure).map((c) => key(c.name))).toEqual([
      'COMP-02',
      'COMP-04',
      'API-08',
      'API-08 negative control: anonymous granted list on pods',
      'ETCD-01',
    ]);
  });

  test("a check's findings and a control's deviation travel in the test's meta to every format", () => {
    const claims = new Map(model.groups.flatMap((g) => g.claims).map((c) => [c.id, c]));
    const missing = {
      check: 'namespace-present',
      expected: 'kube-node-lease',
      actual: 'absent',
      message: 'namespace kube-node-lease missing',
    };
    expect(claims.get('COMP-04')).toMatchObject({ status: 'fail', findings: [missing] });
    expect(claims.get('COMP-02')?.negativeControls).toEqual([
      expect.objectContaining({
        name: 'coredns scaled to one replica',
        status: 'pass',
        findings: [
          {
            check: 'coredns-replicas',
            expected: '2',
            actual: '1',
            message: 'the coredns Deployment asks 1 replica(s), kubeadm deploys 2',
          },
        ],
      }),
    ]);
    const cases = new Map(
      parseJunit(readFileSync(join(reports, RUN_ID, 'junit.xml'), 'utf8'))
        .testsuites.flatMap((s) => s.testcases)
        .map((c) => [c.name, c]),
    );
    expect([...cases.values()].find((c) => c.name.startsWith('COMP-04 '))?.failure?.text).toMatch(
      /== Findings ==\nCheck +\| Expected +\| Actual +\| Message\nnamespace-present \| kube-node-lease \| absent +\| namespace kube-node-lease missing/,
    );
    expect(readFileSync(join(reports, RUN_ID, 'report.md'), 'utf8')).toContain(
      '| namespace-present | kube-node-lease | absent | namespace kube-node-lease missing |',
    );
    expect(run.stdout).toContain('  - namespace-present: expected kube-node-lease, got absent');
  });

  test("each negative control's staging reaches every format, resolved for the cluster", () => {
    const claims = new Map(model.groups.flatMap((g) => g.claims).map((c) => [c.id, c]));
    expect(claims.get('API-08')?.negativeControls).toMatchObject([
      { name: 'anonymous granted list on pods', staging: 'live' },
    ]);
    // Declared { madeByKubeClaims: 'live', elsewhere: 'copy' }, on a cluster kube-claims made (the fixture's).
    expect(claims.get('API-04')?.negativeControls).toMatchObject([{ staging: 'live' }]);
    const cases = new Map(
      parseJunit(readFileSync(join(reports, RUN_ID, 'junit.xml'), 'utf8'))
        .testsuites.flatMap((s) => s.testcases)
        .map((c) => [c.name, c]),
    );
    expect(cases.get('API-08 negative control: anonymous granted list on pods')?.properties).toEqual([
      { name: 'staging', value: 'live' },
    ]);
    expect(cases.get('API-08 negative control: anonymous granted list on pods')?.systemOut).toContain(
      'Staging: staged live (on the cluster, undone afterwards)',
    );
    expect(readFileSync(join(reports, RUN_ID, 'report.md'), 'utf8')).toContain(
      'negative control: anonymous granted list on pods — staged live',
    );
    expect(readFileSync(join(reports, RUN_ID, 'report.html'), 'utf8')).toMatch(
      /anonymous granted list on pods <span class="staging" title="[^"]+">staged live<\/span>/,
    );
  });

  test("vitest's own summary comes first, then ours", () => {
    expect(run.stdout.indexOf('Test Files')).toBeGreaterThan(0);
    expect(run.stdout.indexOf('== kube-claims run')).toBeGreaterThan(run.stdout.indexOf('Test Files'));
  });

  test("nothing secret reaches the files or the terminal (vitest's own output included)", () => {
    expect(run.stdout).toContain('Authorization: Bearer [REDACTED]');
    // vitest prints failures on stderr.
    expect(run.stderr).toMatch(/AssertionError: pod coredns is not Ready; key was\n\[REDACTED PRIVATE KEY\]/);
    const outputs = [
      run.stdout,
      run.stderr,
      ...['junit.xml', 'results.json', 'report.md', 'report.html'].map((f) =>
        readFileSync(join(reports, RUN_ID, f), 'utf8'),
      ),
    ];
    for (const output of outputs) {
      expect(output).not.toMatch(/LS0tLS1CRUdJ/);
      expect(output).not.toMatch(new RegExp(['BEGIN', 'PRIVATE', 'KEY'].join('[A-Z ]*')));
    }
    expect(model.groups[0]!.claims[1]!.message).toContain('[REDACTED PRIVATE KEY]');
  });

  test('a run whose global setup fails (no cluster) never reads "0 failed"', () => {
    const other = mkdtempSync(join(tmpdir(), 'kc-reporter-'));
    try {
      const result = runFixture(other, { KC_FIXTURE_FAILING_SETUP: '1' });
      expect(result.status).toBe(1);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('0 passed, 1 failed, 0 skipped');
      const failed = JSON.parse(readFileSync(join(other, RUN_ID, 'results.json'), 'utf8')) as ResultsModel;
      expect(failed.errors).toMatchObject([{ origin: 'vitest', countsAsFailure: true }]);
      expect(failed.testCases).toEqual({ passed: 0, failed: 0, skipped: 0 });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);

  test('KUBE_CLAIMS_FORMATS chooses the files', () => {
    const other = mkdtempSync(join(tmpdir(), 'kc-reporter-'));
    try {
      const result = runFixture(other, { KUBE_CLAIMS_FORMATS: 'json,md' });
      expect(readdirSync(join(other, RUN_ID)).sort()).toEqual(['report.md', 'results.json']);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('4 passed, 4 failed, 2 skipped');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);
});
