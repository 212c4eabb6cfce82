// Claim selection goes by the tags every claim test carries (its catalogue ID), in a real vitest run of
// fixture claims: focus, skip and claims-only run what they name, and tests of no claim always run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const VITEST = join(PACKAGE_ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/** The names of the tests that ran (passed), with the selection given as the test command takes it. */
function ran(env: Record<string, string>, args = ''): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kc-selection-'));
  try {
    const out = join(dir, 'results.json');
    const childEnv = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('VITEST') && !k.startsWith('KUBE_CLAIMS_') && k !== 'TEST',
      ),
    );
    const r = spawnSync(
      process.execPath,
      [VITEST, 'run', '--config', 'app/fixtures/selection/vitest.config.ts', '--reporter', 'json', '--outputFile', out],
      {
        cwd: PACKAGE_ROOT,
        encoding: 'utf8',
        env: { ...childEnv, ...env, KC_FIXTURE_ARGS: args, NO_COLOR: '1' },
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as {
      testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
    };
    return results.testResults
      .flatMap((f) => f.assertionResults)
      .filter((t) => t.status === 'passed')
      .map((t) => t.title)
      .sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const idsOf = (titles: string[]) =>
  [...new Set(titles.map((t) => (t === 'a unit test' ? 'unit' : t.split(' ')[0]!)))].sort();

describe('claim selection by catalogue ID (vitest tags)', () => {
  test('no selection runs everything', () => {
    expect(ran({})).toHaveLength(7);
  });
  test('focus runs the named claims with their negative controls, and the tests of no claim', () => {
    const titles = ran({ KUBE_CLAIMS_FOCUS: 'COMP-04' });
    expect(idsOf(titles)).toEqual(['COMP-04', 'unit']);
    expect(titles.filter((t) => t.startsWith('COMP-04'))).toHaveLength(2);
  });
  test('a group selects its claims', () => {
    expect(idsOf(ran({ KUBE_CLAIMS_FOCUS: 'etcd' }))).toEqual(['ETCD-10', 'unit']);
  });
  test('skip leaves out the named claims and nothing else', () => {
    expect(idsOf(ran({ KUBE_CLAIMS_SKIP: 'API-08,etcd' }))).toEqual(['COMP-04', 'unit']);
  });
  test('claims only leaves the negative controls out', () => {
    const titles = ran({ KUBE_CLAIMS_FOCUS: 'API-08' }, '--claims-only');
    expect(titles.filter((t) => t.includes('negative control'))).toEqual([]);
    expect(idsOf(titles)).toEqual(['API-08', 'unit']);
  });
});
