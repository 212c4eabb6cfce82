// The article's literals as data: extracted from the seed (never edited by hand), covering what the article
// prints; and the replay's classification, on output recorded from a real run (suites/checks/fixtures/).
import { describe, expect, test } from 'vitest';
import { recordedText } from '../fixtures/recorded.ts';
import { replay, replaySummary, type RunOutput } from './compare.ts';
import { extractArticle, parseOutput, type ArticleLiteral } from './literals.ts';
import { ARTICLE_PATH, articleText, committedLiterals, sha256 } from './source.ts';

const committed = committedLiterals();
const values = (kind: ArticleLiteral['kind'], command?: string) =>
  committed.literals.filter((l) => l.kind === kind && (!command || l.command === command)).map((l) => l.value);

describe('the article literals in suites/checks/article/literals.json', () => {
  const text = articleText();
  test.skipIf(!text)(`are what scripts/extract-article.ts extracts from the seed (${ARTICLE_PATH})`, () => {
    expect(committed.sha256, 'the seed changed: npm run article:extract').toBe(sha256(text!));
    expect(committed.literals).toEqual(extractArticle(text!));
  });

  test('cover /version, the -v 8 headers, limit=500, the gates, every file:line, the prompt, etcdctl and /registry', () => {
    const v8 = 'kubectl version -v 8';
    const field = (f: string, command = v8) =>
      committed.literals.find((l) => l.command === command && l.kind === 'body-field' && l.field === f)?.value;
    expect(field('gitCommit')).toBe('80779bd6ff08b451e1c165a338a7b69351e9b0b8');
    expect(field('goVersion')).toBe('go1.24.4');
    expect(field('buildDate')).toBe('2025-07-15T17:59:42Z');
    expect(
      committed.literals.filter(
        (l) => l.kind === 'body-field' && l.command.startsWith('curl -k') && l.command.includes('/version'),
      ),
    ).toHaveLength(13);
    expect(values('response-header', v8)).toContain('379');
    expect(values('request-path')).toEqual(['/version?timeout=32s', '/api/v1/namespaces/default/pods?limit=500']);
    expect(values('feature-gate')).toHaveLength(5);
    expect(new Set(values('source-location'))).toEqual(
      new Set([
        'loader.go:402',
        'envvar.go:172',
        'discovery_client.go:657',
        'round_trippers.go:527',
        'round_trippers.go:632',
      ]),
    );
    expect(values('prompt')).toEqual(['sh-5.2#']);
    expect(values('etcdctl-version')).toEqual(['3.5.21', '3.5']);
    expect(values('member-field', 'etcdctl member list').slice(0, 6)).toEqual([
      'bff3f519f190640f',
      'started',
      'xdlinux',
      'https://192.168.1.150:2380',
      'https://192.168.1.150:2379',
      'false',
    ]);
    expect(values('registry-key').filter((k) => k.startsWith('/registry/apiregistration'))).toHaveLength(3);
    expect(values('registry-key').filter((k) => k.startsWith('/registry/namespaces/'))).toHaveLength(4);
    for (const l of committed.literals) expect(l.line, JSON.stringify(l)).toBeGreaterThan(0);
  });
});

describe('the replay of kubectl version -v 8 on a recorded run', () => {
  const recorded = recordedText('version-v8.txt');
  const v8 = 'kubectl version -v 8';
  const article = committed.literals.filter((l) => l.command === v8);
  const run = (explain: RunOutput['explain']): RunOutput => ({
    literals: parseOutput(v8, recorded.value.split('\n'), 1),
    notRun: {},
    explain,
  });

  test(`keys the run's output as the article's (recorded ${recorded.provenance.slice(0, 40)}…)`, () => {
    const r = replay(
      article,
      run(() => undefined),
    );
    const status = (kind: string, field: string) => r.find((l) => l.kind === kind && l.field === field)?.status;
    expect(status('feature-gate', 'WatchListClient')).toBe('same');
    expect(status('source-location', 'round_trippers.go "Response"')).toBe('same');
    expect(status('response-header', 'Content-Length')).toBe('same');
    expect(status('body-field', 'gitVersion')).toBe('same');
    // Nothing explains them here, so they differ: the run's own server, time and audit ID.
    expect(status('server', 'GET')).toBe('differs');
    expect(status('response-header', 'Date')).toBe('differs');
    expect(r.filter((l) => l.status === 'not observed').map((l) => l.field)).toEqual([
      'Client Version',
      'Kustomize Version',
      'Server Version',
    ]);
  });

  test('a difference is expected only where the observation that explains it predicts the value printed', () => {
    const predicts = (want: string) => (l: ArticleLiteral) =>
      l.kind === 'server'
        ? (observed: string) => (observed === want ? `this cluster's server ${want}` : undefined)
        : undefined;
    const server = /url="(https:\/\/[^/"]+)/.exec(recorded.value)![1]!;
    const explained = replay(article, run(predicts(server))).find((l) => l.kind === 'server')!;
    expect(explained).toMatchObject({
      status: 'differs as expected',
      observed: server,
      reason: `this cluster's server ${server}`,
    });
    // Negative: the same explanation, predicting another server than the run printed, excuses nothing.
    expect(replay(article, run(predicts('https://127.0.0.1:1'))).find((l) => l.kind === 'server')!.status).toBe(
      'differs',
    );
  });

  test('a command the replay did not run is not observed, with why; the summary counts each status', () => {
    const r = replay(article, { literals: [], notRun: { [v8]: 'kubectl is not at hand' }, explain: () => undefined });
    expect(new Set(r.map((l) => `${l.status}: ${l.reason}`))).toEqual(
      new Set(['not observed: kubectl is not at hand']),
    );
    expect(replaySummary(r)).toBe(
      `article literals: 0 same, 0 differ as expected, 0 differ, ${article.length} not observed`,
    );
  });
});
