import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { touchRank } from './touch-sequencer.ts';

const rankOf = (file: string) => touchRank(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'));

describe('the order the live files start in', () => {
  test('the files of the disruptive controls first, the readers of what they disturb last', () => {
    expect(rankOf('suites/components.disruptive.test.ts')).toBe(0);
    expect(rankOf('suites/apiserver/version.disruptive.test.ts')).toBe(0);
    for (const f of ['suites/components.test.ts', 'suites/etcd/registry.test.ts', 'suites/article/replay.test.ts'])
      expect(rankOf(f), f).toBe(2);
    for (const f of [
      'suites/etcd/etcdctl.test.ts',
      'suites/etcd/leases.test.ts',
      'suites/apiserver/admin-conf.test.ts',
    ])
      expect(rankOf(f), f).toBe(1);
  });

  test('a file ranks by the claims it registers (catalogue reads), not by its name', () => {
    expect(touchRank("claim('ETCD-06', async () => {})")).toBe(1);
    expect(touchRank("negativeControl('COMP-02', 'x', 'copy', async () => {})")).toBe(2);
    expect(touchRank("{ disturbs: ['coredns'] }")).toBe(0);
    expect(touchRank('const t = { reads: [], disturbs: [] };')).toBe(1);
  });
});
