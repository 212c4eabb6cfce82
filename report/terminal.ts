// The kube-bench style terminal summary: one line per claim, then what failed and how to remedy it,
// then the totals. Its last line is the CI summary line, always plain (no colour) so it can be grepped.
import { STAGING_SHORT } from '../contract/catalogue.ts';
import { environmentRows } from './environment.ts';
import { compactFinding } from './findings.ts';
import { redactDeep } from './redact-model.ts';
import { summaryLine } from './summary.ts';
import { formatDuration, readOnlyText } from './text.ts';
import type { ClaimResult, PoolUse, ResultsModel, Status } from './types.ts';

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
  const out = new TerminalOutput(options);
  out.push('', `== kube-claims run ${model.runId} ==`);
  environmentLines(out, model);
  readOnly(out, model);
  claimLines(out, model);
  remediations(out, model);
  otherFailures(out, model);
  errorsOutsideTests(out, model);
  notChecked(out, model);
  notFalsified(out, model);
  heldBack(out, model);
  diagnostics(out, model, options);
  slowest(out, model);
  summary(out, model, options);
  return out.lines.join('\n');
}

/** The lines written so far, with the paint of the run's options. */
class TerminalOutput {
  readonly lines: string[] = [];
  private readonly options: TerminalOptions;
  constructor(options: TerminalOptions) {
    this.options = options;
  }
  push(...lines: string[]): void {
    this.lines.push(...lines);
  }
  paint(kind: Status | 'info', text: string): string {
    return this.options.color ? `\u001b[${COLOR[kind]}m${text}\u001b[39m` : text;
  }
  dim(text: string): string {
    return this.options.color ? `\u001b[2m${text}\u001b[22m` : text;
  }
  /** Starts a section with one blank line before it, however the previous one ended. */
  heading(title: string): void {
    while (this.lines.at(-1) === '') this.lines.pop();
    this.lines.push('', title);
  }
}

function environmentLines(out: TerminalOutput, model: ResultsModel): void {
  for (const row of environmentRows(model.environment)
    .filter((r) => r.kind === 'cluster')
    .slice(0, 4)) {
    out.push(`${out.paint('info', '[INFO]')} ${row.label}: ${row.value}`);
  }
}

/** One line per claim the run had, by group, with its negative controls under it. */
function claimLines(out: TerminalOutput, model: ResultsModel): void {
  const claims = model.groups.flatMap((g) => g.claims);
  if (!claims.some((c) => c.testCount > 0)) {
    out.push(`${out.paint('info', '[INFO]')} No claim tests in this run: ${claims.length} claims not run.`);
    return;
  }
  for (const group of model.groups) {
    if (!group.claims.some((c) => c.testCount > 0)) continue;
    out.push(`${out.paint('info', '[INFO]')} ${group.section} ${group.title}`);
    for (const claim of group.claims.filter((c) => c.testCount > 0)) {
      const note =
        claim.status === 'skip'
          ? out.dim(` (${firstLine(claim.message)})`)
          : claim.notFalsified
            ? out.dim(' (not falsified in this run)')
            : '';
      out.push(`${out.paint(claim.status, TAG[claim.status])} ${claim.id} ${claim.title}${note}`);
      for (const nc of claim.negativeControls) {
        out.push(
          `       ${out.paint(nc.status, TAG[nc.status])} negative control: ${nc.name}${nc.heldBack ? out.dim(' (held back)') : ''}${nc.staging ? out.dim(` [${STAGING_SHORT[nc.staging]}]`) : ''}`,
        );
      }
    }
  }
  // Claims a focused run left out are counted once, not listed.
  const notRun = claims.filter((c) => c.testCount === 0).length;
  if (notRun) out.push(`${out.paint('info', '[INFO]')} ${notRun} claim(s) not in this run`);
}

/** What failed, as the check compared it where it says (check: expected X, got Y), and how to remedy it. */
function remediations(out: TerminalOutput, model: ResultsModel): void {
  const failed = model.groups.flatMap((g) => g.claims).filter((c) => c.status === 'fail');
  if (!failed.length) return;
  out.heading('== Remediations ==');
  for (const claim of failed) {
    out.push(`${out.paint('fail', claim.id)} ${claim.title}`);
    out.push(...indent(failureLines(claim)));
    out.push(`  Remediation: ${claim.remediation}`, '');
  }
}

/** A failed claim's findings, compact, and its failing negative controls; its message where it has no findings. */
function failureLines(claim: ClaimResult): string[] {
  if (!claim.findings.length) return cut(claim.message ?? 'failed', MESSAGE_LINES);
  const controls = claim.negativeControls.filter((nc) => nc.status === 'fail');
  return cut(
    [
      ...claim.findings.map((f) => `- ${compactFinding(f)}`),
      ...controls.map((nc) => `Negative control "${nc.name}" failed: ${firstLine(nc.message) || 'failed'}`),
    ].join('\n'),
    MESSAGE_LINES,
  );
}

function otherFailures(out: TerminalOutput, model: ResultsModel): void {
  const failing = [...model.unknownClaimTests, ...model.otherTests].filter((t) => t.status === 'fail');
  if (!failing.length) return;
  out.heading('== Other failing tests ==');
  for (const test of failing)
    out.push(
      `${out.paint('fail', TAG.fail)} ${test.name} (${test.file})`,
      ...indent(cut(test.message ?? 'failed', MESSAGE_LINES)),
    );
}

function errorsOutsideTests(out: TerminalOutput, model: ResultsModel): void {
  if (!model.errors.length) return;
  out.heading('== Errors outside tests ==');
  for (const error of model.errors)
    out.push(`${out.paint('fail', '[ERROR]')} ${error.origin}`, ...indent(cut(error.message, MESSAGE_LINES)));
}

/** Said first: a read-only run proves less, and why. */
function readOnly(out: TerminalOutput, model: ResultsModel): void {
  if (model.readOnly) out.push(`${out.paint('info', '[INFO]')} ${readOnlyText(model.readOnly)}`);
}

function notChecked(out: TerminalOutput, model: ResultsModel): void {
  if (!model.unchecked.length) return;
  out.heading(`== ${model.unchecked.length} claim(s) NOT CHECKED: this run does not prove them ==`);
  for (const u of model.unchecked)
    out.push(`${out.paint('skip', '[SKIP]')} ${u.id} ${u.title}`, ...indent([firstLine(u.reason)]));
}

function notFalsified(out: TerminalOutput, model: ResultsModel): void {
  if (!model.notFalsified.length) return;
  out.heading(
    `== ${model.notFalsified.length} claim(s) passed, NOT FALSIFIED in this run: no negative control of theirs ran and passed ==`,
  );
  for (const c of model.notFalsified) out.push(`${c.id} ${c.title}`, ...indent([firstLine(c.reason)]));
}

function heldBack(out: TerminalOutput, model: ResultsModel): void {
  if (!model.heldBack.length) return;
  out.heading(`== ${model.heldBack.length} negative control(s) held back ==`);
  for (const c of model.heldBack) out.push(`${c.id} ${c.control}`);
  out.push(...indent([firstLine(model.heldBack[0]!.reason)]));
}

function diagnostics(out: TerminalOutput, model: ResultsModel, options: TerminalOptions): void {
  if (!model.diagnostics.length) return;
  out.heading('== Node diagnostics (claims failed) ==');
  out.push(...model.diagnostics.map((f) => `  ${options.reportDir ? `${options.reportDir}/` : ''}${f}`));
}

function slowest(out: TerminalOutput, model: ResultsModel): void {
  if (!model.slowest.length) return;
  out.heading(`== Slowest ${model.slowest.length} ==`);
  for (const s of model.slowest)
    out.push(
      `${formatDuration(s.durationMs).padStart(10)}  ${s.id} ${s.negativeControl ? `negative control: ${s.test}` : 'claim'}`,
    );
}

/** The totals; the last line is the CI summary line. */
function summary(out: TerminalOutput, model: ResultsModel, options: TerminalOptions): void {
  const t = model.totals;
  const o = model.otherTotals;
  out.heading('== Summary ==');
  // Results of a pre-release say so where they are read: no release stands behind them yet.
  if (model.environment?.preRelease === true)
    out.push(`Kubernetes ${String(model.environment.kubernetesVersion ?? '')} is a PRE-RELEASE`);
  out.push(
    `${t.pass} claims PASS${model.notFalsified.length ? ` (${model.notFalsified.length} not falsified in this run)` : ''}`,
    `${t.fail} claims FAIL`,
    `${t.skip} claims SKIP`,
  );
  if (o.pass + o.fail + o.skip) out.push(`Other tests: ${o.pass} pass, ${o.fail} fail, ${o.skip} skip`);
  if (model.articleReplay) out.push(model.articleReplay.summary);
  if (model.errors.length) out.push(`Errors outside tests: ${model.errors.length}`);
  out.push(`Duration: ${formatDuration(model.durationMs)}`);
  if (model.pool) out.push(poolLine(model.pool));
  if (options.reportDir)
    out.push(`Reports: ${options.reportDir}${options.files?.length ? ` (${options.files.join(', ')})` : ''}`);
  out.push(summaryLine(model.summaryCounts));
}

/** The pool's cost and the scheduler's waits, in one line (npm run bench reads them from the model). */
export function poolLine(p: PoolUse): string {
  const waits = p.waitedTests
    ? `${p.waitedTests} test(s) waited ${p.waitedSeconds.toFixed(1)} s for a test they conflict with`
    : 'no test waited for another';
  return `Workers: ${p.workers}, ${p.startupCpuSeconds.toFixed(1)} CPU-s before their first tests; ${waits}`;
}

function cut(text: string, maxLines: number): string[] {
  const lines = text.split('\n');
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines), `… (${lines.length - maxLines} more lines in the reports)`]
    : lines;
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  ${line}`);
}

function firstLine(text: string | undefined): string {
  return text?.split('\n').find((line) => line.trim()) ?? '';
}
