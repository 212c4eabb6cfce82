// The article's replay in every format: a section with each literal beside the run's value, its status and
// reason, and the summary line; JSON per literal, JUnit properties. The replay here classifies a made-up run of
// kubectl version -v 8 (the article's own output with another server and Go version); the classification of
// recorded runs is tested in suites/checks/article/.
import { describe, expect, test } from 'vitest';
import { replay } from '../suites/checks/article/compare.ts';
import { committedLiterals } from '../suites/checks/article/source.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { buildModel } from './model.ts';
import { renderTerminal } from './terminal.ts';
import type { ResultsModel, TestRecord } from './types.ts';

const v8 = 'kubectl version -v 8';
const article = committedLiterals().literals.filter((l) => l.command === v8);
const server = 'https://127.0.0.1:46159';
const output = article.map((l) =>
  l.kind === 'server' ? { ...l, value: server } : l.field === 'goVersion' ? { ...l, value: 'go1.26.8' } : l,
);
const replayed = replay(
  article.filter((l) => l.kind !== 'version-line'),
  {
    literals: output,
    notRun: {},
    explain: (l) => (l.kind === 'server' ? (o) => (o === server ? `this cluster's server` : undefined) : undefined),
  },
);
const test_ = (article?: TestRecord['article']): TestRecord => ({
  name: 'the article replayed',
  fullName: 'the article replayed',
  file: 'suites/article/replay.test.ts',
  state: 'passed',
  durationMs: 1,
  ...(article ? { article } : {}),
});
const model = (article?: TestRecord['article']) =>
  buildModel({
    runId: 'r',
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    outcome: 'passed',
    tests: [test_(article)],
  });

describe('the article replay in the reports', () => {
  const m = model(replayed);
  const summary = m.articleReplay!.summary;

  test('the model counts each status and keeps every literal', () => {
    expect(m.articleReplay!.literals).toHaveLength(replayed.length);
    expect(m.articleReplay!.counts['differs as expected']).toBe(1);
    expect(summary).toMatch(/^article literals: \d+ same, 1 differ as expected, 1 differ, 0 not observed$/);
  });

  test('every format has it: terminal summary, Markdown and HTML side by side, JSON per literal, JUnit properties', () => {
    expect(renderTerminal(m)).toContain(`\n${summary}\n`);
    const md = renderMarkdown(m);
    expect(md).toContain('## The article, replayed');
    expect(md).toMatch(
      /\| 85 \| kubectl version -v 8 \| server GET \| https:\/\/192\.168\.1\.150:6443 \| https:\/\/127\.0\.0\.1:46159 \| differs as expected \| this cluster&#39;s server \|/,
    );
    const html = renderHtml(m);
    expect(html).toContain('<h2>The article, replayed</h2>');
    expect(html).toContain('<td><code>go1.24.4</code></td>');
    const json = JSON.parse(renderJson(m)) as ResultsModel;
    expect(json.articleReplay!.literals.find((l) => l.field === 'goVersion')).toMatchObject({
      value: 'go1.24.4',
      line: 110,
    });
    const junit = renderJunit(m);
    expect(junit).toContain(`<property name="article-replay" value="${summary}"/>`);
    expect(junit).toContain('<property name="article line 92: response-header Content-Length" value="same: 379"/>');
  });

  test('a run without the replay has none, in no format', () => {
    const none = model();
    expect(none.articleReplay).toBeNull();
    expect(renderMarkdown(none)).not.toContain('replayed');
    expect(renderHtml(none)).not.toContain('article-replay');
    expect(renderTerminal(none)).not.toContain('article literals');
  });
});
