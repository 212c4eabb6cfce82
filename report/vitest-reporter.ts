// The vitest reporter of kube-claims. Registered FIRST, before vitest's own, in vitest.config.ts:
//   reporters: ['./report/vitest-reporter.ts', 'default']
// First, because it redacts in place what the reporters after it print (test and hook errors, unhandled
// errors, console output). At the end of a run it builds the results model once, writes
// reports/RUN-ID/{junit.xml, results.json, report.md, report.html} (KUBE_CLAIMS_FORMATS chooses), points
// reports/latest at them and prints the kube-bench style summary, whose last line is
// "N passed, N failed, N skipped" — after the other reporters' summaries, whatever the order.
import { join } from 'node:path';
import type { UserConsoleLog } from 'vitest';
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason, TestSuite, Vitest } from 'vitest/node';
import { config } from '../app/config.ts';
import { runId } from '../lib/run-id.ts';
import { readEnvironment } from './environment.ts';
import { buildModel } from './model.ts';
import { redactErrors, redactInPlace } from './redact-vitest.ts';
import { summaryLine } from './summary.ts';
import { renderTerminal } from './terminal.ts';
import { runErrorsFrom, testRecordFrom } from './test-record.ts';
import { parseFormats, updateLatest, writeReports } from './write.ts';

export interface KubeClaimsReporterOptions {
  /** Comma list like KUBE_CLAIMS_FORMATS (which it overrides): junit,json,md,html, or none. */
  formats?: string;
  /** Parent of the RUN-ID folders; default config.reportsDir (KUBE_CLAIMS_REPORTS, else ./reports). */
  reportsDir?: string;
  /** Colour the terminal summary; default: when stdout is a terminal and NO_COLOR is unset. */
  color?: boolean;
}

export default class KubeClaimsReporter implements Reporter {
  private readonly options: KubeClaimsReporterOptions;
  private vitest: Vitest | undefined;
  private startedAt = new Date();
  /** Every test that reported a result, by vitest's test ID; completed at the end from the test modules. */
  private readonly finished = new Map<string, TestCase>();

  constructor(options: KubeClaimsReporterOptions = {}) {
    this.options = options;
  }

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestRunStart(): void {
    this.startedAt = new Date();
    this.finished.clear();
  }

  onTestCaseResult(testCase: TestCase): void {
    redactErrors(testCase.result().errors);
    this.finished.set(testCase.id, testCase);
  }

  onTestSuiteResult(testSuite: TestSuite): void {
    redactErrors(testSuite.errors());
  }

  onTestModuleEnd(testModule: TestModule): void {
    redactErrors(testModule.errors());
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    redactInPlace(log);
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): Promise<void> {
    // Synchronously, before the reporters after this one print them.
    redactErrors(unhandledErrors);
    for (const module of testModules) {
      redactErrors(module.errors());
      for (const suite of module.children.allSuites()) redactErrors(suite.errors());
      for (const test of module.children.allTests()) redactErrors(test.result().errors);
    }
    // vitest calls every reporter's onTestRunEnd in turn and the built-in ones print synchronously:
    // yielding once lets them finish, so that this summary, and its last line, comes after theirs.
    await new Promise((resolve) => setImmediate(resolve));
    this.finish(testModules, unhandledErrors, reason);
  }

  private finish(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const id = runId();
    const reportsDir = this.options.reportsDir ?? config.reportsDir;
    const runDir = join(reportsDir, id);

    // Tests in module order; those skipped at collection never report a result, so the modules are
    // the complete list. Records are made now, when every suite's hook errors are known.
    const tests = new Map<string, TestCase>();
    for (const module of testModules) for (const test of module.children.allTests()) tests.set(test.id, test);
    for (const [testId, test] of this.finished) if (!tests.has(testId)) tests.set(testId, test);

    const model = buildModel({
      runId: id,
      startedAt: this.startedAt,
      finishedAt: new Date(),
      outcome: reason,
      tests: [...tests.values()].map(testRecordFrom),
      environment: readEnvironment(runDir),
      errors: runErrorsFrom(testModules, unhandledErrors, reason),
    });

    const { formats, unknown } = parseFormats(this.options.formats ?? process.env.KUBE_CLAIMS_FORMATS);
    if (unknown.length) this.error(`kube-claims: unknown report format(s) in KUBE_CLAIMS_FORMATS: ${unknown.join(', ')} (known: junit, json, md, html, none)`);
    let files: string[] = [];
    try {
      files = writeReports(model, runDir, formats);
      updateLatest(reportsDir, runDir, model, files);
    } catch (error) {
      // The summary still prints, so CI sees the counts even when the disk is full or read-only.
      this.error(`kube-claims: could not write the reports to ${runDir}: ${(error as Error).message}`);
    }

    const text = renderTerminal(model, { color: this.options.color ?? useColor(), reportDir: files.length ? runDir : undefined, files });
    this.log(text);
    // The summary ends with this line; a guard in case the text ever stops doing so.
    if (!text.endsWith(summaryLine(model.summaryCounts))) this.log(summaryLine(model.summaryCounts));
  }

  private log(text: string): void {
    // Through vitest's logger, so that our lines come after its own summary, on the same stream.
    if (this.vitest) this.vitest.logger.log(text);
    else process.stdout.write(`${text}\n`);
  }

  private error(text: string): void {
    if (this.vitest) this.vitest.logger.error(text);
    else process.stderr.write(`${text}\n`);
  }
}

function useColor(): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR && process.env.FORCE_COLOR !== '0') return true;
  return Boolean(process.stdout.isTTY);
}
