// A run's exit code from its results: the same for `verify` and for the test command (npm test), whose
// reporter sets it on the process (vitest itself knows failed and passed only).
import { EXIT, type RunExitCode } from '../contract/exit-codes.ts';
import type { ResultsModel } from './types.ts';

/**
 * 1 when a claim or a negative control failed or the run had an error outside its tests; 3 when nothing
 * failed but a selected claim went unchecked (skipped: no node access, say), or, with `requireControls`, passed
 * without any negative control of it run and passed; 0 when every selected claim passed.
 */
export function exitCodeOf(
  model: ResultsModel,
  selected: ReadonlySet<string>,
  { requireControls = false } = {},
): RunExitCode {
  if (model.totals.fail > 0 || model.testCases.failed > 0 || model.errors.some((e) => e.countsAsFailure))
    return EXIT.FAILED;
  const claims = model.groups.flatMap((g) => g.claims).filter((c) => selected.has(c.id));
  if (claims.some((c) => c.status !== 'pass')) return EXIT.UNCHECKED;
  return requireControls && claims.some((c) => c.notFalsified) ? EXIT.UNCHECKED : EXIT.PASSED;
}
