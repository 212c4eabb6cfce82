// The rights of the kubeconfig's user, known before the first claim: one SelfSubjectReview (who the API server
// thinks the user is) and one SelfSubjectAccessReview per distinct right of contract/rights.ts, side by side and
// bounded. A run that cannot do what it needs for itself (its lease, its namespace, the nodes) ends with exit 2
// naming the right; a claim or control whose rights are missing is reported unchecked with them
// (suites/claim.ts), never failed on a 403 halfway through. On a cluster kube-claims made everything is allowed.
import {
  AuthenticationV1Api,
  AuthorizationV1Api,
  type V1ResourceAttributes,
  type V1NonResourceAttributes,
} from '@kubernetes/client-node';
import { CATALOGUE, type ClaimId } from '../../contract/catalogue.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import {
  allRights,
  claimNeeds,
  describeRight,
  isWrite,
  namespaceOf,
  rightKey,
  RUN_GROUP,
  RUN_NEEDS,
  type LackingRights,
  type Right,
  type RunNeed,
  type ScopeNamespaces,
} from '../../contract/rights.ts';
import { runHash, runName } from '../../contract/run-id.ts';
import type { KubeClients } from '../../helpers/kube.ts';

/** What one review asks: the attributes of a SelfSubjectAccessReview's spec. */
export interface ReviewRequest {
  resourceAttributes?: V1ResourceAttributes;
  nonResourceAttributes?: V1NonResourceAttributes;
}

/** What the API server answered (status of the review). */
export interface ReviewAnswer {
  allowed: boolean;
  reason?: string;
  evaluationError?: string;
}

export type Review = (request: ReviewRequest) => Promise<ReviewAnswer>;
export type WhoAmI = () => Promise<{ username: string; groups: string[] } | undefined>;

/** The answer for one right: allowed, denied (with the API's reason), or the review itself failed. */
export interface Verdict {
  right: Right;
  /** describeRight, for this run's namespaces. */
  text: string;
  outcome: 'allowed' | 'denied' | 'unknown';
  /** denied: the authorizer's reason (RBAC gives none when no rule matched); unknown: why the review failed. */
  reason?: string;
}

export interface PreflightResult {
  /** The user as the API server names it, or "the kubeconfig's user" where SelfSubjectReview is not served. */
  user: string;
  groups: string[];
  verdicts: Verdict[];
  /** How many review requests were made (SelfSubjectReview included) and how long they took. */
  requests: number;
  ms: number;
}

export interface PreflightOptions {
  /** Reviews in flight at once. */
  concurrency?: number;
  /** Bound of one review request. */
  timeoutMs?: number;
  /** Bound of the whole preflight: reviews not started by then are not asked (unknown). */
  deadlineMs?: number;
}

export const KUBECONFIG_USER = "the kubeconfig's user";

/** The namespaces and group this run's rights name. */
export function scopeNamespaces(runId: string, contextNamespace: string): ScopeNamespaces {
  return { run: runName(runId, 'run'), context: contextNamespace, runGroup: `kc-${runHash(runId)}.kube-claims.io` };
}

export function reviewRequest(right: Right, ns: ScopeNamespaces): ReviewRequest {
  if ('path' in right) return { nonResourceAttributes: { verb: right.verb, path: right.path } };
  const namespace = namespaceOf(right.scope, ns);
  return {
    resourceAttributes: {
      verb: right.verb,
      group: right.group === RUN_GROUP ? ns.runGroup : right.group,
      resource: right.resource,
      ...(right.subresource ? { subresource: right.subresource } : {}),
      ...(right.name ? { name: right.name } : {}),
      ...(namespace !== undefined ? { namespace } : {}),
    },
  };
}

function within<T>(ms: number, what: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    what,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000}s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const firstLine = (e: unknown) => {
  const x = e as { code?: number; message?: string };
  return `${typeof x.code === 'number' ? `${x.code}: ` : ''}${(x.message ?? String(e)).split('\n')[0]}`;
};

/** Asks about every right, `concurrency` at a time, each bounded, all within the deadline. */
export async function askAll(
  rights: Right[],
  ns: ScopeNamespaces,
  review: Review,
  o: PreflightOptions = {},
): Promise<Verdict[]> {
  const concurrency = o.concurrency ?? 16;
  const timeoutMs = o.timeoutMs ?? 3_000;
  const deadline = Date.now() + (o.deadlineMs ?? 5_000);
  const verdicts: Verdict[] = new Array(rights.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < rights.length; i = next++) {
      const right = rights[i]!;
      const text = describeRight(right, ns);
      if (Date.now() >= deadline) {
        verdicts[i] = { right, text, outcome: 'unknown', reason: 'not asked: the preflight ran out of time' };
        continue;
      }
      try {
        const a = await within(
          Math.min(timeoutMs, Math.max(1, deadline - Date.now())),
          review(reviewRequest(right, ns)),
        );
        const reason = [a.reason, a.evaluationError].filter(Boolean).join('; ') || undefined;
        verdicts[i] = { right, text, outcome: a.allowed ? 'allowed' : 'denied', ...(reason ? { reason } : {}) };
      } catch (e) {
        verdicts[i] = { right, text, outcome: 'unknown', reason: `the review failed: ${firstLine(e)}` };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rights.length) }, worker));
  return verdicts;
}

export function kubeReview(k: KubeClients): Review {
  const api = k.make(AuthorizationV1Api);
  return async (spec) => {
    const r = await api.createSelfSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec },
    });
    return {
      allowed: r.status?.allowed ?? false,
      reason: r.status?.reason,
      evaluationError: r.status?.evaluationError,
    };
  };
}

/** SelfSubjectReview (GA in 1.28): undefined where the API server does not serve it. */
export function kubeWhoAmI(k: KubeClients): WhoAmI {
  return async () => {
    try {
      const r = await k
        .make(AuthenticationV1Api)
        .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
      const info = r.status?.userInfo;
      return info?.username ? { username: info.username, groups: info.groups ?? [] } : undefined;
    } catch {
      return undefined;
    }
  };
}

/** The preflight: who the user is and a verdict for every right a full run needs. */
export async function preflight(
  ns: ScopeNamespaces,
  review: Review,
  whoami: WhoAmI,
  o: PreflightOptions = {},
): Promise<PreflightResult> {
  const t0 = performance.now();
  const rights = allRights();
  const [who, verdicts] = await Promise.all([
    // not judged: who the user is only names it in messages (SelfSubjectReview may be off); the rights are asked below
    within(o.timeoutMs ?? 3_000, whoami()).catch(() => undefined),
    askAll(rights, ns, review, o),
  ]);
  return {
    user: who?.username ?? KUBECONFIG_USER,
    groups: who?.groups ?? [],
    verdicts,
    requests: rights.length + 1,
    ms: Math.round(performance.now() - t0),
  };
}

function byKey(result: PreflightResult): Map<string, Verdict> {
  return new Map(result.verdicts.map((v) => [rightKey(v.right), v]));
}

const deniedAmong = (rights: Right[], verdicts: Map<string, Verdict>): Verdict[] => {
  const seen = new Set<string>();
  return rights
    .map((r) => verdicts.get(rightKey(r)))
    .filter((v): v is Verdict => v?.outcome === 'denied' && !seen.has(v.text) && !!seen.add(v.text));
};

const withReasons = (denied: Verdict[]) => denied.map((v) => `${v.text}${v.reason ? ` (${v.reason})` : ''}`).join(', ');

function userText(result: PreflightResult): string {
  return result.groups.length ? `${result.user} (groups ${result.groups.join(', ')})` : result.user;
}

/** How the run goes: read-only (--read-only) makes no write, and so needs no right to one. */
export interface RunMode {
  readOnly?: boolean;
}

/** What the run does besides the claims: a read-only run leaves out what writes (and what is only for a write). */
const runNeeds = (mode: RunMode): readonly RunNeed[] =>
  mode.readOnly ? RUN_NEEDS.filter((n) => n.readOnly) : RUN_NEEDS;

/**
 * The one-line reason a run cannot start, naming every right it needs for itself that was denied (exit 2), or
 * undefined. "the run needs create leases.coordination.k8s.io in the run's namespace kc-run-…, denied for …".
 */
export function runDenial(result: PreflightResult, mode: RunMode = {}): string | undefined {
  const verdicts = byKey(result);
  const lines = runNeeds(mode)
    .filter((n) => n.required)
    .flatMap((n) => {
      const denied = deniedAmong(n.rights, verdicts);
      return denied.length ? [`${withReasons(denied)} (to ${n.for})`] : [];
    });
  return lines.length ? `the run needs ${lines.join('; ')}, denied for ${userText(result)}` : undefined;
}

/** What the run goes without, one line per need it may lack (it says so, and goes on). */
export function runWarnings(result: PreflightResult, mode: RunMode = {}): string[] {
  const verdicts = byKey(result);
  return runNeeds(mode)
    .filter((n) => !n.required)
    .flatMap((n) => {
      const denied = deniedAmong(n.rights, verdicts);
      return denied.length ? [`the run cannot ${n.for}: ${withReasons(denied)} denied for ${result.user}`] : [];
    });
}

/** The rights whose review failed (neither allowed nor denied): the run goes on, and the checks meet what they meet. */
export function unknownRights(result: PreflightResult, mode: RunMode = {}): string[] {
  // A read-only run makes no write: what it may write does not matter.
  return [
    ...new Set(
      result.verdicts
        .filter((v) => v.outcome === 'unknown' && !(mode.readOnly && isWrite(v.right)))
        .map((v) => `${v.text}: ${v.reason}`),
    ),
  ];
}

/**
 * Per claim ID, the rights it and its live controls lack: the run's context carries it to the tests. In a read-only
 * run every write lacks too, allowed or not (readOnlyWrites names them): the claims and controls that need one are
 * unchecked before they run, as those that need a denied right are.
 */
export function lackingRights(result: PreflightResult, mode: RunMode = {}): LackingRights {
  const verdicts = byKey(result);
  const unmade = new Set<string>();
  // Denied, or (read-only) a write: in the table's order, each once.
  const texts = (rights: Right[]) => {
    const lacking = new Set<string>();
    for (const r of rights) {
      const v = verdicts.get(rightKey(r));
      if (!v) continue;
      const unmadeWrite = !!mode.readOnly && isWrite(r);
      if (unmadeWrite) unmade.add(v.text);
      if (unmadeWrite || v.outcome === 'denied') lacking.add(v.text);
    }
    return [...lacking];
  };
  const out: LackingRights = { user: result.user, claims: {}, controls: {} };
  for (const { id } of CATALOGUE) {
    const needs = claimNeeds(id as ClaimId);
    const claim = texts(needs.claim);
    if (claim.length) out.claims[id] = claim;
    const controls = Object.entries(needs.controls)
      .map(([deviation, rights]) => ({ deviation, lacking: texts(rights) }))
      .filter((c) => c.lacking.length);
    if (controls.length) out.controls[id] = controls;
  }
  if (mode.readOnly) out.readOnlyWrites = [...unmade];
  return out;
}

/** Throws the run-level denial as an EnvironmentError (exit 2). */
export function assertRunRights(result: PreflightResult, mode: RunMode = {}): void {
  const denial = runDenial(result, mode);
  if (denial) throw new EnvironmentError(denial);
}

/** The preflight against the cluster of `k`. */
export function preflightOf(k: KubeClients, ns: ScopeNamespaces, o?: PreflightOptions): Promise<PreflightResult> {
  return preflight(ns, kubeReview(k), kubeWhoAmI(k), o);
}
