// How a suite states a claim: `claim('API-08', async ({ record, apiServer }) => { ... })`.
// The test is named after the catalogue entry; what it judged is kept as evidence for the reports. Its body
// names in its context what it needs besides `record` and `note`: the fixtures of suites/fixtures.ts.
import type { ReplayedLiteral } from './checks/article/compare.ts';
import { inject, type TestContext } from 'vitest';
import {
  CLAIM_TAG,
  claimById,
  claimTestName,
  NEGATIVE_CONTROL_TAG,
  stagesOnCluster,
  stagingOn,
  type ClaimId,
  type Staging,
  type StagingDeclaration,
} from '../contract/catalogue.ts';
import { PrerequisiteMissing } from '../contract/errors.ts';
import type { ClusterState, Touches } from '../contract/touches.ts';
import { holding, type Grant } from '../helpers/touches.ts';
import { unobservableOf } from '../helpers/not-found.ts';
import { lackingOf, uncheckedText } from '../contract/rights.ts';
import { redact } from '../helpers/redact.ts';
import { ClaimMismatch, collectingFindings, NotStaged, type Finding } from './differences.ts';
import { claimTest, type ClaimFixtures } from './fixtures.ts';

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
    /** A negative control's declared staging (contract/catalogue.ts), resolved for this cluster when it runs. */
    staging?: Staging;
    stagingDeclared?: StagingDeclaration;
    /** A negative control's deviation, as its test is named after it ("API-08 negative control: DEVIATION"). */
    deviation?: string;
    /**
     * What the check found, compared value by value: for a claim whose check failed, the findings of its
     * ClaimMismatch; for a negative control, the findings its check produced on the deviating cluster.
     */
    findings?: Finding[];
    /** Where the run's scheduler held the test back (contract/touches.ts): how long, and for which tests. */
    scheduled?: Grant;
    /** The worker process that ran the test and the CPU it had used before its first test (the pool's cost). */
    worker?: { pid: number; startupCpuMs: number };
    /** The article replayed (suites/article/replay.test.ts): each literal beside what this run printed. */
    article?: ReplayedLiteral[];
  }
}

export interface ClaimContext extends TestContext, ClaimFixtures {
  /** Keeps what the check judged (command output, an HTTP exchange), redacted, for the reports. */
  record: (label: string, body: unknown) => void;
  /** Where the article is imprecise: what it says and what this cluster shows instead (true, checked beside it). */
  note: (article: string, cluster: string) => void;
}

/** Claims that need the node are skipped, with the reason, where there is no shell on it: never silently passed. */
function skipWithoutNode(ctx: TestContext, id: ClaimId): void {
  if (!claimById(id).needsNode) return;
  // The claims about nodes look at every control-plane node: each needs a shell.
  const cluster = inject('cluster');
  const without = [
    cluster.nodeAccess,
    ...(cluster.nodes ?? []).filter((n) => n.role === 'control-plane').map((n) => n.access),
  ].find((a) => a.kind === 'none');
  if (without?.kind === 'none')
    ctx.skip(`unchecked: needs a shell on the control-plane nodes, and there is none (${without.reason})`);
}

/** The claims about etcd exec into its pod or read its flags: where the cluster's etcd is external there is none. */
function skipWithoutEtcdPod(ctx: TestContext, id: ClaimId): void {
  if (claimById(id).group !== 'etcd') return;
  // Absent where no cluster is provided (the selection fixtures).
  const external = inject('cluster')?.externalEtcd;
  if (external)
    ctx.skip(
      `unchecked: the cluster's etcd is external (kubeadm-config etcd.external: ${external.join(', ')}): there is no etcd pod to exec into or read`,
    );
}

/**
 * A claim whose rights the preflight found missing is skipped before its body runs, naming every one it lacks; a
 * control likewise, with the rights of its live staging (skipped, it does not count against its claim).
 */
function skipWithoutRights(ctx: TestContext, id: ClaimId, negative: boolean): void {
  // Absent where no run is provided (the selection fixtures) or the preflight did not run.
  const rights = inject('run')?.rights;
  if (!rights) return;
  const lacking = lackingOf(
    rights,
    id,
    negative ? { name: ctx.task.name, live: stagesOnCluster(ctx.task.meta.staging) } : undefined,
  );
  if (lacking.length) ctx.skip(uncheckedText(lacking, rights));
}

/** This worker's start: the CPU its process had used when its first claim test began (taken once per worker). */
let workerStart: { pid: number; startupCpuMs: number } | undefined;
function thisWorker(): { pid: number; startupCpuMs: number } {
  if (!workerStart) {
    const cpu = process.cpuUsage();
    workerStart = { pid: process.pid, startupCpuMs: Math.round((cpu.user + cpu.system) / 1000) };
  }
  return workerStart;
}

function withEvidence(ctx: TestContext & ClaimFixtures, id: ClaimId, negative: boolean): ClaimContext {
  const meta = ctx.task.meta;
  meta.claimId = id;
  meta.negativeControl = negative;
  meta.evidence = [];
  delete meta.findings;
  skipWithoutRights(ctx, id, negative);
  skipWithoutNode(ctx, id);
  skipWithoutEtcdPod(ctx, id);
  const record = (label: string, body: unknown) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
    meta.evidence!.push({ label: redact(label), body: redact(text ?? String(body)) });
  };
  const note = (article: string, cluster: string) => {
    (meta.notes ??= []).push({ article: redact(article), cluster: redact(cluster) });
  };
  return Object.assign(ctx, { record, note });
}

/** Keeps findings, redacted, in the test's meta for the reports (each once, in the order they came). */
function keepFindings(ctx: TestContext, findings: readonly Finding[]): void {
  const kept = (ctx.task.meta.findings ??= []);
  for (const f of findings) {
    const r: Finding = {
      check: f.check,
      ...(f.expected !== undefined ? { expected: redact(f.expected) } : {}),
      ...(f.actual !== undefined ? { actual: redact(f.actual) } : {}),
      message: redact(f.message),
    };
    if (
      !kept.some(
        (k) => k.check === r.check && k.expected === r.expected && k.actual === r.actual && k.message === r.message,
      )
    )
      kept.push(r);
  }
}

/** Runs a body; a ClaimMismatch leaves its findings in the test's meta before it fails the test. */
async function keepingMismatch(ctx: TestContext, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (error instanceof ClaimMismatch && !ctx.task.meta.findings?.length) keepFindings(ctx, error.findings);
    throw error;
  }
}

const DEFAULT_TIMEOUT = 120_000;

/**
 * Runs a test's body once the run's scheduler lets it start (nothing running disturbs what it reads, or reads what
 * it disturbs: contract/touches.ts), with its declaration for the guard of each observation.
 */
export async function touching(
  ctx: Pick<TestContext, 'task' | 'signal'>,
  touches: Touches,
  body: () => Promise<void>,
): Promise<void> {
  await holding(
    inject('scheduler'),
    ctx.task.name,
    touches,
    async (grant) => {
      if (grant.waitedFor.length) ctx.task.meta.scheduled = grant;
      await body();
    },
    ctx.signal,
  );
}

/** What a claim's tests read, from the catalogue; a control adds what it reads besides and what it disturbs. */
function touchesOf(id: ClaimId, options: Pick<NegativeControlOptions, 'reads' | 'disturbs'> = {}): Touches {
  return { reads: [...(claimById(id).reads ?? []), ...(options.reads ?? [])], disturbs: options.disturbs ?? [] };
}

type ClaimBody = (ctx: ClaimContext) => Promise<void>;

/**
 * The test function for a claim's body. vitest sets up the fixtures a test function destructures in its first
 * parameter, which it reads from the function's source; there is no other way to name them
 * (vitest-dev/vitest#9621): the wrapper shows the body's source, so what the body names is what is set up.
 */
function testOf(body: ClaimBody, wrapper: (ctx: TestContext & ClaimFixtures) => Promise<void>) {
  return Object.assign(wrapper, { toString: () => body.toString() });
}

/**
 * A request the body needed was refused (401, 403), failed (429, 5xx) or got no answer: nothing was observed, so
 * nothing is judged. The request and its status are kept as evidence, and the test is skipped with `prefix` and
 * the reason. A prerequisite missing (an image the nodes cannot pull) likewise, with its remedy. Any other error
 * is the body's own, and rethrown.
 */
function skipUnobservable(ctx: ClaimContext, error: unknown, prefix: string): never {
  if (error instanceof PrerequisiteMissing) {
    ctx.record('what the check needs and is missing', `${error.missing}\nremedy: ${error.remedy}`);
    ctx.skip(`${prefix}: ${error.missing}; ${error.remedy}`);
  }
  const u = unobservableOf(error);
  if (!u) throw error;
  ctx.record('the observation that could not be made', `${u.request}\n${u.status}`);
  ctx.skip(`${prefix}: could not observe ${u.request}: ${u.status}`);
  throw error;
}

/** A claim of the article, checked against the live cluster. */
export function claim(id: ClaimId, fn: ClaimBody, timeout = DEFAULT_TIMEOUT): void {
  // The meta and tags at definition: a test filtered out (app/vitest-projects.ts claimTagsFilter) still belongs to its
  // claim.
  claimTest(
    claimTestName(id),
    { timeout, tags: [CLAIM_TAG, id], meta: { claimId: id, negativeControl: false } },
    testOf(fn, async (ctx) => {
      // Every test counts its worker, also one skipped before its body (the pool's cost is the run's either way).
      ctx.task.meta.worker = thisWorker();
      const c = withEvidence(ctx, id, false);
      try {
        await touching(ctx, touchesOf(id), () => keepingMismatch(ctx, () => fn(c)));
      } catch (error) {
        skipUnobservable(c, error, 'unchecked');
      }
    }),
  );
}

export interface NegativeControlOptions {
  timeout?: number;
  /**
   * Grants rights, moves a static pod or scales a system component for a while (undone afterwards): on a
   * cluster kube-claims did not make it is held back unless the run allows disruption (--allow-disruption).
   */
  disruptive?: boolean;
  /**
   * The cluster state the control moves while it runs (contract/touches.ts): the run's scheduler keeps every test
   * that reads it from running meanwhile. A disruptive control that moves live state declares it.
   */
  disturbs?: readonly ClusterState[];
  /** What the control reads beyond its claim's reads (the catalogue's), of the state disruptive controls move. */
  reads?: readonly ClusterState[];
  /**
   * Why the control does not apply to this cluster at all (one control plane for an HA control): said before any
   * policy.
   */
  notApplicable?: string;
}

/**
 * Shows that the claim's check fails, saying what differed, when the cluster deviates. `staging` declares
 * where the deviation is made (live, on a copy, on a recorded observation); the reports show it.
 */
export function negativeControl(
  id: ClaimId,
  deviation: string,
  staging: StagingDeclaration,
  fn: ClaimBody,
  options: NegativeControlOptions = {},
): void {
  const meta = {
    claimId: id,
    negativeControl: true,
    deviation,
    stagingDeclared: staging,
    ...(typeof staging === 'string' ? { staging } : {}),
  };
  claimTest(
    `${id} negative control: ${deviation}`,
    { timeout: options.timeout ?? DEFAULT_TIMEOUT, tags: [NEGATIVE_CONTROL_TAG, id], meta },
    testOf(fn, (ctx) => control(ctx, id, staging, fn, options)),
  );
}

/** A negative control's body: held back by policy, or reported as not staged, with the reason. */
async function control(
  ctx: TestContext & ClaimFixtures,
  id: ClaimId,
  staging: StagingDeclaration,
  fn: ClaimBody,
  options: NegativeControlOptions,
): Promise<void> {
  const run = inject('run');
  ctx.task.meta.worker = thisWorker();
  ctx.task.meta.staging =
    typeof staging === 'string' ? staging : stagingOn(staging, inject('cluster').madeByKubeClaims);
  if (options.notApplicable) ctx.skip(options.notApplicable);
  if (options.disruptive && !run.allowDisruption) {
    // A read-only run names the writes the control needs (the rights table); held back all the same should it name
    // none.
    if (run.readOnly) skipWithoutRights(ctx, id, true);
    ctx.task.meta.heldBack = true;
    ctx.skip(run.heldBackReason ?? 'held back');
  }
  const c = withEvidence(ctx, id, true);
  try {
    // What the control's check found on the deviating cluster (each expectDifference sees it) goes to the reports.
    return await collectingFindings(
      (findings) => keepFindings(ctx, findings),
      () => touching(ctx, touchesOf(id, options), () => keepingMismatch(ctx, () => fn(c))),
    );
  } catch (error) {
    if (error instanceof NotStaged) ctx.skip(`not staged: ${error.message}`);
    skipUnobservable(c, error, 'not staged');
  }
}
