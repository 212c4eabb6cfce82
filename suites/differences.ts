// Checks return the differences between what the article claims and what the cluster shows;
// a claim passes when there are none. One message lists them all, so a failure says what differed.
export type Differences = string[];

export class ClaimMismatch extends Error {
  override name = 'ClaimMismatch';
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
  if (differences.length) throw new ClaimMismatch(`${what}:\n - ${differences.join('\n - ')}`);
}

/** For negative controls: the check must reject the deviation, and say so in terms of `mention`. */
export function expectDifference(differences: Differences, mention: RegExp | string): void {
  if (!differences.length) throw new ClaimMismatch('the check accepted a deviating cluster: it cannot fail');
  const text = differences.join('\n');
  const ok = typeof mention === 'string' ? text.includes(mention) : mention.test(text);
  if (!ok) throw new ClaimMismatch(`the check failed, but its message does not name the deviation (${mention}): ${text}`);
}
