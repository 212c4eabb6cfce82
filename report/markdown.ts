// report.md: readable on GitHub and as a CI job summary. A summary table, one table per claim group,
// then the details of what failed (message, remediation, evidence folded).
import { STAGING_SHORT } from '../contract/catalogue.ts';
import { environmentRows } from './environment.ts';
import { markdownCell, markdownFence, markdownText } from './escape.ts';
import { redactDeep } from './redact-model.ts';
import { formatDuration } from './text.ts';
import type { ClaimResult, EvidenceItem, ResultsModel, Status, StatusTotals } from './types.ts';

const BADGE: Record<Status, string> = { pass: '✅ PASS', fail: '❌ FAIL', skip: '⏭️ SKIP' };

/** Evidence is cut here; report.html and results.json keep it whole. */
const EVIDENCE_CHARS = 3000;

export function renderMarkdown(input: ResultsModel): string {
  const model = redactDeep(input);
  const out: string[] = [];
  out.push(`# kube-claims report — run ${markdownText(model.runId)}`, '');
  out.push(`**${totalsText(model.totals)}** of ${claimCount(model)} claims · ${otherText(model)} · finished ${markdownText(model.finishedAt)} in ${formatDuration(model.durationMs)} (${markdownText(model.outcome)})`, '');

  out.push('## Summary', '', '| Group | Title | Pass | Fail | Skip |', '|---|---|---:|---:|---:|');
  for (const group of model.groups) {
    out.push(`| ${markdownCell(`${group.section} ${group.id}`)} | ${markdownCell(group.title)} | ${group.totals.pass} | ${group.totals.fail} | ${group.totals.skip} |`);
  }
  out.push(`| **Total** | | **${model.totals.pass}** | **${model.totals.fail}** | **${model.totals.skip}** |`, '');

  const env = environmentRows(model.environment);
  if (env.length) {
    out.push('### Environment', '', '| | |', '|---|---|');
    for (const row of env.filter((r) => r.kind !== 'detail')) out.push(`| ${markdownCell(row.kind === 'timing' ? `⏱ ${row.label}` : row.label)} | ${markdownCell(row.value)} |`);
    out.push('');
    for (const row of env.filter((r) => r.kind === 'detail')) {
      out.push('<details>', `<summary>${markdownText(row.label)}</summary>`, '', markdownFence(row.value), '', '</details>', '');
    }
  }

  if (model.unchecked.length) {
    out.push(`## ⚠️ ${model.unchecked.length} claim(s) not checked`, '', 'This run does not prove them (exit code 3 unless a claim failed).', '');
    for (const u of model.unchecked) out.push(`- **${markdownText(u.id)}** ${markdownText(u.title)}: ${markdownText(u.reason)}`);
    out.push('');
  }
  if (model.heldBack.length) {
    out.push(`## ${model.heldBack.length} negative control(s) held back`, '');
    for (const c of model.heldBack) out.push(`- **${markdownText(c.id)}** ${markdownText(c.control)}: ${markdownText(c.reason)}`);
    out.push('');
  }
  if (model.diagnostics.length) {
    out.push('## Node diagnostics', '', 'Collected because claims failed (redacted):', '');
    for (const f of model.diagnostics) out.push(`- [${markdownText(f)}](${f})`);
    out.push('');
  }
  const noted = model.groups.flatMap((g) => g.claims).filter((c) => c.notes.length);
  if (noted.length) {
    out.push('## Where the article is imprecise', '', '| Claim | What the article says | What the cluster shows |', '|---|---|---|');
    for (const c of noted) for (const n of c.notes) out.push(`| ${markdownCell(c.id)} | ${markdownCell(n.article)} | ${markdownCell(n.cluster)} |`);
    out.push('');
  }

  for (const group of model.groups) {
    out.push(`## ${markdownText(`${group.section} ${group.title}`)}`, '', '| Status | ID | Claim | Section | Duration | Note |', '|---|---|---|---|---:|---|');
    for (const claim of group.claims) {
      out.push(`| ${BADGE[claim.status]} | ${markdownCell(claim.id)} | ${markdownCell(claim.title)} | ${markdownCell(claim.section)} | ${duration(claim)} | ${markdownCell(firstLine(claim.message))} |`);
      for (const nc of claim.negativeControls) {
        out.push(`| ${BADGE[nc.status]} | ↳ | ${markdownCell(`negative control: ${nc.name}${nc.heldBack ? ' (held back)' : ''}${nc.staging ? ` — staged ${STAGING_SHORT[nc.staging]}` : ''}`)} | | ${formatDuration(nc.durationMs)} | ${markdownCell(firstLine(nc.message))} |`);
      }
    }
    out.push('');
  }

  const failed = model.groups.flatMap((g) => g.claims).filter((c) => c.status === 'fail');
  if (failed.length) {
    out.push('## Failures', '');
    for (const claim of failed) out.push(...failureDetails(claim));
  }

  const others = [...model.unknownClaimTests, ...model.otherTests].filter((t) => t.status === 'fail');
  if (others.length) {
    out.push('## Other failing tests', '');
    for (const test of others) out.push(`### ${markdownText(test.name)}`, '', `\`${markdownText(test.file)}\``, '', markdownFence(test.message ?? 'failed'), '');
  }
  if (model.errors.length) {
    out.push('## Errors outside tests', '');
    for (const error of model.errors) out.push(`### ${markdownText(error.origin)}`, '', markdownFence(error.message), '');
  }
  return `${out.join('\n').trimEnd()}\n`;
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
    `**Remediation:** ${markdownText(claim.remediation)}`,
    '',
  ];
  const controls = claim.negativeControls.filter((nc) => nc.status === 'fail');
  if (controls.length) {
    out.push('**Failing negative controls:**', '');
    for (const nc of controls) out.push(`- ${markdownText(nc.name)}: ${markdownText(firstLine(nc.message))}`);
    out.push('');
  }
  if (claim.evidence.length) out.push(...evidenceDetails(claim.evidence), '');
  return out;
}

function evidenceDetails(evidence: readonly EvidenceItem[]): string[] {
  const out = ['<details>', `<summary>Evidence (${evidence.length})</summary>`, ''];
  for (const item of evidence) {
    const body = item.body.length > EVIDENCE_CHARS
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
