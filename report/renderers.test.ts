// The renderers: JUnit counts and well-formedness, HTML escaping and self-containment, Markdown tables,
// JSON round trip, the terminal summary and its last line.
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { fixtureModel } from './fixtures/model.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { parseJunit } from './fixtures/junit-xml.ts';
import { renderMarkdown } from './markdown.ts';
import { renderTerminal } from './terminal.ts';
import type { ResultsModel } from './types.ts';

/** A model whose strings try to break out of every format. */
function hostileModel(): ResultsModel {
  const model = fixtureModel();
  const c = model.groups[0]!.claims[1]!;
  c.title = 'pods | are <b>ready</b> & "fine"';
  c.message = '<script>alert("x")</script>\n]]> & </failure> \u001b[31mred\u001b[39m \u0000';
  c.evidence.push({
    label: '"><img src=x onerror=alert(1)>',
    body: '```\n</pre></details><script>alert(2)</script>\n````',
  });
  return model;
}

describe('junit', () => {
  const model = fixtureModel();
  const xml = renderJunit(model);
  const junit = parseJunit(xml);
  const cases = junit.testsuites.flatMap((s) => s.testcases);
  const testcase = (name: string) => {
    const found = cases.filter((c) => c.name.startsWith(name));
    expect(found, `one testcase named ${name}...`).toHaveLength(1);
    return found[0]!;
  };

  test('is well-formed, even from hostile text, which reads back as it was', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    const hostile = hostileModel();
    const hostileXml = renderJunit(hostile);
    expect(XMLValidator.validate(hostileXml)).toBe(true);
    const c = hostile.groups[0]!.claims[1]!;
    const [read] = parseJunit(hostileXml).testsuites[0]!.testcases.filter((t) => t.name.startsWith(`${c.id} `));
    // What XML 1.0 cannot hold at all (a NUL, a terminal escape) becomes U+FFFD; everything else is kept.
    // eslint-disable-next-line no-control-regex -- the control characters the hostile model carries
    const message = c.message!.replace(/[\u0000\u001b]/g, '\uFFFD');
    expect(read?.name).toBe(`${c.id} ${c.title}`);
    expect(read?.failure).toEqual({
      message: '<script>alert("x")</script>',
      type: 'ClaimFailed',
      text: `${message}\n\nRemediation: ${c.remediation}`,
    });
    expect(read?.systemOut).toContain(`== ${c.evidence.at(-1)!.label} ==\n${c.evidence.at(-1)!.body}`);
  });

  test("the parser refuses what is not well-formed or not junit.ts's shape", () => {
    const broken: Array<[string, RegExp]> = [
      [xml.replace('Remediation: Inspect', 'Remediation & Inspect'), /char '&' is not expected/],
      [xml.replace('name="COMP-01 ', 'name="<COMP-01 '), /raw '<' in attribute name/],
      [xml.replace('name="COMP-01 ', 'name="&nbsp;COMP-01 '), /"&nbsp;" is not a reference XML defines/],
      [xml.replace('Section: §2', 'Section: \u001b§2'), /a character XML 1.0 forbids/],
      [xml.replace('<testcase ', '<testcase flaky="true" '), /an attribute flaky junit.ts does not write/],
      [xml.replace('<skipped ', '<rerun/><skipped '), /a <rerun> element junit.ts does not write/],
      [xml.replace(' time="', ' time="1" time="'), /Attribute 'time' is repeated/],
      [xml.replace('tests="', 'tests="x'), /tests="x\d+" is not a count/],
      [xml.replace('</testsuite>', '</testsuites>'), /Expected closing tag 'testsuite'/],
      [`${xml}<testsuites/>`, /something after its root element/],
      [`${xml}text after the root`, /Extra text at the end/],
    ];
    for (const [text, reason] of broken) expect(() => parseJunit(text)).toThrow(reason);
  });

  test('one testsuite per group (+ other tests, + errors), one testcase per claim and per negative control', () => {
    expect(junit.name).toBe('kube-claims');
    expect(junit.testsuites.map((s) => s.name)).toEqual([
      ...model.groups.map((g) => g.id),
      'other tests',
      'errors outside tests',
    ]);
    const claims = model.groups.flatMap((g) => g.claims);
    const controls = claims.flatMap((c) => c.negativeControls);
    expect(cases).toHaveLength(claims.length + controls.length + model.otherTests.length + model.errors.length);
    for (const [i, group] of model.groups.entries()) {
      expect(junit.testsuites[i]!.testcases.map((c) => [c.classname, c.name])).toEqual(
        group.claims.flatMap((c) => [
          [group.id, `${c.id} ${c.title}`],
          ...c.negativeControls.map((nc) => [group.id, `${c.id} negative control: ${nc.name}`]),
        ]),
      );
    }
    expect(cases).toContainEqual(
      expect.objectContaining({
        classname: 'apiserver',
        name: 'API-08 negative control: anonymous users granted list on pods',
      }),
    );
    expect(testcase('COMP-01 crictl ps on the control-plane node')).toMatchObject({
      classname: 'components',
      time: expect.stringMatching(/^\d+\.\d{3}$/),
    });
    for (const t of [junit, ...junit.testsuites, ...cases]) expect(t.time).toMatch(/^\d+\.\d{3}$/);
    for (const t of [junit, ...junit.testsuites]) expect(t.timestamp).toBe(model.startedAt);
  });

  test('the counts in the attributes agree with the elements', () => {
    const count = (list: typeof cases) => ({
      tests: list.length,
      failures: list.filter((c) => c.failure).length,
      errors: list.filter((c) => c.error).length,
      skipped: list.filter((c) => c.skipped).length,
    });
    for (const suite of junit.testsuites) expect(suite, suite.name).toMatchObject(count(suite.testcases));
    expect(junit).toMatchObject(count(cases));
    // A testcase has one outcome at most.
    for (const c of cases)
      expect([c.failure, c.error, c.skipped].filter(Boolean).length, c.name).toBeLessThanOrEqual(1);
    const failing = model.groups
      .flatMap((g) => g.claims)
      .flatMap((c) => [c, ...c.negativeControls])
      .filter((x) => x.status === 'fail').length;
    expect(junit.failures).toBe(failing + model.otherTotals.fail);
    expect(junit.errors).toBe(model.errors.length);
  });

  test("every testsuite carries the run's properties; a group's also its section and title", () => {
    for (const suite of junit.testsuites) {
      const properties = Object.fromEntries(suite.properties.map((p) => [p.name, p.value]));
      expect(properties, suite.name).toMatchObject({
        runId: model.runId,
        outcome: model.outcome,
        Kubernetes: 'v1.33.3',
        'timing: kind create cluster': '48.7 s',
      });
      const group = model.groups.find((g) => g.id === suite.name);
      if (group)
        expect(suite.properties.slice(-2)).toEqual([
          { name: 'section', value: group.section },
          { name: 'title', value: group.title },
        ]);
      else expect(properties).not.toHaveProperty('section');
    }
  });

  test('a failure carries its message and the remediation; a skip its reason; an error outside tests its message; evidence goes to system-out', () => {
    const comp02 = testcase('COMP-02 ');
    expect(comp02.failure).toMatchObject({
      message: 'expected pod coredns-674b8bbfcf-x7k2p to be Ready',
      type: 'ClaimFailed',
    });
    expect(comp02.failure?.text).toContain(
      'Remediation: Inspect the pod with `kubectl -n kube-system describe pod NAME`',
    );
    expect(comp02.systemOut).toMatch(/^Section: §2\n/);
    expect(comp02.systemOut).toContain('== kubectl get pod -A -o json ==');
    expect(testcase('COMP-05 ').skipped?.message).toMatch(/^the redis image is not in the node image/);
    const comp03 = testcase('COMP-03 ');
    expect([comp03.failure, comp03.error, comp03.skipped]).toEqual([undefined, undefined, undefined]);
    expect(comp03.systemOut).toMatch(/^Section: §2\n/);
    const [error] = junit.testsuites.at(-1)!.testcases;
    expect(error).toMatchObject({
      classname: 'errors',
      name: model.errors[0]!.origin,
      error: { type: 'Error', text: model.errors[0]!.message },
    });
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
    const order = [
      '## Summary',
      '## §2 Containers',
      '## §3 kube-apiserver',
      '## §4 etcd',
      '## Failures',
      '## Other failing tests',
      '## Errors outside tests',
    ];
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
    // COMP-01 has no negative control in this model: it passed, not falsified.
    expect(lines).toContain(`[PASS] COMP-01 ${model.groups[0]!.claims[0]!.title} (not falsified in this run)`);
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

describe('a run on a pre-release line', () => {
  const model = fixtureModel();
  model.environment = {
    ...model.environment,
    kubernetesVersion: 'v1.38.0-beta.0',
    kubernetesLine: 'v1.38 (v1.38.0-beta.0, pre-release)',
    preRelease: true,
  };
  test('every format marks it: JSON, a JUnit property, Markdown, HTML and the terminal summary', () => {
    expect((JSON.parse(renderJson(model)) as ResultsModel).environment?.preRelease).toBe(true);
    const props = parseJunit(renderJunit(model)).testsuites[0]!.properties;
    expect(props).toEqual(
      expect.arrayContaining([
        { name: 'Pre-release', value: 'yes' },
        { name: 'Kubernetes', value: 'v1.38.0-beta.0 (pre-release)' },
      ]),
    );
    expect(renderMarkdown(model)).toContain('| Kubernetes | v1.38.0-beta.0 (pre-release) |');
    expect(renderMarkdown(model)).toContain('| Pre-release | yes |');
    expect(renderHtml(model)).toContain('v1.38.0-beta.0 (pre-release)');
    expect(renderTerminal(model)).toContain('[INFO] Kubernetes: v1.38.0-beta.0 (pre-release)');
    expect(renderTerminal(model)).toContain('== Summary ==\nKubernetes v1.38.0-beta.0 is a PRE-RELEASE\n');
  });
  test('a released line carries no mark', () => {
    const released = fixtureModel();
    released.environment = { ...released.environment, kubernetesVersion: 'v1.33.3', preRelease: false };
    expect(renderMarkdown(released)).not.toContain('pre-release');
    expect(renderTerminal(released)).not.toContain('pre-release');
  });
});

describe('findings: expected beside actual in every format', () => {
  const model = fixtureModel();
  const comp04 = model.groups.flatMap((g) => g.claims).find((c) => c.id === 'COMP-04')!;

  test('JSON: one object per finding, on the claim and on its negative controls', () => {
    const json = JSON.parse(renderJson(model)) as ResultsModel;
    const claims = json.groups.flatMap((g) => g.claims);
    expect(json.schemaVersion).toBe(6);
    expect(claims.find((c) => c.id === 'COMP-04')?.findings).toEqual([
      {
        check: 'namespace-present',
        expected: 'kube-node-lease',
        actual: 'absent',
        message: 'namespace kube-node-lease missing',
      },
      {
        check: 'namespace-phase',
        expected: 'kube-public Active',
        actual: 'kube-public Terminating',
        message: 'namespace kube-public is Terminating, not Active',
      },
    ]);
    expect(claims.find((c) => c.id === 'API-10')?.negativeControls[0]?.findings).toEqual([
      {
        check: 'other-address-refused',
        expected: '127.0.0.2:8001 refused',
        actual: '127.0.0.2:8001 connected',
        message: '127.0.0.2:8001 accepted a connection: the proxy listens beyond loopback',
      },
    ]);
  });

  test('HTML: a table of check, expected, actual and message, for a failed claim and for a control', () => {
    const html = renderHtml(model);
    expect(html).toContain(
      '<table class="findings"><caption>Findings</caption><tr><th>Check</th><th>Expected</th><th>Actual</th><th>Message</th></tr>',
    );
    expect(html).toContain(
      '<tr><td><code>namespace-phase</code></td><td>kube-public Active</td><td>kube-public Terminating</td><td>namespace kube-public is Terminating, not Active</td></tr>',
    );
    expect(html).toContain('<caption>What the check found on the deviating cluster</caption>');
  });

  test('Markdown: the same table under the failure', () => {
    const md = renderMarkdown(model);
    const failure = md.slice(md.indexOf('### ❌ COMP-04'));
    expect(failure).toContain(
      '| Check | Expected | Actual | Message |\n|---|---|---|---|\n| namespace-present | kube-node-lease | absent | namespace kube-node-lease missing |',
    );
    expect(failure.indexOf('| Check |')).toBeLessThan(failure.indexOf('**Remediation:**'));
  });

  test("JUnit: the table in the failure text; a control's in its system-out", () => {
    const cases = parseJunit(renderJunit(model)).testsuites.flatMap((t) => t.testcases);
    const failure = cases.find((c) => c.name.startsWith('COMP-04 '))?.failure?.text ?? '';
    expect(failure).toContain(
      '== Findings ==\nCheck             | Expected           | Actual                  | Message',
    );
    expect(failure).toMatch(
      /\nnamespace-phase +\| kube-public Active +\| kube-public Terminating +\| namespace kube-public is Terminating, not Active\n/,
    );
    expect(failure.indexOf('== Findings ==')).toBeLessThan(failure.indexOf('Remediation:'));
    expect(cases.find((c) => c.name === 'API-10 negative control: proxy started on 0.0.0.0')?.systemOut).toContain(
      '== What the check found on the deviating cluster ==\n',
    );
  });

  test('terminal: compact, check: expected X, got Y', () => {
    const text = renderTerminal(model);
    const remediations = text.slice(text.indexOf('== Remediations =='));
    const block = remediations.slice(remediations.indexOf(`COMP-04 ${comp04.title}`));
    expect(block.split('\n').slice(1, 3)).toEqual([
      '  - namespace-present: expected kube-node-lease, got absent',
      '  - namespace-phase: expected kube-public Active, got kube-public Terminating',
    ]);
  });
});
