// The vitest reporter of kube-claims. Registered FIRST, before vitest's own (vitest.config.ts, app/verify.ts),
// because it redacts in place what the reporters after it print (test and hook errors, unhandled errors,
// console output). At the end of a run it builds the results model once, from the tests and from what the
// run provided (the cluster, the run, the environment facts: values, not files), collects the node's
// diagnostics when claims failed on a cluster kube-claims made, writes reports/RUN-ID/{junit.xml,
// results.json, report.md, report.html}, points reports/latest at them and prints the kube-bench style
// summary, whose last line is "N passed, N failed, N skipped". The model stays on the instance (`model`)
// for the caller that created it: `verify` takes its exit code from there.
import { join } from 'node:path';
import type { UserConsoleLog } from 'vitest';
import type { Reporter, SerializedError, TestCase, TestModule, TestRunEndReason, TestSuite, Vitest } from 'vitest/node';
import type { ClusterInfo, RunContext } from '../contract/cluster.ts';
import { EXIT } from '../contract/exit-codes.ts';
import { exitCodeOf } from './exit-code.ts';
import { buildModel } from './model.ts';
import { redactErrors, redactInPlace } from './redact-vitest.ts';
import { summaryLine } from './summary.ts';
import { renderTerminal } from './terminal.ts';
import { runErrorsFrom, testRecordFrom } from './test-record.ts';
import type { EnvironmentInfo, ResultsModel } from './types.ts';
import { updateLatest, writeReports, type Format } from './write.ts';

export interface KubeClaimsReporterOptions {
  runId: string;
  /** Parent of the RUN-ID folders. */
  reportsDir: string;
  formats: readonly Format[];
  /** Colour the terminal summary; default: when stdout is a terminal and NO_COLOR is unset. */
  color?: boolean;
  /** The claims the run selected (--focus/--skip): the tests of the others are left out of the results. */
  selected?: readonly string[];
  /** false when the run left the negative controls out (--claims-only). */
  negativeControls?: boolean;
  /**
   * The test command's exit code comes from the results (report/exit-code.ts), not only from vitest's pass or
   * fail: 3 when a selected claim went unchecked, or (requireControls) was not falsified. `verify` sets its own.
   */
  setExitCode?: { requireControls: boolean };
  /**
   * Collects the node's diagnostics into a folder when claims failed on a cluster kube-claims made; returns the files.
   */
  diagnostics?: (cluster: ClusterInfo, dir: string) => Promise<string[]>;
}

export default class KubeClaimsReporter implements Reporter {
  private readonly options: KubeClaimsReporterOptions;
  private vitest: Vitest | undefined;
  private startedAt = new Date();
  /** Every test that reported a result, by vitest's test ID; completed at the end from the test modules. */
  private readonly finished = new Map<string, TestCase>();

  /** The run's results, once it ended. */
  model: ResultsModel | undefined;

  constructor(options: KubeClaimsReporterOptions) {
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

  async onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
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
    await this.finish(testModules, unhandledErrors, reason);
  }

  /**
   * What the claims project was provided: the cluster, the run and the environment facts (absent in unit-only runs).
   */
  private provided(): { cluster?: ClusterInfo; run?: RunContext; environment?: EnvironmentInfo } {
    for (const project of this.vitest?.projects ?? []) {
      const p = project.getProvidedContext() as {
        cluster?: ClusterInfo;
        run?: RunContext;
        environment?: EnvironmentInfo;
      };
      if (p.cluster) return p;
    }
    return {};
  }

  private async finish(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
    const id = this.options.runId;
    const reportsDir = this.options.reportsDir;
    const runDir = join(reportsDir, id);
    const { cluster, run, environment } = this.provided();

    // Tests in module order; those skipped at collection never report a result, so the modules are
    // the complete list. Records are made now, when every suite's hook errors are known.
    const tests = new Map<string, TestCase>();
    for (const module of testModules) for (const test of module.children.allTests()) tests.set(test.id, test);
    for (const [testId, test] of this.finished) if (!tests.has(testId)) tests.set(testId, test);

    const input = {
      runId: id,
      startedAt: this.startedAt,
      finishedAt: new Date(),
      outcome: reason,
      tests: [...tests.values()].map(testRecordFrom),
      environment: environment ?? null,
      errors: runErrorsFrom(testModules, unhandledErrors, reason),
      selected: this.options.selected,
      negativeControls: this.options.negativeControls,
      readOnly: run?.readOnly ?? false,
    };
    let model = buildModel(input);
    if (cluster?.madeByKubeClaims && this.options.diagnostics && (model.totals.fail > 0 || model.errors.length > 0)) {
      const dir = join(runDir, 'diagnostics');
      // reported: a failure to collect diagnostics is an error of the reporter, logged
      const files = await this.options.diagnostics(cluster, dir).catch((e: Error) => {
        this.error(`kube-claims: collecting diagnostics failed: ${e.message}`);
        return [];
      });
      model = buildModel({ ...input, diagnostics: files.map((f) => `diagnostics/${f}`) });
    }
    this.model = model;
    if (this.options.setExitCode && model.groups.some((g) => g.claims.some((c) => c.testCount > 0))) {
      const selected = new Set(this.options.selected ?? model.groups.flatMap((g) => g.claims.map((c) => c.id)));
      const code = exitCodeOf(model, selected, this.options.setExitCode);
      // vitest sets 1 for a failure; an unchecked outcome (3) is added only where it found none.
      if (code === EXIT.UNCHECKED && !process.exitCode) process.exitCode = code;
    }

    let files: string[] = [];
    try {
      files = writeReports(model, runDir, this.options.formats);
      updateLatest(reportsDir, runDir, model, files);
    } catch (error) {
      // The summary still prints, so CI sees the counts even when the disk is full or read-only.
      this.error(`kube-claims: could not write the reports to ${runDir}: ${(error as Error).message}`);
    }

    const text = renderTerminal(model, {
      color: this.options.color ?? useColor(),
      reportDir: files.length ? runDir : undefined,
      files,
    });
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
