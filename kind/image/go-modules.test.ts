import { describe, expect, test } from 'vitest';
import { parseGoMod } from './go-modules.ts';

describe('parseGoMod', () => {
  test('reads go, godebug, excludes and relative replaces in both forms, ignoring forbidden and versioned replaces', () => {
    const mod = parseGoMod([
      'module k8s.io/kubernetes',
      'go 1.24.0',
      'godebug default=go1.24',
      'replace k8s.io/api => ./staging/src/k8s.io/api',
      'replace (',
      '\tgo.etcd.io/etcd/api/v3 => ../api // comment',
      '\tgo.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY',
      '\tgithub.com/x/y v1.0.0 => github.com/x/z v1.0.1',
      ')',
      'exclude github.com/a/b v0.1.0',
      'exclude (',
      '\tgithub.com/c/d  v1.2.3 // broken',
      ')',
    ].join('\n'));
    expect(mod.go).toBe('1.24.0');
    expect(mod.godebug).toEqual(['default=go1.24']);
    expect(mod.excludes).toEqual(['github.com/a/b v0.1.0', 'github.com/c/d v1.2.3']);
    expect(mod.relativeReplaces).toEqual([
      { module: 'k8s.io/api', target: './staging/src/k8s.io/api' },
      { module: 'go.etcd.io/etcd/api/v3', target: '../api' },
    ]);
  });
});
