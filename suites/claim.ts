// How a suite states a claim: `claim('API-08', async ({ record }) => { ... })`.
// The test is named after the catalogue entry; what it judged is kept as evidence for the reports.
import { test, type TestContext } from 'vitest';
import { redact } from '../helpers/redact.ts';
import { claimTestName, type ClaimId } from './catalogue.ts';

export interface Evidence {
  label: string;
  body: string;
}

declare module 'vitest' {
  interface TaskMeta {
    claimId?: string;
    /** true for a negative control: the test passes when the claim's check rejects a deviating cluster. */
    negativeControl?: boolean;
    evidence?: Evidence[];
  }
}

export interface ClaimContext extends TestContext {
  /** Keeps what the check judged (command output, an HTTP exchange), redacted, for the reports. */
  record: (label: string, body: unknown) => void;
}

function withEvidence(ctx: TestContext, id: ClaimId, negative: boolean): ClaimContext {
  const meta = ctx.task.meta;
  meta.claimId = id;
  meta.negativeControl = negative;
  meta.evidence = [];
  const record = (label: string, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
    meta.evidence!.push({ label, body: redact(text ?? String(body)) });
  };
  return Object.assign(ctx, { record });
}

const DEFAULT_TIMEOUT = 120_000;

/** A claim of the article, checked against the live cluster. */
export function claim(id: ClaimId, fn: (ctx: ClaimContext) => Promise<void>, timeout = DEFAULT_TIMEOUT): void {
  test(claimTestName(id), { timeout }, (ctx) => fn(withEvidence(ctx, id, false)));
}

/** Shows that the claim's check fails, saying what differed, when the cluster deviates. */
export function negativeControl(id: ClaimId, deviation: string, fn: (ctx: ClaimContext) => Promise<void>, timeout = DEFAULT_TIMEOUT): void {
  test(`${id} negative control: ${deviation}`, { timeout }, (ctx) => fn(withEvidence(ctx, id, true)));
}
