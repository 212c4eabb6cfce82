// report.md: readable on GitHub and as a CI job summary. A summary table, one table per claim group,
// then the details of what failed (message, remediation, evidence folded).
import { STAGING_SHORT } from '../contract/catalogue.ts';
import { environmentRows } from './environment.ts';
import { markdownCell, markdownFence, markdownText } from './escape.ts';
import { FINDING_COLUMNS, findingRow } from './findings.ts';
import { redactDeep } from './redact-model.ts';
import { formatDuration, readOnlyText } from './text.ts';
import type { ClaimResult, EvidenceItem, Finding, GroupResult, ResultsModel, Status, StatusTotals } from './types.ts';

const BADGE: Record<Status, string> = { pass: '✅ PASS', fail: '❌ FAIL', skip: '⏭️ SKIP' };

/** Evidence is cut here; report.html and results.json keep it whole. */
const EVIDENCE_CHARS = 3000;

export function renderMarkdown(input: ResultsModel): string {
  const model = redactDeep(input);
  const out = [
    ...header(model),
    ...summaryTable(model),
    ...environment(model),
    ...runNotes(model),
    ...articleNotes(model),
    ...model.groups.flatMap(groupTable),
    ...articleReplay(model),
    ...failures(model),
    ...otherFailures(model),
    ...errorsOutsideTests(model),
  ];
  return `${out.join('\n').trimEnd()}\n`;
}

function header(model: ResultsModel): string[] {
  return [
    `# kube-claims report — run ${markdownText(model.runId)}`,
    '',
    `**${totalsText(model.totals)}** of ${claimCount(model)} claims · ${otherText(model)} · finished ${markdownText(model.finishedAt)} in ${formatDuration(model.durationMs)} (${markdownText(model.outcome)})`,
    '',
  ];
}

function summaryTable(model: ResultsModel): string[] {
  return [
    '## Summary',
    '',
    '| Group | Title | Pass | Fail | Skip |',
    '|---|---|---:|---:|---:|',
    ...model.groups.map(
      (group) =>
        `| ${markdownCell(`${group.section} ${group.id}`)} | ${markdownCell(group.title)} | ${group.totals.pass} | ${group.totals.fail} | ${group.totals.skip} |`,
    ),
    `| **Total** | | **${model.totals.pass}**${model.notFalsified.length ? ` (${model.notFalsified.length} not falsified)` : ''} | **${model.totals.fail}** | **${model.totals.skip}** |`,
    '',
  ];
}

function environment(model: ResultsModel): string[] {
  const env = environmentRows(model.environment);
  if (!env.length) return [];
  return [
    '### Environment',
    '',
    '| | |',
    '|---|---|',
    ...env
      .filter((r) => r.kind !== 'detail')
      .map(
        (row) =>
          `| ${markdownCell(row.kind === 'timing' ? `⏱ ${row.label}` : row.label)} | ${markdownCell(row.value)} |`,
      ),
    '',
    ...env
      .filter((r) => r.kind === 'detail')
      .flatMap((row) => [
        '<details>',
        `<summary>${markdownText(row.label)}</summary>`,
        '',
        markdownFence(row.value),
        '',
        '</details>',
        '',
      ]),
  ];
}

/** Claims left unchecked, negative controls held back, the diagnostics collected: said before the details. */
function runNotes(model: ResultsModel): string[] {
  const out: string[] = [];
  if (model.readOnly) out.push(`**${markdownText(readOnlyText(model.readOnly))}** (--read-only).`, '');
  if (model.unchecked.length) {
    out.push(
      `## ⚠️ ${model.unchecked.length} claim(s) not checked`,
      '',
      'This run does not prove them (exit code 3 unless a claim failed).',
      '',
    );
    for (const u of model.unchecked)
      out.push(`- **${markdownText(u.id)}** ${markdownText(u.title)}: ${markdownText(u.reason)}`);
    out.push('');
  }
  if (model.notFalsified.length) {
    out.push(
      `## ${model.notFalsified.length} claim(s) passed, not falsified in this run`,
      '',
      'No negative control of theirs ran and passed: nothing in this run showed that their checks can fail (exit code 3 under --require-controls).',
      '',
    );
    for (const c of model.notFalsified)
      out.push(`- **${markdownText(c.id)}** ${markdownText(c.title)}: ${markdownText(c.reason)}`);
    out.push('');
  }
  if (model.heldBack.length) {
    out.push(`## ${model.heldBack.length} negative control(s) held back`, '');
    for (const c of model.heldBack)
      out.push(`- **${markdownText(c.id)}** ${markdownText(c.control)}: ${markdownText(c.reason)}`);
    out.push('');
  }
  if (model.diagnostics.length) {
    out.push('## Node diagnostics', '', 'Collected because claims failed (redacted):', '');
    for (const f of model.diagnostics) out.push(`- [${markdownText(f)}](${f})`);
    out.push('');
  }
  return out;
}

function articleNotes(model: ResultsModel): string[] {
  const noted = model.groups.flatMap((g) => g.claims).filter((c) => c.notes.length);
  if (!noted.length) return [];
  return [
    '## Where the article is imprecise',
    '',
    '| Claim | What the article says | What the cluster shows |',
    '|---|---|---|',
    ...noted.flatMap((c) =>
      c.notes.map((n) => `| ${markdownCell(c.id)} | ${markdownCell(n.article)} | ${markdownCell(n.cluster)} |`),
    ),
    '',
  ];
}

/** One row per claim of the group, its negative controls under it. */
/** The article replayed: each literal and this run's value side by side, with its status and reason. */
function articleReplay(model: ResultsModel): string[] {
  const r = model.articleReplay;
  if (!r) return [];
  return [
    '## The article, replayed',
    '',
    `${markdownText(r.summary)}. Beside the verdicts, never one of them: a claim is judged on what is true.`,
    '',
    '| Line | Command | What | The article | This run | Status | Why |',
    '|---:|---|---|---|---|---|---|',
    ...r.literals.map(
      (l) =>
        `| ${l.line} | ${markdownCell(l.command)} | ${markdownCell(`${l.kind} ${l.field}`)} | ${markdownCell(l.value)} | ${markdownCell(l.observed ?? '')} | ${markdownCell(l.status)} | ${markdownCell(l.reason ?? '')} |`,
    ),
    '',
  ];
}

function groupTable(group: GroupResult): string[] {
  const out = [
    `## ${markdownText(`${group.section} ${group.title}`)}`,
    '',
    '| Status | ID | Claim | Section | Duration | Note |',
    '|---|---|---|---|---:|---|',
  ];
  for (const claim of group.claims) {
    out.push(
      `| ${BADGE[claim.status]} | ${markdownCell(claim.id)} | ${markdownCell(claim.title)} | ${markdownCell(claim.section)} | ${duration(claim)} | ${markdownCell(firstLine(claim.message))} |`,
    );
    for (const nc of claim.negativeControls) {
      out.push(
        `| ${BADGE[nc.status]} | ↳ | ${markdownCell(`negative control: ${nc.name}${nc.heldBack ? ' (held back)' : ''}${nc.staging ? ` — staged ${STAGING_SHORT[nc.staging]}` : ''}`)} | | ${formatDuration(nc.durationMs)} | ${markdownCell(firstLine(nc.message))} |`,
      );
    }
  }
  out.push('');
  return out;
}

function failures(model: ResultsModel): string[] {
  const failed = model.groups.flatMap((g) => g.claims).filter((c) => c.status === 'fail');
  return failed.length ? ['## Failures', '', ...failed.flatMap(failureDetails)] : [];
}

function otherFailures(model: ResultsModel): string[] {
  const others = [...model.unknownClaimTests, ...model.otherTests].filter((t) => t.status === 'fail');
  if (!others.length) return [];
  return [
    '## Other failing tests',
    '',
    ...others.flatMap((test) => [
      `### ${markdownText(test.name)}`,
      '',
      `\`${markdownText(test.file)}\``,
      '',
      markdownFence(test.message ?? 'failed'),
      '',
    ]),
  ];
}

function errorsOutsideTests(model: ResultsModel): string[] {
  if (!model.errors.length) return [];
  return [
    '## Errors outside tests',
    '',
    ...model.errors.flatMap((error) => [`### ${markdownText(error.origin)}`, '', markdownFence(error.message), '']),
  ];
}

/** What the check compared and found differing: check | expected | actual | message. */
function findingsTable(findings: readonly Finding[]): string[] {
  return [
    `| ${FINDING_COLUMNS.join(' | ')} |`,
    '|---|---|---|---|',
    ...findings.map((f) => `| ${findingRow(f).map(markdownCell).join(' | ')} |`),
    '',
  ];
}

function failureDetails(claim: ClaimResult): string[] {
  const out = [
    `### ❌ ${markdownText(claim.id)} — ${markdownText(claim.title)}`,
    '',
    `**Section** ${markdownText(claim.section)} · **Duration** ${duration(claim)}`,
    '',
    `**Checks:** ${markdownText(claim.checks)}`,
    '',
    markdownFence(claim.message ?? 'failed'),
    '',
    ...(claim.findings.length ? findingsTable(claim.findings) : []),
    `**Remediation:** ${markdownText(claim.remediation)}`,
    '',
  ];
  const controls = claim.negativeControls.filter((nc) => nc.status === 'fail');
  if (controls.length) {
    out.push('**Failing negative controls:**', '');
    for (const nc of controls) {
      out.push(`- ${markdownText(nc.name)}: ${markdownText(firstLine(nc.message))}`);
      if (nc.findings.length)
        out.push(
          '',
          '  What its check found on the deviating cluster:',
          '',
          ...findingsTable(nc.findings).map((l) => (l ? `  ${l}` : l)),
        );
    }
    out.push('');
  }
  if (claim.evidence.length) out.push(...evidenceDetails(claim.evidence), '');
  return out;
}

function evidenceDetails(evidence: readonly EvidenceItem[]): string[] {
  const out = ['<details>', `<summary>Evidence (${evidence.length})</summary>`, ''];
  for (const item of evidence) {
    const body =
      item.body.length > EVIDENCE_CHARS
        ? `${item.body.slice(0, EVIDENCE_CHARS)}\n… (${item.body.length - EVIDENCE_CHARS} more characters in report.html)`
        : item.body;
    out.push(`**${markdownText(item.label)}**`, '', markdownFence(body), '');
  }
  out.push('</details>');
  return out;
}

function duration(claim: ClaimResult): string {
  return claim.status === 'skip' && claim.durationMs === 0 ? '–' : formatDuration(claim.durationMs);
}

function totalsText(totals: StatusTotals): string {
  return `${totals.pass} pass · ${totals.fail} fail · ${totals.skip} skip`;
}

function claimCount(model: ResultsModel): number {
  return model.groups.reduce((n, g) => n + g.claims.length, 0);
}

function otherText(model: ResultsModel): string {
  const t = model.otherTotals;
  const n = t.pass + t.fail + t.skip;
  return n ? `${n} other tests (${t.pass} pass, ${t.fail} fail, ${t.skip} skip)` : 'no other tests';
}

function firstLine(text: string | undefined): string {
  return text?.split('\n').find((line) => line.trim()) ?? '';
}
