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
    run('v1.33.3', 'pass', { etcdVersion: '3.5.21', versionFields: { minor: '33', compiler: 'gc' }, etcKubernetes: ['admin.conf -rw-------'] }),
    run('v1.34.3', 'fail', { etcdVersion: '3.6.5', versionFields: { minor: '34', compiler: 'gc' }, etcKubernetes: ['admin.conf -rw-------', 'new.conf -rw-------'] }),
    { version: 'v1.35.4', error: 'kind create cluster failed' },
  ]);

  test('claims × versions, marking claims whose status differs', () => {
    expect(m.claims).toEqual([{ id: 'API-03', title: 'The /version body <has> fields', statuses: { 'v1.33.3': 'pass', 'v1.34.3': 'fail', 'v1.35.4': 'error' }, differs: true }]);
  });

  test('only the facts that differ, each with why', () => {
    const facts = Object.fromEntries(m.differences.map((d) => [d.fact, d.values]));
    expect(facts['etcd version']).toEqual({ 'v1.33.3': '3.5.21', 'v1.34.3': '3.6.5', 'v1.35.4': '—' });
    expect(facts['/version minor']).toBeDefined();
    expect(facts['/version compiler']).toBeUndefined();
    expect(facts['/etc/kubernetes/new.conf']).toEqual({ 'v1.33.3': '(absent)', 'v1.34.3': '-rw-------', 'v1.35.4': '—' });
    expect(m.differences.every((d) => d.why.length > 0)).toBe(true);
  });

  test('renders Markdown and escaped HTML', () => {
    expect(renderMatrixMarkdown(m)).toContain('| **API-03** The /version body &lt;has&gt; fields | PASS | FAIL | ERROR |');
    const html = renderMatrixHtml(m);
    expect(html).toContain('The /version body &lt;has&gt; fields');
    expect(html).not.toContain('<has>');
  });
});
