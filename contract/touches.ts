// What a test touches of the cluster: the state its check reads, and the state a disruptive control disturbs
// while it runs. The run's scheduler (helpers/touches.ts) starts a test only when no running test disturbs what it
// reads or reads what it disturbs, so a disruptive control runs beside every test that reads nothing it moves,
// instead of behind a barrier between groups. Claims declare their reads in the catalogue (contract/catalogue.ts
// `reads`), a disruptive control its disturbance beside its test (suites/claim.ts `disturbs`); an observation of
// a state checks that the running test declared it (helpers/touches.ts `reading`), so a claim that reads what a
// concurrent control moves, and says nothing, fails naming both.

/** The cluster state a disruptive control of the run disturbs (nothing else is moved while claims run). */
export const CLUSTER_STATES = {
  'static-pods':
    "the control plane's static pods, their mirror pods and containers (COMP-01's control parks kube-scheduler's manifest)",
  scheduling: 'pods of the run being scheduled onto a node (no kube-scheduler while its manifest is parked)',
  coredns: "coredns' Deployment, pods and containers (COMP-02's control scales it to one replica)",
  'anonymous-version':
    "anonymous users' access to /version (API-04's control takes it from ClusterRole system:public-info-viewer)",
} as const;

export type ClusterState = keyof typeof CLUSTER_STATES;
export const CLUSTER_STATE_NAMES = Object.keys(CLUSTER_STATES) as ClusterState[];

export interface Touches {
  /** The state the test's check observes. */
  reads: readonly ClusterState[];
  /** The state the test moves while it runs (a disruptive control), and puts back before it ends. */
  disturbs: readonly ClusterState[];
}

export const TOUCHES_NOTHING: Touches = { reads: [], disturbs: [] };

/** The states over which two tests may not run at once: what one disturbs and the other reads or disturbs. */
export function conflicts(a: Touches, b: Touches): ClusterState[] {
  const uses = (t: Touches) => new Set([...t.reads, ...t.disturbs]);
  const [ua, ub] = [uses(a), uses(b)];
  return [...new Set([...a.disturbs.filter((s) => ub.has(s)), ...b.disturbs.filter((s) => ua.has(s))])];
}

/**
 * Whether a waiting test may start: it conflicts with no running test, and with no test that waits before it (a
 * control waiting for the readers of its state is not overtaken by new readers, so it is never starved).
 */
export function admissible(request: Touches, running: readonly Touches[], waitingBefore: readonly Touches[]): boolean {
  return [...running, ...waitingBefore].every((other) => conflicts(request, other).length === 0);
}
