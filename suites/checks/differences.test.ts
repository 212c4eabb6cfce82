// Findings and the assertions on them (suites/differences.ts), and a scan of the suites: a negative control
// names the check its deviation must trip by its id, never by a check's wording.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  CHECK_ID,
  ClaimMismatch,
  expectDifference,
  expectNoDifferences,
  finding,
  findingsOf,
  prefixed,
} from '../differences.ts';

const SUITES = join(import.meta.dirname, '..');

describe('findings', () => {
  test('the compared values as short strings, left out where not given', () => {
    expect(
      finding('namespace-present', 'namespace kube-node-lease missing', {
        expected: 'kube-node-lease',
        actual: 'absent',
      }),
    ).toEqual({
      check: 'namespace-present',
      expected: 'kube-node-lease',
      actual: 'absent',
      message: 'namespace kube-node-lease missing',
    });
    expect(
      finding('coredns-replicas', 'the coredns Deployment asks 1 replica(s), kubeadm deploys 2', {
        expected: 2,
        actual: 1,
      }),
    ).toEqual({
      check: 'coredns-replicas',
      expected: '2',
      actual: '1',
      message: 'the coredns Deployment asks 1 replica(s), kubeadm deploys 2',
    });
    expect(finding('no-bodies', 'bodies are logged')).toEqual({ check: 'no-bodies', message: 'bodies are logged' });
    expect(prefixed('etcd3: ', [finding('key-deleted', 'key still present after del')])[0]).toEqual({
      check: 'key-deleted',
      message: 'etcd3: key still present after del',
    });
  });
  test('a check id is kebab-case', () => {
    expect(() => finding('Namespace present', 'x')).toThrow(/kebab-case/);
    for (const id of ['namespace-present', 'http-status', 'api-version', 'v1']) expect(CHECK_ID.test(id)).toBe(true);
    for (const id of [
      '',
      'Namespace',
      'namespace_present',
      'namespace--present',
      '-x',
      'x-',
      'namespace kube-node-lease missing',
    ])
      expect(CHECK_ID.test(id)).toBe(false);
  });
});

describe('expectNoDifferences and expectDifference', () => {
  const diffs = [
    finding('namespace-present', 'namespace kube-node-lease missing', {
      expected: 'kube-node-lease',
      actual: 'absent',
    }),
    finding('namespace-phase', 'namespace kube-public is Terminating, not Active', {
      expected: 'kube-public Active',
      actual: 'kube-public Terminating',
    }),
  ];
  test('a mismatch lists every message and carries the findings', () => {
    expect(() => expectNoDifferences([])).not.toThrow();
    let thrown: unknown;
    try {
      expectNoDifferences(diffs);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ClaimMismatch);
    expect((thrown as ClaimMismatch).message).toBe(
      'the cluster differs from the claim:\n - namespace kube-node-lease missing\n - namespace kube-public is Terminating, not Active',
    );
    expect((thrown as ClaimMismatch).findings).toEqual(diffs);
  });
  test('a control finds the check its deviation trips by id, and may look at the values', () => {
    expect(expectDifference(diffs, 'namespace-present').expected).toBe('kube-node-lease');
    expect(findingsOf(diffs, 'namespace-phase').map((f) => f.actual)).toEqual(['kube-public Terminating']);
    expect(() => expectDifference([], 'namespace-present')).toThrow(/accepted a deviating cluster/);
    expect(() => expectDifference(diffs, 'container-count')).toThrow(/not with a finding of container-count/);
  });
  test('a control that names a check by its wording is refused at run time', () => {
    expect(() => expectDifference(diffs, 'namespace kube-node-lease missing')).toThrow(/check id/);
    expect(() => expectDifference(diffs, /missing/ as unknown as string)).toThrow(/check id/);
  });
});

/** Every .ts file under suites/, relative to it. */
function suiteFiles(dir = SUITES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : suiteFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The second argument of every expectDifference( call in `source`, as written. */
function expectDifferenceArguments(source: string): string[] {
  const args: string[] = [];
  for (const m of source.matchAll(/\bexpectDifference\(/g)) {
    // The call's first argument ends at the first comma at depth 0; the second at the next comma or the closing
    // parenthesis.
    let depth = 0;
    let i = m.index + m[0].length;
    let start = -1;
    for (; i < source.length; i++) {
      const c = source[i]!;
      if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c)) {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) {
        if (start >= 0) break;
        start = i + 1;
      }
    }
    args.push(start >= 0 ? source.slice(start, i).trim() : '');
  }
  return args;
}

describe('the suites name checks by id', () => {
  test('the scan reads the second argument of each call', () => {
    expect(
      expectDifferenceArguments("expectDifference(diffs, 'namespace-present'); expectDifference(f(a, b), /x/)"),
    ).toEqual(["'namespace-present'", '/x/']);
  });
  test('every expectDifference of a suite names a kebab-case check id, as a literal', () => {
    const offending: string[] = [];
    let calls = 0;
    for (const file of suiteFiles().filter(
      (f) => !f.endsWith('differences.ts') && !f.endsWith('differences.test.ts'),
    )) {
      for (const arg of expectDifferenceArguments(readFileSync(file, 'utf8'))) {
        calls++;
        const id = /^'([^'\\]*)'$/.exec(arg)?.[1];
        if (id === undefined || !CHECK_ID.test(id))
          offending.push(`${relative(SUITES, file)}: expectDifference(…, ${arg})`);
      }
    }
    expect(calls).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });
});
