// Turns vitest's reported entities into the plain records the model is built from.
import type { SerializedError, TestCase, TestModule, TestSuite } from 'vitest/node';
import { STAGINGS } from '../contract/catalogue.ts';
import { stripAnsi } from './text.ts';
import type { EvidenceItem, Finding, RunError, TestRecord } from './types.ts';

export function testRecordFrom(testCase: TestCase): TestRecord {
  const result = testCase.result();
  const meta = testCase.meta();
  const record: TestRecord = {
    name: testCase.name,
    fullName: testCase.fullName,
    file: testCase.module.relativeModuleId,
    state: 'skipped',
    durationMs: testCase.diagnostic()?.duration ?? 0,
    claimId: typeof meta.claimId === 'string' ? meta.claimId : undefined,
    negativeControl: typeof meta.negativeControl === 'boolean' ? meta.negativeControl : undefined,
    evidence: Array.isArray(meta.evidence) ? meta.evidence.map(evidenceItem) : undefined,
    notes: Array.isArray(meta.notes)
      ? meta.notes.map((n) => ({ article: String(n.article), cluster: String(n.cluster) }))
      : undefined,
    heldBack: meta.heldBack === true ? true : undefined,
    staging: (STAGINGS as readonly unknown[]).includes(meta.staging) ? meta.staging : undefined,
    deviation: typeof meta.deviation === 'string' ? meta.deviation : undefined,
    findings: Array.isArray(meta.findings) ? meta.findings.map(findingOf) : undefined,
    article: Array.isArray(meta.article) ? meta.article : undefined,
    worker: meta.worker && typeof meta.worker.pid === 'number' ? meta.worker : undefined,
    waitedMs: typeof meta.scheduled?.waitedMs === 'number' ? meta.scheduled.waitedMs : undefined,
  };
  switch (result.state) {
    case 'passed':
      return { ...record, state: 'passed' };
    case 'failed':
      return { ...record, state: 'failed', message: result.errors.map(errorText).join('\n\n') || 'failed' };
    case 'pending':
      return { ...record, message: 'did not finish (the run was interrupted)' };
    case 'skipped': {
      if (result.note) return { ...record, message: result.note };
      // vitest marks the tests of a suite whose beforeAll hook threw as skipped; they were never judged,
      // and counting them as skipped would let a broken setup pass CI's "0 failed" check.
      const hookError = testCase.options.mode === 'run' ? ancestorError(testCase) : undefined;
      if (hookError) return { ...record, state: 'failed', message: `Setup failed before the test ran: ${hookError}` };
      return { ...record, message: skipReason(testCase) };
    }
  }
}

/**
 * Errors that belong to no test: files that failed to load, hooks that threw, unhandled errors, and a run
 * that vitest failed or interrupted before its tests ran (a global setup that threw: the cluster).
 */
export function runErrorsFrom(
  testModules: ReadonlyArray<TestModule>,
  unhandled: ReadonlyArray<SerializedError>,
  reason: string,
): RunError[] {
  const errors: RunError[] = [];
  for (const module of testModules) {
    for (const error of module.errors()) {
      errors.push({
        origin: module.relativeModuleId,
        message: errorText(error),
        countsAsFailure: !keptTestsFromRunning(module),
      });
    }
    for (const suite of module.children.allSuites()) {
      for (const error of suite.errors()) {
        errors.push({
          origin: `${module.relativeModuleId} > ${suite.fullName}`,
          message: errorText(error),
          countsAsFailure: !keptTestsFromRunning(suite),
        });
      }
    }
  }
  for (const error of unhandled) errors.push({ origin: 'unhandled', message: errorText(error), countsAsFailure: true });
  const tests = testModules.reduce((n, m) => n + [...m.children.allTests()].length, 0);
  if (reason === 'interrupted') {
    errors.push({
      origin: 'vitest',
      message: 'The run was interrupted; tests that had not finished count as skipped.',
      countsAsFailure: true,
    });
  } else if (reason === 'failed' && tests === 0 && errors.length === 0) {
    errors.push({
      origin: 'vitest',
      message:
        'The run failed before any test ran: a global setup failed (the cluster could not be provided) or no test file matched. vitest prints the cause.',
      countsAsFailure: true,
    });
  }
  return errors;
}

/** A hook error that turned the tests under it into failures (see testRecordFrom) is already counted by them. */
function keptTestsFromRunning(parent: TestSuite | TestModule): boolean {
  return [...parent.children.allTests()].some(
    (t) =>
      t.result().state === 'skipped' &&
      !t.result().errors &&
      t.options.mode === 'run' &&
      !(t.result() as { note?: string }).note,
  );
}

/**
 * client-node's ApiException text ("HTTP-Code: 404\nMessage: Unknown API Status Code!\nBody: "{…}"\nHeaders: {…}")
 * as one line: the status code and the message of the Status the API server sent.
 */
export function condenseApiException(text: string): string {
  const m = /HTTP-Code: (\d+)\nMessage: [^\n]*\nBody: ("(?:[^"\\]|\\.)*"|[^\n]*)\nHeaders: [^\n]*/.exec(text);
  if (!m) return text;
  let said = m[2]!;
  try {
    const body = JSON.parse(said) as unknown;
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string };
    said = status.message ?? said;
  } catch {
    /* not JSON: as it was sent */
  }
  return text.replace(m[0], `the API server answered ${m[1]}: ${said}`);
}

/** "TimeoutError: …" with the assertion diff after it; "Error:" and "AssertionError:" go without saying. */
export function errorText(error: SerializedError & { diff?: string }): string {
  const name = error.name && !['Error', 'AssertionError'].includes(error.name) ? `${error.name}: ` : '';
  const message = condenseApiException(error.message || error.stack?.split('\n')[0] || 'unknown error');
  const diff = typeof error.diff === 'string' && error.diff ? `\n\n${error.diff}` : '';
  return stripAnsi(`${name}${message}${diff}`);
}

function ancestorError(testCase: TestCase): string | undefined {
  let parent: TestSuite | TestModule = testCase.parent;
  for (;;) {
    const [error] = parent.errors();
    if (error) return errorText(error);
    if (parent.type === 'module') return undefined;
    parent = parent.parent;
  }
}

function skipReason(testCase: TestCase): string {
  switch (testCase.options.mode) {
    case 'todo':
      return 'todo';
    case 'skip':
      return 'skipped in the suite';
    default:
      return 'not run (filtered out or another test has .only)';
  }
}

function findingOf(item: unknown): Finding {
  const { check, expected, actual, message } = (item ?? {}) as Partial<Record<keyof Finding, unknown>>;
  return {
    check: String(check ?? ''),
    ...(expected !== undefined ? { expected: String(expected) } : {}),
    ...(actual !== undefined ? { actual: String(actual) } : {}),
    message: String(message ?? ''),
  };
}

function evidenceItem(item: unknown): EvidenceItem {
  const { label, body } = (item ?? {}) as Partial<EvidenceItem>;
  return { label: String(label ?? ''), body: typeof body === 'string' ? body : (JSON.stringify(body, null, 2) ?? '') };
}
