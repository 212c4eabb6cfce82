// The exit codes of the CLI (and of `verify()`'s result), by name. The reports, the README and CI scripts
// speak of these four; nothing else exits with another code.
export const EXIT = {
  /** Every selected claim passed (its negative controls passed, or were held back by policy). */
  PASSED: 0,
  /** A claim or a negative control failed, or the run had an error outside its tests. */
  FAILED: 1,
  /**
   * Bad usage (flag, format, claim, kubeconfig) or an environment that cannot run (no Docker, an API server that
   * refuses): one line on stderr.
   */
  USAGE_OR_ENVIRONMENT: 2,
  /** Nothing failed, but some selected claims went unchecked (no shell on the node, say); the report says why. */
  UNCHECKED: 3,
} as const;

export type ExitCodeName = keyof typeof EXIT;
export type AnyExitCode = (typeof EXIT)[ExitCodeName];
/** What a run that got as far as its claims exits with: a usage or environment problem is thrown instead. */
export type RunExitCode = typeof EXIT.PASSED | typeof EXIT.FAILED | typeof EXIT.UNCHECKED;

/** One line each, for --help and the docs. */
export const EXIT_CODE_HELP: Record<AnyExitCode, string> = {
  [EXIT.PASSED]: 'every selected claim passed',
  [EXIT.FAILED]: 'a claim or a negative control failed (or the run had an error)',
  [EXIT.USAGE_OR_ENVIRONMENT]: 'usage or environment error, with a one-line reason',
  [EXIT.UNCHECKED]: 'nothing failed, but some selected claims went unchecked (see the report)',
};

/** The worse of two run outcomes: a failure over anything, unchecked over passed. */
export function worseOf(a: RunExitCode, b: RunExitCode): RunExitCode {
  if (a === EXIT.FAILED || b === EXIT.FAILED) return EXIT.FAILED;
  return a === EXIT.UNCHECKED || b === EXIT.UNCHECKED ? EXIT.UNCHECKED : EXIT.PASSED;
}
