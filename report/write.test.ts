// Writing a run's reports, the latest pointer, the environment file, and scripts/summary-line.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { environmentRows, readEnvironment } from './environment.ts';
import { parseJunit } from './fixtures/junit-xml.ts';
import { FIXTURE_ENVIRONMENT, fixtureModel } from './fixtures/model.ts';
import { readSummaryCounts, summaryLine } from './summary.ts';
import { parseFormats, updateLatest, writeReports } from './write.ts';

const temporary: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kc-report-'));
  temporary.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('parseFormats (KUBE_CLAIMS_FORMATS)', () => {
  test.each([
    [undefined, ['junit', 'json', 'md', 'html'], []],
    ['', ['junit', 'json', 'md', 'html'], []],
    ['json', ['json'], []],
    [' HTML , markdown,junit,json,html ', ['html', 'md', 'junit', 'json'], []],
    ['none', [], []],
    ['json,pdf', ['json'], ['pdf']],
  ])('%j → %j', (value, formats, unknown) => {
    expect(parseFormats(value)).toEqual({ formats, unknown });
  });
});

describe('writeReports and updateLatest', () => {
  test('write the chosen formats to the run folder and point latest at it', () => {
    const reports = tempDir();
    const model = fixtureModel();
    const runDir = join(reports, model.runId);
    const files = writeReports(model, runDir, ['junit', 'json', 'md', 'html']);
    updateLatest(reports, runDir, model, files);
    expect(files).toEqual(['junit.xml', 'results.json', 'report.md', 'report.html']);
    for (const file of files) expect(existsSync(join(runDir, file))).toBe(true);
    // The JUnit file, read back by an XML parser, is the run's: well-formed, one suite per group, every test case.
    const xml = readFileSync(join(runDir, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const junit = parseJunit(xml);
    expect(junit.testsuites.map((s) => s.name)).toEqual([
      ...model.groups.map((g) => g.id),
      'other tests',
      'errors outside tests',
    ]);
    expect(junit.testsuites[0]!.properties[0]).toEqual({ name: 'runId', value: model.runId });
    const controls = model.groups.flatMap((g) => g.claims).flatMap((c) => [c, ...c.negativeControls]);
    expect(junit.tests).toBe(controls.length + model.otherTests.length + model.errors.length);
    expect(junit.failures).toBe(controls.filter((c) => c.status === 'fail').length + model.otherTotals.fail);
    expect(readlinkSync(join(reports, 'latest'))).toBe(model.runId);
    expect(JSON.parse(readFileSync(join(reports, 'latest.json'), 'utf8'))).toMatchObject({
      runId: model.runId,
      dir: runDir,
      summaryCounts: model.summaryCounts,
      files,
    });
  });

  test('a later run moves latest', () => {
    const reports = tempDir();
    const first = fixtureModel();
    const second = { ...fixtureModel(), runId: 'second-run', summaryCounts: { passed: 1, failed: 0, skipped: 0 } };
    for (const model of [first, second]) {
      const dir = join(reports, model.runId);
      updateLatest(reports, dir, model, writeReports(model, dir, ['json']));
    }
    expect(readlinkSync(join(reports, 'latest'))).toBe('second-run');
    expect(summaryLine(readSummaryCounts(reports))).toBe('1 passed, 0 failed, 0 skipped');
    expect(summaryLine(readSummaryCounts(reports, join(reports, first.runId)))).toBe(summaryLine(first.summaryCounts));
    expect(summaryLine(readSummaryCounts(reports, join(reports, first.runId, 'results.json')))).toBe(
      summaryLine(first.summaryCounts),
    );
  });

  test('without results.json the counts come from latest.json', () => {
    const reports = tempDir();
    const model = fixtureModel();
    const dir = join(reports, model.runId);
    updateLatest(reports, dir, model, writeReports(model, dir, ['html']));
    expect(readSummaryCounts(reports)).toEqual(model.summaryCounts);
  });
});

describe('scripts/summary-line.ts', () => {
  const script = join(PACKAGE_ROOT, 'scripts', 'summary-line.ts');

  test('prints the summary line of the latest run, or of a given report folder, and exits 0', () => {
    const reports = tempDir();
    const model = fixtureModel();
    const dir = join(reports, model.runId);
    updateLatest(reports, dir, model, writeReports(model, dir, ['json']));
    const env = { ...process.env, KUBE_CLAIMS_REPORTS: reports };
    const expected = `${summaryLine(model.summaryCounts)}\n`;
    expect(execFileSync(process.execPath, [script], { env, encoding: 'utf8' })).toBe(expected);
    expect(execFileSync(process.execPath, [script, dir], { env, encoding: 'utf8' })).toBe(expected);
  });

  test('says so and exits 1 when there is no run to read', () => {
    const result = spawnSync(process.execPath, [script], {
      env: { ...process.env, KUBE_CLAIMS_REPORTS: tempDir() },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^summary-line: no results\.json/);
  });
});

describe('environment.json', () => {
  test('absent → null; unreadable → a note; present → the object', () => {
    const dir = tempDir();
    expect(readEnvironment(dir)).toBeNull();
    writeFileSync(join(dir, 'environment.json'), '{not json');
    expect(readEnvironment(dir)?.note).toMatch(/could not be parsed/);
    writeFileSync(join(dir, 'environment.json'), JSON.stringify(FIXTURE_ENVIRONMENT));
    expect(readEnvironment(dir)).toEqual(FIXTURE_ENVIRONMENT);
  });

  test('rows: known fields first with labels, unknown ones after, structured ones as details, timings as durations', () => {
    const rows = environmentRows({ ...FIXTURE_ENVIRONMENT, createdByThisRun: true, buildMs: 1500 });
    expect(rows.slice(0, 8).map((r) => r.label)).toEqual([
      'Kubernetes',
      'etcd',
      'Node image',
      'Cluster',
      'Kubeconfig source',
      'Node',
      'API server',
      'Created by this run',
    ]);
    expect(rows).toContainEqual({ kind: 'cluster', label: 'Created by this run', value: 'yes' });
    expect(rows).toContainEqual({ kind: 'cluster', label: 'Kind version', value: 'v0.30.0' });
    expect(rows).toContainEqual({
      kind: 'detail',
      label: '/etc/kubernetes on the node',
      value: 'admin.conf -rw-------\ncontroller-manager.conf -rw-------\nmanifests drwxr-xr-x\npki drwxr-xr-x',
    });
    expect(rows.find((r) => r.label === 'GET /version')?.value).toMatch(/^major: 1\nminor: 33\n/);
    expect(rows).toContainEqual({ kind: 'cluster', label: 'Build', value: '1.5 s' });
    expect(rows.filter((r) => r.kind === 'timing')).toEqual([
      { kind: 'timing', label: 'Node image build', value: '6 min 52 s' },
      { kind: 'timing', label: 'kind create cluster', value: '48.7 s' },
      { kind: 'timing', label: 'API server answering and node Ready', value: '21.2 s' },
    ]);
    // A number without a unit in its key is shown as it is, never guessed into a duration (552 s once read "552 ms").
    expect(
      environmentRows({ timings: { clusterUpMs: 1500, imageBuildSeconds: 552, other: 250 } }).map((r) => r.value),
    ).toEqual(['1.5 s', '9 min 12 s', '250']);
    // Rounded to whole seconds before minutes are taken: an HA run of 239.54 s once read "3 min 60 s".
    expect(environmentRows({ timings: { aMs: 239_540, bMs: 59_960, cMs: 119_499 } }).map((r) => r.value)).toEqual([
      '4 min 00 s',
      '1 min 00 s',
      '1 min 59 s',
    ]);
  });

  test('a report folder that only has environment.json still gets the reports beside it', () => {
    const reports = tempDir();
    const dir = join(reports, 'run');
    mkdirSync(dir);
    writeFileSync(join(dir, 'environment.json'), '{}');
    writeReports(fixtureModel(), dir, ['md']);
    expect(readFileSync(join(dir, 'environment.json'), 'utf8')).toBe('{}');
  });
});
