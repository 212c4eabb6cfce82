// Builds the results model once per run, from the catalogue and the finished tests (kube-bench's
// "run once, render many"): every format and the terminal summary render from what this returns.
import { redact } from '../helpers/redact.ts';
import { CATALOGUE, GROUPS, type Claim, type ClaimGroup } from '../contract/catalogue.ts';
import { READ_ONLY_REASON } from '../contract/rights.ts';
import { redactDeep } from './redact-model.ts';
import { firstLines } from './text.ts';
import { replayCounts, replaySummary } from '../suites/checks/article/compare.ts';
import {
  RESULTS_SCHEMA_VERSION,
  type ArticleReplay,
  type ClaimResult,
  type EnvironmentInfo,
  type EvidenceItem,
  type Finding,
  type GroupResult,
  type NegativeControlResult,
  type OtherTestResult,
  type ReadOnlyRun,
  type ResultsModel,
  type RunError,
  type Status,
  type StatusTotals,
  type TestCaseTotals,
  type TestRecord,
  type SlowTest,
  type PoolUse,
} from './types.ts';

export interface RunInput {
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  /** vitest's TestRunEndReason: passed, failed, interrupted. */
  outcome: string;
  tests: readonly TestRecord[];
  environment?: EnvironmentInfo | null;
  errors?: readonly RunError[];
  /** The claims to report on; the real catalogue unless a unit test brings its own. */
  catalogue?: readonly Claim[];
  groups?: Record<ClaimGroup, { section: string; title: string }>;
  /** Diagnostics files collected for this run, relative to its report folder. */
  diagnostics?: readonly string[];
  /** The claims the run selected (--focus/--skip); tests of the others were filtered out, not skipped. */
  selected?: readonly string[];
  /** false when the run left the negative controls out (--claims-only): they are not reported as skipped. */
  negativeControls?: boolean;
  /** The run wrote nothing to the cluster (--read-only; the run's context says so). */
  readOnly?: boolean;
}

/** Lines of a failure kept in the model; the full error stays in vitest's own output. */
const MESSAGE_LINES = 20;
const MESSAGE_CHARS = 4000;
const NOT_RUN = 'not run';

export function buildModel(input: RunInput): ResultsModel {
  const catalogue = input.catalogue ?? CATALOGUE;
  const groupInfo = input.groups ?? GROUPS;
  const known = new Set(catalogue.map((c) => c.id));

  const selected = input.selected ? new Set(input.selected) : undefined;
  const tests = input.tests.filter((t) => {
    const id = claimIdOf(t);
    if (input.negativeControls === false && isNegativeControl(t)) return false;
    return !selected || !id || !known.has(id) || selected.has(id);
  });
  const byClaim = new Map<string, TestRecord[]>();
  const unknownClaimTests: OtherTestResult[] = [];
  const otherTests: OtherTestResult[] = [];
  for (const test of tests) {
    const id = claimIdOf(test);
    if (id && known.has(id)) byClaim.set(id, [...(byClaim.get(id) ?? []), test]);
    else if (test.claimId) unknownClaimTests.push(otherTestResult(test));
    else otherTests.push(otherTestResult(test));
  }

  const claims = catalogue.map((claim) =>
    claimResult(claim, byClaim.get(claim.id) ?? [], input.negativeControls !== false),
  );
  const testCases = countTestCases(tests);
  const errors = (input.errors ?? []).map((e) => ({
    origin: redact(e.origin),
    message: shortMessage(e.message),
    countsAsFailure: e.countsAsFailure,
  }));
  const groups: GroupResult[] = [];
  for (const [id, info] of Object.entries(groupInfo) as Array<[ClaimGroup, { section: string; title: string }]>) {
    const inGroup = claims.filter((c) => c.group === id);
    if (inGroup.length)
      groups.push({
        id,
        section: info.section,
        title: redact(info.title),
        totals: countStatuses(inGroup),
        claims: inGroup,
      });
  }
  // Claims of a group the group table does not know still get reported.
  const orphans = claims.filter((c) => !(c.group in groupInfo));
  if (orphans.length)
    groups.push({
      id: orphans[0]!.group,
      section: '',
      title: 'Other claims',
      totals: countStatuses(orphans),
      claims: orphans,
    });

  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: 'kube-claims',
    runId: redact(input.runId),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    durationMs: Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime()),
    outcome: input.outcome,
    environment: input.environment ? redactDeep(input.environment) : null,
    totals: countStatuses(claims),
    testCases,
    summaryCounts: { ...testCases, failed: testCases.failed + errors.filter((e) => e.countsAsFailure).length },
    groups,
    unknownClaimTests,
    otherTests,
    otherTotals: countStatuses([...otherTests, ...unknownClaimTests]),
    errors,
    unchecked: claims
      .filter((c) => c.status === 'skip' && c.testCount > 0)
      .map((c) => ({ id: c.id, title: c.title, reason: c.message ?? NOT_RUN })),
    notFalsified: claims
      .filter((c) => c.notFalsified)
      .map((c) => ({ id: c.id, title: c.title, reason: c.notFalsified! })),
    heldBack: claims.flatMap((c) =>
      c.negativeControls.filter((n) => n.heldBack).map((n) => ({ id: c.id, control: n.name, reason: n.message ?? '' })),
    ),
    readOnly: input.readOnly ? readOnlyRun(claims) : null,
    articleReplay: articleReplayOf(tests),
    diagnostics: [...(input.diagnostics ?? [])].map(redact),
    slowest: slowestOf(claims),
    pool: poolOf(tests),
  };
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** The run's workers (each once, by its process) and the waits the scheduler imposed. */
function poolOf(tests: readonly TestRecord[]): PoolUse | null {
  const workers = new Map<number, number>();
  for (const t of tests) if (t.worker) workers.set(t.worker.pid, t.worker.startupCpuMs);
  if (!workers.size) return null;
  const waited = tests.filter((t) => (t.waitedMs ?? 0) > 0);
  return {
    workers: workers.size,
    startupCpuSeconds: seconds([...workers.values()].reduce((a, b) => a + b, 0)),
    waitedTests: waited.length,
    waitedSeconds: seconds(waited.reduce((a, t) => a + t.waitedMs!, 0)),
  };
}

/** The article's replay, from the test that made it (redacted as every value of the model). */
function articleReplayOf(tests: readonly TestRecord[]): ArticleReplay | null {
  const literals = tests.find((t) => t.article?.length)?.article;
  if (!literals) return null;
  const kept = redactDeep(literals);
  return { summary: replaySummary(kept), counts: replayCounts(kept), literals: kept };
}

/** What a read-only run left unchecked for want of a write: the skips whose reason says the run is read-only. */
function readOnlyRun(claims: readonly ClaimResult[]): ReadOnlyRun {
  const forWrite = (status: Status, message: string | undefined) =>
    status === 'skip' && !!message?.includes(READ_ONLY_REASON);
  return {
    uncheckedClaims: claims.filter((c) => c.testCount > 0 && forWrite(c.status, c.message)).length,
    uncheckedControls: claims.flatMap((c) => c.negativeControls).filter((n) => forWrite(n.status, n.message)).length,
  };
}

export const SLOWEST_COUNT = 5;

/** Where a run's time went: its slowest claim tests and negative controls, slowest first. */
function slowestOf(claims: ClaimResult[]): SlowTest[] {
  const all: SlowTest[] = claims.flatMap((c) => [
    ...(c.testCount > c.negativeControls.length && c.durationMs > 0
      ? [{ id: c.id, test: 'claim', negativeControl: false, durationMs: c.durationMs }]
      : []),
    ...c.negativeControls
      .filter((n) => n.durationMs > 0)
      .map((n) => ({ id: c.id, test: n.name, negativeControl: true, durationMs: n.durationMs })),
  ]);
  return all.sort((a, b) => b.durationMs - a.durationMs).slice(0, SLOWEST_COUNT);
}

/** A failure whose cause is a bound that ran out (a test timeout, a wait, an exec): the claim could not finish. */
const UNFINISHED = /timed out|did not finish|gave no exit status/i;

/**
 * The claim a test belongs to: the meta suites/claim.ts gives it where the test is defined (so also when it
 * was skipped or filtered out), never its name: a unit test named "COMP-01 …" is no claim test.
 */
export function claimIdOf(test: TestRecord): string | undefined {
  return test.claimId;
}

function isNegativeControl(test: TestRecord): boolean {
  return test.negativeControl === true;
}

/**
 * A claim fails when its test or any of its negative controls failed (a control that passes on a deviating
 * cluster means the check cannot be trusted); it passes when its test passed; otherwise it was skipped.
 */
export function claimStatus(claimTests: readonly Status[], controls: readonly Status[]): Status {
  if ([...claimTests, ...controls].includes('fail')) return 'fail';
  if (claimTests.includes('pass')) return 'pass';
  return 'skip';
}

/**
 * Why a claim that passed was not falsified in this run: none of its negative controls ran and passed (each
 * one's reason: held back, not staged, not applicable), or the run left them out. Undefined when one did.
 */
export function notFalsifiedReason(
  status: Status,
  controls: readonly NegativeControlResult[],
  controlsRun: boolean,
): string | undefined {
  if (status !== 'pass' || controls.some((c) => c.status === 'pass')) return undefined;
  if (!controlsRun) return 'the run left the negative controls out (--claims-only)';
  if (!controls.length) return 'no negative control of it was selected in this run';
  return controls.map((c) => `"${c.name}": ${c.message ?? NOT_RUN}`).join('; ');
}

function claimResult(claim: Claim, tests: readonly TestRecord[], controlsRun: boolean): ClaimResult {
  const claimTests = tests.filter((t) => !isNegativeControl(t));
  const controls = tests.filter(isNegativeControl).map(negativeControlResult);
  const status = claimStatus(
    claimTests.map((t) => statusOf(t.state)),
    controls.map((c) => c.status),
  );
  const notFalsified = notFalsifiedReason(status, controls, controlsRun);
  return {
    id: claim.id,
    group: claim.group,
    section: claim.section,
    title: redact(claim.title),
    checks: redact(claim.checks),
    remediation: redact(claim.remediation),
    needsNode: claim.needsNode ?? false,
    status,
    testCount: tests.length,
    durationMs: sum(claimTests.map((t) => t.durationMs)),
    message: claimMessage(status, claimTests, controls),
    evidence: claimTests.flatMap((t) => redactEvidence(t.evidence)),
    findings: claimTests.filter((t) => t.state === 'failed').flatMap((t) => redactFindings(t.findings)),
    notes: claimTests.flatMap((t) =>
      (t.notes ?? []).map((n) => ({ article: redact(n.article), cluster: redact(n.cluster) })),
    ),
    negativeControls: controls,
    ...(status === 'fail' && claimTests.some((t) => t.state === 'failed' && UNFINISHED.test(t.message ?? ''))
      ? { unfinished: true }
      : {}),
    ...(notFalsified ? { notFalsified } : {}),
  };
}

function claimMessage(
  status: Status,
  claimTests: readonly TestRecord[],
  controls: readonly NegativeControlResult[],
): string | undefined {
  if (status === 'pass') return undefined;
  if (status === 'skip') {
    const note = claimTests.find((t) => t.message)?.message;
    return note ? shortMessage(note) : NOT_RUN;
  }
  const parts = claimTests.filter((t) => t.state === 'failed').map((t) => shortMessage(t.message ?? 'failed'));
  for (const control of controls.filter((c) => c.status === 'fail')) {
    parts.push(`Negative control "${control.name}" failed: ${control.message ?? 'failed'}`);
  }
  return parts.join('\n\n');
}

function negativeControlResult(test: TestRecord): NegativeControlResult {
  const status = statusOf(test.state);
  return {
    name: redact(test.deviation ?? test.name),
    status,
    ...(test.heldBack ? { heldBack: true } : {}),
    ...(test.staging ? { staging: test.staging } : {}),
    durationMs: test.durationMs,
    message: status === 'pass' ? undefined : shortMessage(test.message ?? (status === 'skip' ? NOT_RUN : 'failed')),
    evidence: redactEvidence(test.evidence),
    findings: redactFindings(test.findings),
  };
}

function otherTestResult(test: TestRecord): OtherTestResult {
  const status = statusOf(test.state);
  return {
    name: redact(test.fullName || test.name),
    file: redact(test.file),
    status,
    durationMs: test.durationMs,
    message: status !== 'pass' && test.message ? shortMessage(test.message) : undefined,
  };
}

function redactEvidence(evidence: readonly EvidenceItem[] | undefined): EvidenceItem[] {
  return (evidence ?? []).map((e) => ({ label: redact(String(e.label)), body: redact(String(e.body)) }));
}

function redactFindings(findings: readonly Finding[] | undefined): Finding[] {
  return (findings ?? []).map((f) => ({
    check: redact(String(f.check)),
    ...(f.expected !== undefined ? { expected: redact(String(f.expected)) } : {}),
    ...(f.actual !== undefined ? { actual: redact(String(f.actual)) } : {}),
    message: redact(String(f.message)),
  }));
}

/** Redacted before it is cut, so that a cut can never split a secret out of a redaction rule's reach. */
function shortMessage(text: string): string {
  return firstLines(redact(text), MESSAGE_LINES, MESSAGE_CHARS);
}

export function statusOf(state: TestRecord['state']): Status {
  return state === 'passed' ? 'pass' : state === 'failed' ? 'fail' : 'skip';
}

export function countStatuses(items: ReadonlyArray<{ status: Status }>): StatusTotals {
  const totals: StatusTotals = { pass: 0, fail: 0, skip: 0 };
  for (const item of items) totals[item.status]++;
  return totals;
}

export function countTestCases(tests: readonly TestRecord[]): TestCaseTotals {
  const totals: TestCaseTotals = { passed: 0, failed: 0, skipped: 0 };
  for (const test of tests) totals[test.state]++;
  return totals;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
}
