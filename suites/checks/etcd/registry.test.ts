// ETCD-10's layout check on every key of a real etcd (suites/checks/fixtures/every-key.txt): the API server's
// compaction marker is the one key outside /registry/, by its own source; any other key outside is found.
import { describe, expect, test } from 'vitest';
import { recordedText } from '../fixtures/recorded.ts';
import { findingsOf } from '../../differences.ts';
import { checkRegistryLayout } from './registry.ts';

const recorded = recordedText('every-key.txt');
const keys = recorded.value.split('\n').filter(Boolean);
// Scopes of a few served resources, as kubectl api-resources gives them.
const scopes = {
  namespaced: new Map([
    ['pods', true],
    ['namespaces', false],
    ['configmaps', true],
  ]),
};

describe(`the /registry layout on every key (recorded ${recorded.provenance.slice(0, 60)}…)`, () => {
  test("holds with the API server's compact_rev_key allowed outside /registry/", () => {
    expect(checkRegistryLayout(keys, scopes, undefined, ['compact_rev_key'])).toEqual([]);
  });

  test('without that source, compact_rev_key is the key found outside', () => {
    expect(findingsOf(checkRegistryLayout(keys, scopes), 'key-prefix').map((f) => f.actual)).toEqual([
      'compact_rev_key',
    ]);
  });

  test('a stray key outside /registry/ is found beside it', () => {
    const diffs = checkRegistryLayout([...keys, '/kube-claims-stray/r'], scopes, undefined, ['compact_rev_key']);
    expect(findingsOf(diffs, 'key-prefix').map((f) => f.actual)).toEqual(['/kube-claims-stray/r']);
  });
});
