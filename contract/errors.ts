// The two kinds of error the CLI reports with exit code 2 and a one-line reason.

/** The command line asked for something that does not exist (an unknown version, claim or option). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The machine or cluster cannot do what was asked (no Docker engine, a name taken, a cluster not ready). */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}
