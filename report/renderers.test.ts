// The renderers: JUnit counts and well-formedness, HTML escaping and self-containment, Markdown tables,
// JSON round trip, the terminal summary and its last line.
import { describe, expect, test } from 'vitest';
import { fixtureModel } from './fixtures/model.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { renderTerminal } from './terminal.ts';
import type { ResultsModel } from './types.ts';

/** A model whose strings try to break out of every format. */
function hostileModel(): ResultsModel {
  const model = fixtureModel();
  const c = model.groups[0]!.claims[1]!;
  c.title = 'pods | are <b>ready</b> & "fine"';
  c.message = '<script>alert("x")</script>\n]]> & </failure> \u001b[31mred\u001b[39m \u0000';
  c.evidence.push({ label: '"><img src=x onerror=alert(1)>', body: '```\n</pre></details><script>alert(2)</script>\n````' });
  return model;
}

/**
 * A small well-formedness check: tags balance, attributes are quoted, text holds no raw '<' and no '&'
 * outside an entity, and no character XML 1.0 forbids.
 */
function checkWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  // eslint-disable-next-line no-control-regex -- no character XML forbids may reach junit.xml
  expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  const body = xml.replace(/^<\?xml[^>]*\?>\n/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of body.matchAll(tag)) {
    const text = body.slice(last, m.index);
    expect(text, `text before <${m[2]}>`).not.toMatch(/<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i);
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (!selfClosing) stack.push(name!);
    last = m.index + m[0].length;
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

function attr(xml: string, element: string, name: string): number[] {
  return [...xml.matchAll(new RegExp(`<${element}\\b[^>]*\\s${name}="(\\d+)"`, 'g'))].map((m) => Number(m[1]));
}

describe('junit', () => {
  const model = fixtureModel();
  const xml = renderJunit(model);

  test('is well-formed, even from hostile text', () => {
    checkWellFormedXml(xml);
    checkWellFormedXml(renderJunit(hostileModel()));
  });

  test('one testsuite per group (+ other tests, + errors), one testcase per claim and per negative control', () => {
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1]);
    expect(suites).toEqual([...model.groups.map((g) => g.id), 'other tests', 'errors outside tests']);
    const claims = model.groups.flatMap((g) => g.claims);
    const controls = claims.flatMap((c) => c.negativeControls);
    const cases = (xml.match(/<testcase /g) ?? []).length;
    expect(cases).toBe(claims.length + controls.length + model.otherTests.length + model.errors.length);
    expect(xml).toContain('classname="apiserver" name="API-08 negative control: anonymous users granted list on pods"');
    expect(xml).toMatch(/<testcase classname="components" name="COMP-01 crictl ps on the control-plane node[^"]*" time="\d+\.\d{3}"/);
  });

  test('the counts in the attributes agree with the elements', () => {
    const [total, ...perSuite] = attr(xml, 'testsuite[s]?', 'tests');
    expect(total).toBe((xml.match(/<testcase /g) ?? []).length);
    expect(perSuite.reduce((a, b) => a + b, 0)).toBe(total);
    expect(attr(xml, 'testsuites', 'failures')[0]).toBe((xml.match(/<failure /g) ?? []).length);
    expect(attr(xml, 'testsuites', 'skipped')[0]).toBe((xml.match(/<skipped[ />]/g) ?? []).length);
    expect(attr(xml, 'testsuites', 'errors')[0]).toBe((xml.match(/<error /g) ?? []).length);
    const failing = model.groups.flatMap((g) => g.claims).flatMap((c) => [c, ...c.negativeControls]).filter((x) => x.status === 'fail').length;
    expect(attr(xml, 'testsuites', 'failures')[0]).toBe(failing + model.otherTotals.fail);
  });

  test('a failure carries its message and the remediation; a skip its reason; evidence goes to system-out', () => {
    const comp02 = xml.slice(xml.indexOf('name="COMP-02'), xml.indexOf('name="COMP-03'));
    expect(comp02).toMatch(/<failure message="expected pod coredns-674b8bbfcf-x7k2p to be Ready" type="ClaimFailed">/);
    expect(comp02).toContain('Remediation: Inspect the pod with `kubectl -n kube-system describe pod NAME`');
    expect(comp02).toContain('<system-out>Section: §2');
    expect(comp02).toContain('== kubectl get pod -A -o json ==');
    expect(xml).toMatch(/name="COMP-05[^>]*>\s*<skipped message="the redis image is not in the node image/);
    expect(xml).toMatch(/name="COMP-03 [^"]*" time="[\d.]+">\s*<system-out>/);
  });
});

describe('html', () => {
  const html = renderHtml(hostileModel());

  test('escapes markup from claims, messages and evidence', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>ready');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('pods | are &lt;b&gt;ready&lt;/b&gt; &amp; &quot;fine&quot;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    // eslint-disable-next-line no-control-regex -- neither NUL nor ESC may reach the page
    expect(html).not.toMatch(/[\u0000\u001b]/);
  });

  test('is self-contained: inline CSS, no scripts, no external resources', () => {
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<(?:script|link|img|iframe|object|embed)\b|<[^>]*\ssrc=|@import|url\(/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.every((h) => h!.startsWith('#'))).toBe(true);
  });

  test('shows totals, environment and timings, and every claim with its evidence folded', () => {
    const model = fixtureModel();
    const page = renderHtml(model);
    for (const claim of model.groups.flatMap((g) => g.claims)) expect(page).toContain(`id="${claim.id}"`);
    expect(page).toContain('v1.33.3');
    expect(page).toContain('kube-claims/node:v1.33.3-offline');
    expect(page).toContain('<dt>Node image build</dt><dd>6 min 52 s</dd>');
    expect(page).toContain('<details class="evidence"><summary>Evidence');
    expect(page).toMatch(new RegExp(`<div class="total fail"><span class="count">${model.totals.fail}</span>`));
  });
});

describe('markdown', () => {
  const md = renderMarkdown(hostileModel());

  test('table rows keep their columns whatever the text', () => {
    const rows = md.split('\n').filter((line) => line.startsWith('| ') && line.includes('COMP-02'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|').length).toBe(8);
  });

  test('markup outside code blocks is escaped (inside them it is shown, not run)', () => {
    const outsideFences = md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, '');
    expect(outsideFences).not.toContain('<script');
    expect(outsideFences).not.toContain('<b>');
    expect(outsideFences).not.toContain('<img');
    expect(outsideFences).toContain('pods \\| are &lt;b&gt;ready&lt;/b&gt;');
  });

  test('a fence cannot be closed by the evidence it holds', () => {
    expect(md).toContain('`````text\n```\n</pre></details><script>alert(2)</script>\n````\n`````');
  });

  test('summary first, then the groups, then the failures', () => {
    const order = ['## Summary', '## §2 Containers', '## §3 kube-apiserver', '## §4 etcd', '## Failures', '## Other failing tests', '## Errors outside tests'];
    const positions = order.map((heading) => md.indexOf(heading));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });
});

describe('json', () => {
  test('is the model', () => {
    const model = fixtureModel();
    expect(JSON.parse(renderJson(model))).toEqual(model);
  });
});

describe('terminal', () => {
  const model = fixtureModel();
  const text = renderTerminal(model, { reportDir: '/r/x', files: ['junit.xml', 'report.html'] });
  const lines = text.split('\n');

  test('one line per claim, kube-bench style', () => {
    expect(lines).toContain(`[PASS] COMP-01 ${model.groups[0]!.claims[0]!.title}`);
    expect(lines.some((l) => l.startsWith('[FAIL] COMP-02 '))).toBe(true);
    expect(lines.some((l) => /^\[SKIP\] COMP-05 .*\(the redis image is not in the node image/.test(l))).toBe(true);
    expect(lines).toContain('       [FAIL] negative control: anonymous users granted list on pods');
  });

  test('failures with their message and remediation, then the summary and the report path', () => {
    const remediations = text.indexOf('== Remediations ==');
    expect(remediations).toBeGreaterThan(0);
    expect(text.slice(remediations)).toContain('  Remediation: Inspect the pod with');
    expect(text.indexOf('== Summary ==')).toBeGreaterThan(remediations);
    expect(text).toContain(`${model.totals.fail} claims FAIL`);
    expect(text).toContain('Reports: /r/x (junit.xml, report.html)');
  });

  test('ends with the exact CI summary line, uncoloured', () => {
    const { passed, failed, skipped } = model.summaryCounts;
    expect(lines.at(-1)).toBe(`${passed} passed, ${failed} failed, ${skipped} skipped`);
    const coloured = renderTerminal(model, { color: true }).split('\n');
    expect(coloured.at(-1)).toMatch(/^\d+ passed, \d+ failed, \d+ skipped$/);
    expect(coloured.some((l) => l.includes('\u001b[31m[FAIL]'))).toBe(true);
  });
});
