// Checks return the differences between what the article claims and what the cluster shows, as findings;
// a claim passes when there are none. A finding names what was compared (`check`, a short kebab-case id,
// unique within the check function that makes it), the values compared (`expected`, `actual`: short strings)
// and says it in a sentence (`message`), as kube-bench's ExpectedResult and ActualValue. One failure lists
// every message and carries the findings, which the reports show side by side.

export interface Finding {
  check: string;
  expected?: string;
  actual?: string;
  message: string;
}

export type Differences = Finding[];

/** A check id: lower-case words joined by hyphens ("namespace-present", "http-status"). */
export const CHECK_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A compared value as a short string: strings as they are, anything else as JSON. */
function rendered(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}

export function finding(check: string, message: string, values?: { expected?: unknown; actual?: unknown }): Finding {
  if (!CHECK_ID.test(check))
    throw new Error(`a finding's check id must be kebab-case ("namespace-present"), not ${JSON.stringify(check)}`);
  const expected = rendered(values?.expected);
  const actual = rendered(values?.actual);
  return {
    check,
    ...(expected !== undefined ? { expected } : {}),
    ...(actual !== undefined ? { actual } : {}),
    message,
  };
}

/** The findings, each with its message prefixed (`etcdctl: ` for the findings of one client of two). */
export function prefixed(prefix: string, differences: Differences): Differences {
  return differences.map((f) => ({ ...f, message: `${prefix}${f.message}` }));
}

export class ClaimMismatch extends Error {
  override name = 'ClaimMismatch';
  readonly findings: Finding[];
  constructor(message: string, findings: Finding[] = []) {
    super(message);
    this.findings = findings;
  }
}

/**
 * A negative control could not stage its deviation because the cluster already deviates elsewhere (a pod that
 * cannot start, a static pod already gone): the control is reported as not staged, with this reason, and does
 * not count against its claim. Only staging throws it; a check or observation that fails still fails.
 */
export class NotStaged extends Error {
  override name = 'NotStaged';
}

export function expectNoDifferences(differences: Differences, what = 'the cluster differs from the claim'): void {
  if (differences.length)
    throw new ClaimMismatch(`${what}:\n - ${differences.map((f) => f.message).join('\n - ')}`, differences);
}

let recordFindings: ((findings: Finding[]) => void) | undefined;

/**
 * suites/claim.ts runs a negative control's body inside this: the findings its check produced (those
 * expectDifference saw) are handed to `record`, for the reports.
 */
export async function collectingFindings<T>(record: (findings: Finding[]) => void, body: () => Promise<T>): Promise<T> {
  const before = recordFindings;
  recordFindings = record;
  try {
    return await body();
  } finally {
    recordFindings = before;
  }
}

/** Every finding of `check`: where a control pins one of several (the node whose container it stopped). */
export function findingsOf(differences: Differences, check: string): Finding[] {
  return differences.filter((f) => f.check === check);
}

/**
 * For negative controls: the check must reject the deviation with a finding of `check` (its id, never its
 * wording). Returns that finding, so the control may also assert on its expected and actual values.
 */
export function expectDifference(differences: Differences, check: string): Finding {
  if (!CHECK_ID.test(check))
    throw new Error(
      `expectDifference names a check id (kebab-case, "namespace-present"), not ${JSON.stringify(check)}`,
    );
  recordFindings?.(differences);
  if (!differences.length) throw new ClaimMismatch('the check accepted a deviating cluster: it cannot fail');
  const found = differences.find((f) => f.check === check);
  if (!found) {
    const text = differences.map((f) => `${f.check}: ${f.message}`).join('\n');
    throw new ClaimMismatch(`the check failed, but not with a finding of ${check}:\n${text}`, differences);
  }
  return found;
}
