import { describe, expect, test } from 'vitest';
import { CATALOGUE } from '../contract/catalogue.ts';
import { claimTestName } from '../contract/catalogue.ts';
import { selectClaims, testNamePattern } from './verify.ts';

const names = CATALOGUE.map((c) => `§ group > ${claimTestName(c.id as never)}`);
const matching = (pattern: string | undefined) => names.filter((n) => !pattern || new RegExp(pattern).test(n)).map((n) => n.split(' > ')[1]!.split(' ')[0]);

describe('focus and skip by claim ID or group', () => {
  test('a group selects its claims', () => {
    expect(selectClaims(['etcd']).every((c) => c.group === 'etcd')).toBe(true);
  });
  test('focus keeps only the named claims, negative controls included', () => {
    expect(matching(testNamePattern(['API-08', 'components'], []))).toEqual(['COMP-01', 'COMP-02', 'COMP-03', 'COMP-04', 'COMP-05', 'API-08']);
    expect(new RegExp(testNamePattern(['API-08'], [])!).test('API-08 negative control: anonymous may list pods')).toBe(true);
  });
  test('skip removes the named claims and nothing else', () => {
    const kept = matching(testNamePattern([], ['etcd', 'API-01']));
    expect(kept).not.toContain('API-01');
    expect(kept.some((id) => id!.startsWith('ETCD'))).toBe(false);
    expect(kept).toContain('API-10');
  });
  test('an unknown name is a usage error that lists what exists', () => {
    expect(() => selectClaims(['API-99'])).toThrow(/no claim or group "API-99"; groups: components, apiserver, etcd/);
  });
});
