// The kube-bench style terminal summary: one line per claim, then what failed and how to remedy it,
// then the totals. Its last line is the CI summary line, always plain (no colour) so it can be grepped.
import { STAGING_SHORT } from '../contract/catalogue.ts';
import { environmentRows } from './environment.ts';
import { redactDeep } from './redact-model.ts';
import { summaryLine } from './summary.ts';
import { formatDuration } from './text.ts';
import type { ResultsModel, Status } from './types.ts';

export interface TerminalOptions {
  /** ANSI colours for the status tags. */
  color?: boolean;
  /** Where the reports were written, and which files. */
  reportDir?: string;
  files?: readonly string[];
}

const TAG: Record<Status, string> = { pass: '[PASS]', fail: '[FAIL]', skip: '[SKIP]' };
const COLOR: Record<Status | 'info', string> = { pass: '32', fail: '31', skip: '33', info: '36' };
/** Failure messages are cut to this many lines here; the reports keep more. */
const MESSAGE_LINES = 8;

export function renderTerminal(input: ResultsModel, options: TerminalOptions = {}): string {
  const model = redactDeep(input);
  const paint = (kind: Status | 'info', text: string) => (options.color ? `\u001b[${COLOR[kind]}m${text}\u001b[39m` : text);
  const dim = (text: string) => (options.color ? `\u001b[2m${text}\u001b[22m` : text);
  const out: string[] = ['', `== kube-claims run ${model.runId} ==`];
  /** Starts a section with one blank line before it, however the previous one ended. */
  const heading = (title: string) => {
    while (out.at(-1) === '') out.pop();
    out.push('', title);
  };

  for (const row of environmentRows(model.environment).filter((r) => r.kind === 'cluster').slice(0, 4)) {
    out.push(`${paint('info', '[INFO]')} ${row.label}: ${row.value}`);
  }

  const claims = model.groups.flatMap((g) => g.claims);
  const ran = claims.some((c) => c.testCount > 0);
  if (!ran) {
    out.push(`${paint('info', '[INFO]')} No claim tests in this run: ${claims.length} claims not run.`);
  } else {
    // Claims a focused run left out are counted once, not listed.
    const notRun = claims.filter((c) => c.testCount === 0).length;
    for (const group of model.groups) {
      if (!group.claims.some((c) => c.testCount > 0)) continue;
      out.push(`${paint('info', '[INFO]')} ${group.section} ${group.title}`);
      for (const claim of group.claims.filter((c) => c.testCount > 0)) {
        const note = claim.status === 'skip' ? dim(` (${firstLine(claim.message)})`) : '';
        out.push(`${paint(claim.status, TAG[claim.status])} ${claim.id} ${claim.title}${note}`);
        for (const nc of claim.negativeControls) {
          out.push(`       ${paint(nc.status, TAG[nc.status])} negative control: ${nc.name}${nc.heldBack ? dim(' (held back)') : ''}${nc.staging ? dim(` [${STAGING_SHORT[nc.staging]}]`) : ''}`);
        }
      }
    }
    if (notRun) out.push(`${paint('info', '[INFO]')} ${notRun} claim(s) not in this run`);
  }

  const failed = claims.filter((c) => c.status === 'fail');
  if (failed.length) {
    heading('== Remediations ==');
    for (const claim of failed) {
      out.push(`${paint('fail', claim.id)} ${claim.title}`);
      out.push(...indent(cut(claim.message ?? 'failed', MESSAGE_LINES)));
      out.push(`  Remediation: ${claim.remediation}`, '');
    }
  }

  const otherFailures = [...model.unknownClaimTests, ...model.otherTests].filter((t) => t.status === 'fail');
  if (otherFailures.length) {
    heading('== Other failing tests ==');
    for (const test of otherFailures) out.push(`${paint('fail', TAG.fail)} ${test.name} (${test.file})`, ...indent(cut(test.message ?? 'failed', MESSAGE_LINES)));
  }
  if (model.errors.length) {
    heading('== Errors outside tests ==');
    for (const error of model.errors) out.push(`${paint('fail', '[ERROR]')} ${error.origin}`, ...indent(cut(error.message, MESSAGE_LINES)));
  }

  if (model.unchecked.length) {
    heading(`== ${model.unchecked.length} claim(s) NOT CHECKED: this run does not prove them ==`);
    for (const u of model.unchecked) out.push(`${paint('skip', '[SKIP]')} ${u.id} ${u.title}`, ...indent([firstLine(u.reason)]));
  }
  if (model.heldBack.length) {
    heading(`== ${model.heldBack.length} negative control(s) held back ==`);
    for (const c of model.heldBack) out.push(`${c.id} ${c.control}`);
    out.push(...indent([firstLine(model.heldBack[0]!.reason)]));
  }
  if (model.diagnostics.length) {
    heading('== Node diagnostics (claims failed) ==');
    out.push(...model.diagnostics.map((f) => `  ${options.reportDir ? `${options.reportDir}/` : ''}${f}`));
  }

  if (model.slowest.length) {
    heading(`== Slowest ${model.slowest.length} ==`);
    for (const s of model.slowest) out.push(`${formatDuration(s.durationMs).padStart(10)}  ${s.id} ${s.negativeControl ? `negative control: ${s.test}` : 'claim'}`);
  }

  const t = model.totals;
  const o = model.otherTotals;
  heading('== Summary ==');
  // Results of a pre-release say so where they are read: no release stands behind them yet.
  if (model.environment?.preRelease === true) out.push(`Kubernetes ${String(model.environment.kubernetesVersion ?? '')} is a PRE-RELEASE`);
  out.push(`${t.pass} claims PASS`, `${t.fail} claims FAIL`, `${t.skip} claims SKIP`);
  if (o.pass + o.fail + o.skip) out.push(`Other tests: ${o.pass} pass, ${o.fail} fail, ${o.skip} skip`);
  if (model.errors.length) out.push(`Errors outside tests: ${model.errors.length}`);
  out.push(`Duration: ${formatDuration(model.durationMs)}`);
  if (options.reportDir) out.push(`Reports: ${options.reportDir}${options.files?.length ? ` (${options.files.join(', ')})` : ''}`);
  out.push(summaryLine(model.summaryCounts));
  return out.join('\n');
}

function cut(text: string, maxLines: number): string[] {
  const lines = text.split('\n');
  return lines.length > maxLines ? [...lines.slice(0, maxLines), `… (${lines.length - maxLines} more lines in the reports)`] : lines;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

function firstLine(text: string | undefined): string {
  return text?.split('\n').find((line) => line.trim()) ?? '';
}
