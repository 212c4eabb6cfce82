// How a suite states a claim: `claim('API-08', async ({ record }) => { ... })`.
// The test is named after the catalogue entry; what it judged is kept as evidence for the reports.
import { inject, test, type TestContext } from 'vitest';
import { nodeAccess } from '../lib/node.ts';
import { redact } from '../lib/redact.ts';
import { claimById, claimTestName, type ClaimId } from '../contract/catalogue.ts';

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

/** Claims that need the node are skipped, with the reason, where there is no shell on it: never silently passed. */
function skipWithoutNode(ctx: TestContext, id: ClaimId): void {
  if (!claimById(id).needsNode) return;
  const access = nodeAccess(inject('cluster'));
  if (!access.available) ctx.skip(`needs a shell on a control-plane node: ${access.reason}`);
}

function withEvidence(ctx: TestContext, id: ClaimId, negative: boolean): ClaimContext {
  skipWithoutNode(ctx, id);
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

export interface NegativeControlOptions {
  timeout?: number;
  /** Stages a deviation that disturbs the control plane for a while (undone afterwards): on a cluster
   *  kube-claims did not make, it runs only with KUBE_CLAIMS_ALLOW_DISRUPTION=1. */
  disruptive?: boolean;
}

/** Shows that the claim's check fails, saying what differed, when the cluster deviates. */
export function negativeControl(id: ClaimId, deviation: string, fn: (ctx: ClaimContext) => Promise<void>, options: NegativeControlOptions | number = {}): void {
  const o = typeof options === 'number' ? { timeout: options } : options;
  test(`${id} negative control: ${deviation}`, { timeout: o.timeout ?? DEFAULT_TIMEOUT }, (ctx) => {
    if (o.disruptive && inject('cluster').source === 'external' && process.env.KUBE_CLAIMS_ALLOW_DISRUPTION !== '1') {
      ctx.skip('disturbs the control plane of a cluster kube-claims did not make; KUBE_CLAIMS_ALLOW_DISRUPTION=1 allows it');
    }
    return fn(withEvidence(ctx, id, true));
  });
}
