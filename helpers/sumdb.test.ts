// The checksum-database reader on a recorded lookup (the fixture's `recorded` says where and when): the record
// is proved, and a record, signature or tile that was tampered with is refused, naming what failed.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { escapeModulePath, lookupSum, parseVerifierKey, SUM_GOLANG_ORG_KEY, tilePath, type SumdbFetch } from './sumdb.ts';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/sumdb-k8s.io-kubernetes-v1.33.3.json', import.meta.url), 'utf8')) as { answers: Record<string, string> };
const LOOKUP = 'lookup/k8s.io/kubernetes@v1.33.3';

function replay(edit: (path: string, body: Buffer) => Buffer = (_p, b) => b): SumdbFetch {
  return async (path) => {
    const body = recorded.answers[path];
    if (body === undefined) throw new Error(`${path}: not recorded`);
    return edit(path, Buffer.from(body, 'base64'));
  };
}

describe('the Go checksum database through the proxy', () => {
  test('k8s.io/kubernetes v1.33.3: its h1 hash, proved in the signed log', async () => {
    const r = await lookupSum('k8s.io/kubernetes', 'v1.33.3', replay());
    expect(r.sum).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
    expect(r.proof).toMatch(/signed tree head of \d+ records \(sum\.golang\.org\) and inclusion proof of record \d+ checked/);
  });

  test('a record whose hash was changed is not in the log', async () => {
    const fetch = replay((p, b) => (p === LOOKUP ? Buffer.from(b.toString('utf8').replace(/h1:\S{10}/, 'h1:AAAAAAAAAA')) : b));
    await expect(lookupSum('k8s.io/kubernetes', 'v1.33.3', fetch)).rejects.toThrow(/not in the signed tree/);
  });

  test('a tree head whose signature was changed is refused', async () => {
    const fetch = replay((p, b) => (p === LOOKUP ? Buffer.from(b.toString('utf8').replace(/(\u2014 sum\.golang\.org \S{20})\S/, '$1A')) : b));
    await expect(lookupSum('k8s.io/kubernetes', 'v1.33.3', fetch)).rejects.toThrow(/signature|no signature/);
  });

  test('a tile that was changed breaks the proof', async () => {
    const fetch = replay((p, b) => (p.startsWith('tile/8/0/') ? Buffer.from(b.map((x, i) => (i === 0 ? x ^ 1 : x))) : b));
    await expect(lookupSum('k8s.io/kubernetes', 'v1.33.3', fetch)).rejects.toThrow(/inclusion proof fails/);
  });

  test('tile paths, path escaping and the verifier key', () => {
    expect(tilePath(0, 1234067, 256)).toBe('tile/8/0/x001/x234/067');
    expect(tilePath(3, 0, 4)).toBe('tile/8/3/000.p/4');
    expect(escapeModulePath('github.com/BurntSushi/toml')).toBe('github.com/!burnt!sushi/toml');
    expect(parseVerifierKey(SUM_GOLANG_ORG_KEY).name).toBe('sum.golang.org');
    expect(() => parseVerifierKey(SUM_GOLANG_ORG_KEY.replace('033de0ae', '033de0af'))).toThrow(/hash does not match/);
  });
});
