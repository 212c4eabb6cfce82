import { describe, expect, test } from 'vitest';
import { CATALOGUE } from './catalogue.ts';
import { admissible, CLUSTER_STATE_NAMES, conflicts, type Touches } from './touches.ts';

const reads = (...r: Touches['reads']): Touches => ({ reads: r, disturbs: [] });
const disturbs = (...d: Touches['disturbs']): Touches => ({ reads: [], disturbs: d });

describe('what tests touch', () => {
  test('a reader and a control conflict over the state the control disturbs, readers never with each other', () => {
    expect(conflicts(reads('static-pods', 'coredns'), disturbs('static-pods', 'scheduling'))).toEqual(['static-pods']);
    expect(conflicts(disturbs('coredns'), reads('coredns'))).toEqual(['coredns']);
    expect(conflicts(reads('static-pods'), reads('static-pods'))).toEqual([]);
    expect(conflicts(disturbs('coredns'), disturbs('static-pods'))).toEqual([]);
    expect(conflicts(disturbs('coredns'), disturbs('coredns'))).toEqual(['coredns']);
  });

  test('a test starts only when it conflicts with no running test and no test waiting before it', () => {
    const control = disturbs('static-pods');
    expect(admissible(reads('static-pods'), [control], [])).toBe(false);
    expect(admissible(reads('coredns'), [control], [])).toBe(true);
    // A control waiting for its readers is not overtaken by a later reader (it is never starved)...
    expect(admissible(reads('static-pods'), [reads('static-pods')], [control])).toBe(false);
    // ...while a test that reads nothing it disturbs goes ahead.
    expect(admissible(reads('anonymous-version'), [reads('static-pods')], [control])).toBe(true);
  });

  test('every state a claim reads is one the catalogue of states names', () => {
    for (const c of CATALOGUE) for (const s of c.reads ?? []) expect(CLUSTER_STATE_NAMES, c.id).toContain(s);
  });
});
