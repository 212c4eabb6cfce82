// A read-only run (--read-only) says so in the model and in every format: nothing was written to the cluster, and
// how many claims (and controls) went unchecked because they need a write. A run that writes is silent about it.
import { describe, expect, test } from 'vitest';
import type { Claim } from '../contract/catalogue.ts';
import { EXIT } from '../contract/exit-codes.ts';
import { READ_ONLY_REASON } from '../contract/rights.ts';
import { exitCodeOf } from './exit-code.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { buildModel, type RunInput } from './model.ts';
import { renderTerminal } from './terminal.ts';
import { RESULTS_SCHEMA_VERSION, type ResultsModel } from './types.ts';
import { claimTestRecord } from './fixtures/records.ts';

const CATALOGUE: Claim[] = [
  {
    id: 'COMP-04',
    group: 'components',
    section: '§2',
    title: 'namespaces listed',
    checks: 'kubectl get ns',
    remediation: 'look at the API server',
  },
  {
    id: 'COMP-05',
    group: 'components',
    section: '§2',
    title: 'the workload answers',
    checks: 'redis-cli PING',
    remediation: 'look at the pods',
  },
  {
    id: 'ETCD-04',
    group: 'etcd',
    section: '§4',
    title: 'etcdctl in the pod',
    checks: 'etcdctl',
    remediation: 'look at etcd',
  },
];
const ALL = new Set(CATALOGUE.map((c) => c.id));
const EXEC = `unchecked: needs create pods/exec in namespace kube-system, and ${READ_ONLY_REASON}`;

const test_ = claimTestRecord;

const TESTS = [
  test_('COMP-04', 'passed', false),
  test_('COMP-04', 'skipped', true, {
    deviation: 'a namespace missing',
    message: `unchecked: needs create namespaces, and ${READ_ONLY_REASON}`,
  }),
  test_('COMP-05', 'skipped', false, {
    message: `unchecked: needs create statefulsets.apps in the run's namespace kc-run-x, and ${READ_ONLY_REASON}`,
  }),
  test_('ETCD-04', 'skipped', false, { message: EXEC }),
];

function build(extra: Partial<RunInput> = {}): ResultsModel {
  return buildModel({
    runId: 'r',
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    outcome: 'passed',
    tests: TESTS,
    catalogue: CATALOGUE,
    ...extra,
  });
}

const SENTENCE =
  'read-only run: nothing was written to the cluster; 2 claims unchecked because they need a write, and 1 negative control';

describe('a read-only run in the reports', () => {
  test('the model counts the claims and controls unchecked for want of a write; a claim that only reads passed; exit 3', () => {
    const m = build({ readOnly: true });
    expect(m.readOnly).toEqual({ uncheckedClaims: 2, uncheckedControls: 1 });
    expect(m.unchecked.map((u) => [u.id, u.reason])).toEqual([
      ['COMP-05', expect.stringContaining(READ_ONLY_REASON)],
      ['ETCD-04', EXEC],
    ]);
    expect(m.groups.flatMap((g) => g.claims).find((c) => c.id === 'COMP-04')?.status).toBe('pass');
    expect(exitCodeOf(m, ALL, { requireControls: false })).toBe(EXIT.UNCHECKED);
  });

  test('a claim unchecked for another reason is not counted as needing a write', () => {
    const m = buildModel({
      runId: 'r',
      startedAt: new Date(0),
      finishedAt: new Date(1000),
      outcome: 'passed',
      catalogue: CATALOGUE,
      readOnly: true,
      tests: [test_('ETCD-04', 'skipped', false, { message: 'unchecked: needs list nodes, denied for u' })],
    });
    expect(m.readOnly).toEqual({ uncheckedClaims: 0, uncheckedControls: 0 });
  });

  test('every format says it; JSON carries it (results schema 4 and later)', () => {
    const m = build({ readOnly: true });
    expect(renderTerminal(m)).toContain(`[INFO] ${SENTENCE}`);
    expect(renderMarkdown(m)).toContain(`**${SENTENCE}** (--read-only).`);
    expect(renderHtml(m)).toContain(`<h2>Read-only run</h2><p>${SENTENCE} (--read-only).</p>`);
    expect(renderJunit(m)).toContain(`<property name="read-only" value="${SENTENCE}"/>`);
    const json = JSON.parse(renderJson(m)) as ResultsModel;
    expect(RESULTS_SCHEMA_VERSION).toBeGreaterThanOrEqual(4);
    expect(json.schemaVersion).toBe(RESULTS_SCHEMA_VERSION);
    expect(json.readOnly).toEqual({ uncheckedClaims: 2, uncheckedControls: 1 });
  });

  test('a run that writes: readOnly null, and no format mentions it', () => {
    const m = build();
    expect(m.readOnly).toBeNull();
    for (const text of [renderTerminal(m), renderMarkdown(m), renderHtml(m), renderJunit(m)])
      expect(text).not.toContain('read-only run');
  });
});
