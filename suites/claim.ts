// How a suite states a claim: `claim('API-08', async ({ record }) => { ... })`.
// The test is named after the catalogue entry; what it judged is kept as evidence for the reports.
import { inject, test, type TestContext } from 'vitest';
import { CLAIM_TAG, claimById, claimTestName, NEGATIVE_CONTROL_TAG, type ClaimId } from '../contract/catalogue.ts';
import { redact } from '../helpers/redact.ts';
import { NotStaged } from './differences.ts';

export interface Evidence {
  label: string;
  body: string;
}

export interface Note {
  article: string;
  cluster: string;
}

declare module 'vitest' {
  interface TaskMeta {
    claimId?: string;
    /** true for a negative control: the test passes when the claim's check rejects a deviating cluster. */
    negativeControl?: boolean;
    evidence?: Evidence[];
    /** Where the article is imprecise: what it says, what the cluster shows. */
    notes?: Note[];
    /** A negative control held back by policy (it would disturb a cluster kube-claims did not make). */
    heldBack?: boolean;
  }
}

export interface ClaimContext extends TestContext {
  /** Keeps what the check judged (command output, an HTTP exchange), redacted, for the reports. */
  record: (label: string, body: unknown) => void;
  /** Where the article is imprecise: what it says and what this cluster shows instead (true, checked beside it). */
  note: (article: string, cluster: string) => void;
}

/** Claims that need the node are skipped, with the reason, where there is no shell on it: never silently passed. */
function skipWithoutNode(ctx: TestContext, id: ClaimId): void {
  if (!claimById(id).needsNode) return;
  const access = inject('cluster').nodeAccess;
  if (access.kind === 'none') ctx.skip(`unchecked: needs a shell on the control-plane node, and there is none (${access.reason})`);
}

function withEvidence(ctx: TestContext, id: ClaimId, negative: boolean): ClaimContext {
  const meta = ctx.task.meta;
  meta.claimId = id;
  meta.negativeControl = negative;
  meta.evidence = [];
  skipWithoutNode(ctx, id);
  const record = (label: string, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
    meta.evidence!.push({ label: redact(label), body: redact(text ?? String(body)) });
  };
  const note = (article: string, cluster: string) => {
    (meta.notes ??= []).push({ article: redact(article), cluster: redact(cluster) });
  };
  return Object.assign(ctx, { record, note });
}

const DEFAULT_TIMEOUT = 120_000;

/** A claim of the article, checked against the live cluster. */
export function claim(id: ClaimId, fn: (ctx: ClaimContext) => Promise<void>, timeout = DEFAULT_TIMEOUT): void {
  // The meta and tags at definition: a test filtered out (app/vitest-projects.ts claimTagsFilter) still belongs to its claim.
  test(claimTestName(id), { timeout, tags: [CLAIM_TAG, id], meta: { claimId: id, negativeControl: false } }, (ctx) => fn(withEvidence(ctx, id, false)));
}

export interface NegativeControlOptions {
  timeout?: number;
  /**
   * Grants rights, moves a static pod or scales a system component for a while (undone afterwards): on a
   * cluster kube-claims did not make it is held back unless the run allows disruption (--allow-disruption).
   */
  disruptive?: boolean;
}

/** Shows that the claim's check fails, saying what differed, when the cluster deviates. */
export function negativeControl(id: ClaimId, deviation: string, fn: (ctx: ClaimContext) => Promise<void>, options: NegativeControlOptions = {}): void {
  test(`${id} negative control: ${deviation}`, { timeout: options.timeout ?? DEFAULT_TIMEOUT, tags: [NEGATIVE_CONTROL_TAG, id], meta: { claimId: id, negativeControl: true } }, async (ctx) => {
    const run = inject('run');
    if (options.disruptive && !run.allowDisruption) {
      ctx.task.meta.heldBack = true;
      ctx.skip(run.heldBackReason ?? 'held back');
    }
    try {
      return await fn(withEvidence(ctx, id, true));
    } catch (error) {
      if (error instanceof NotStaged) ctx.skip(`not staged: ${error.message}`);
      throw error;
    }
  });
}
