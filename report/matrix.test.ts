import { describe, expect, test } from 'vitest';
import { buildMatrix, renderMatrixHtml, renderMatrixMarkdown, type MatrixRun } from './matrix.ts';
import type { ResultsModel } from './types.ts';

function run(version: string, status: 'pass' | 'fail', env: Record<string, unknown>): MatrixRun {
  const claim = { id: 'API-03', title: 'The /version body <has> fields', status };
  return {
    version,
    reportDir: `reports/x-${version}`,
    model: {
      environment: env,
      totals: { pass: status === 'pass' ? 1 : 0, fail: status === 'fail' ? 1 : 0, skip: 0 },
      testCases: { passed: 1, failed: 0, skipped: 0 },
      groups: [{ claims: [claim] }],
    } as unknown as ResultsModel,
  };
}

describe('the version matrix', () => {
  const m = buildMatrix('m1', [
    run('v1.33.3', 'pass', {
      etcdVersion: '3.5.21',
      versionFields: { minor: '33', compiler: 'gc' },
      etcKubernetes: ['admin.conf -rw-------'],
    }),
    run('v1.34.3', 'fail', {
      etcdVersion: '3.6.5',
      versionFields: { minor: '34', compiler: 'gc' },
      etcKubernetes: ['admin.conf -rw-------', 'new.conf -rw-------'],
    }),
    { version: 'v1.35.4', error: 'kind create cluster failed' },
  ]);

  test('claims × versions, marking claims whose status differs', () => {
    expect(m.claims).toEqual([
      {
        id: 'API-03',
        title: 'The /version body <has> fields',
        statuses: { 'v1.33.3': 'pass', 'v1.34.3': 'fail', 'v1.35.4': 'error' },
        differs: true,
      },
    ]);
  });

  test('only the facts that differ, each with why', () => {
    const facts = Object.fromEntries(m.differences.map((d) => [d.fact, d.values]));
    expect(facts['etcd version']).toEqual({ 'v1.33.3': '3.5.21', 'v1.34.3': '3.6.5', 'v1.35.4': '—' });
    expect(facts['/version minor']).toBeDefined();
    expect(facts['/version compiler']).toBeUndefined();
    expect(facts['/etc/kubernetes/new.conf']).toEqual({
      'v1.33.3': '(absent)',
      'v1.34.3': '-rw-------',
      'v1.35.4': '—',
    });
    expect(m.differences.every((d) => d.why.length > 0)).toBe(true);
  });

  test('renders Markdown and escaped HTML', () => {
    expect(renderMatrixMarkdown(m)).toContain(
      '| **API-03** The /version body &lt;has&gt; fields | PASS | FAIL | ERROR |',
    );
    const html = renderMatrixHtml(m);
    expect(html).toContain('The /version body &lt;has&gt; fields');
    expect(html).not.toContain('<has>');
  });
});

describe('a pre-release line in the matrix', () => {
  const m = buildMatrix('m2', [
    { ...run('v1.37.2', 'pass', { etcdVersion: '3.7.0' }), line: 'v1.37', preRelease: false },
    {
      version: 'v1.38.0-beta.0',
      line: 'v1.38',
      preRelease: true,
      error:
        'go mod tidy for k8s.io/kubernetes@v1.38.0-beta.0 failed: the Go module proxy does not serve x@v1 (HTTP 403)',
    },
  ]);
  test('is marked in the line table and in every column head (Markdown, HTML, JSON)', () => {
    expect(m.versions.map((v) => v.preRelease)).toEqual([false, true]);
    const md = renderMatrixMarkdown(m);
    expect(md).toContain(
      '- **v1.38.0-beta.0** (v1.38, pre-release): error: go mod tidy for k8s.io/kubernetes@v1.38.0-beta.0 failed',
    );
    expect(md).toContain('- **v1.37.2** (v1.37): 1 passed');
    expect(md).toContain('| Claim | v1.37.2 | v1.38.0-beta.0 (pre-release) |');
    expect(renderMatrixHtml(m)).toContain('<th>v1.38.0-beta.0 (pre-release)</th>');
  });
  test('a merged run takes the mark from its environment', () => {
    const merged = buildMatrix('m3', [run('v1.38.0-beta.0', 'pass', { preRelease: true }), run('v1.37.2', 'pass', {})]);
    expect(merged.versions.map((v) => v.preRelease)).toEqual([true, false]);
  });
});
