// The two kinds of error the CLI reports with exit code 2 and a one-line reason.

/** The command line asked for something that does not exist (an unknown version, claim or option). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The machine or cluster cannot do what was asked (no Docker engine, a name taken, a cluster not ready). */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/**
 * An observation a check needs could not be made: the request was refused (401, 403), failed (429, 5xx) or got
 * no answer. It is never turned into a value a check judges: a claim whose body throws it is reported unchecked,
 * a negative control not staged, with the request and its status as evidence.
 */
export class Unobservable extends Error {
  override name = 'Unobservable';
  /** What was asked: "GET https://…/version", "read ConfigMap kube-system/kubeadm-config". */
  readonly request: string;
  /** How it ended: "403 Forbidden: …", "no answer within 15000 ms (ETIMEDOUT)". */
  readonly status: string;

  constructor(request: string, status: string) {
    super(`${request}: ${status}`);
    this.request = request;
    this.status = status;
  }
}

/**
 * Something a claim needs besides the cluster's own behaviour is not there (an image its nodes cannot pull, a
 * tool): the claim is reported unchecked with what was missing and the remedy, never failed.
 */
export class PrerequisiteMissing extends Error {
  override name = 'PrerequisiteMissing';
  readonly missing: string;
  readonly remedy: string;

  constructor(missing: string, remedy: string) {
    super(`${missing}; ${remedy}`);
    this.missing = missing;
    this.remedy = remedy;
  }
}
