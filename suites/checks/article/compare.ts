// The article replayed: each of its literals beside what this run printed for the same command. A literal is
// `same`, `differs as expected` (the reason is an observation of this run that predicts the value the run
// printed: the cluster's own server, node name, build information, time), `differs`, or `not observed` (the
// replay did not run that command, or it could not). Beside the verdicts, never one of them.
import { literalKey, type ArticleLiteral } from './literals.ts';

export const REPLAY_STATUSES = ['same', 'differs as expected', 'differs', 'not observed'] as const;
export type ReplayStatus = (typeof REPLAY_STATUSES)[number];

export interface ReplayedLiteral extends ArticleLiteral {
  status: ReplayStatus;
  /** What this run printed in its place. */
  observed?: string;
  /** Why it differs as expected, or why it was not observed. */
  reason?: string;
}

/**
 * Says why the run's value is what it should be here, from an observation of this run, or nothing when that
 * observation does not predict it (then the literal differs); `unexplained` when the observation that would
 * explain it could not be made (it differs, saying why nothing explains it).
 */
export type Explain = (observed: string, article: ArticleLiteral) => string | { unexplained: string } | undefined;

export interface RunOutput {
  /** The literals parsed from this run's output of the article's commands, keyed as the article's. */
  literals: readonly ArticleLiteral[];
  /** Commands the replay did not run or could not, and why. */
  notRun: Readonly<Record<string, string>>;
  /** The explanation that applies to a literal, if any. */
  explain: (literal: ArticleLiteral) => Explain | undefined;
}

export function replay(article: readonly ArticleLiteral[], run: RunOutput): ReplayedLiteral[] {
  const observed = new Map(run.literals.map((l) => [literalKey(l), l.value]));
  // A key the article lists is compared with the run's list: present or not.
  const keys = new Set(run.literals.filter((l) => l.kind === 'registry-key').map((l) => `${l.command} ${l.value}`));
  return article.map((l): ReplayedLiteral => {
    const notRun = run.notRun[l.command];
    if (notRun !== undefined) return { ...l, status: 'not observed', reason: notRun };
    if (l.kind === 'registry-key') {
      return keys.has(`${l.command} ${l.value}`)
        ? { ...l, status: 'same', observed: l.value }
        : { ...l, status: 'differs', reason: 'not among the keys this run listed' };
    }
    const value = observed.get(literalKey(l));
    if (value === undefined) return { ...l, status: 'not observed', reason: "not in this run's output of the command" };
    if (value === l.value) return { ...l, status: 'same', observed: value };
    const reason = run.explain(l)?.(value, l);
    if (typeof reason === 'object') return { ...l, status: 'differs', observed: value, reason: reason.unexplained };
    return reason
      ? { ...l, status: 'differs as expected', observed: value, reason }
      : { ...l, status: 'differs', observed: value };
  });
}

export function replayCounts(r: readonly ReplayedLiteral[]): Record<ReplayStatus, number> {
  const counts = Object.fromEntries(REPLAY_STATUSES.map((s) => [s, 0])) as Record<ReplayStatus, number>;
  for (const l of r) counts[l.status]++;
  return counts;
}

/** "article literals: 60 same, 20 differ as expected, 0 differ, 3 not observed". */
export function replaySummary(r: readonly ReplayedLiteral[]): string {
  const c = replayCounts(r);
  return `article literals: ${c.same} same, ${c['differs as expected']} differ as expected, ${c.differs} differ, ${c['not observed']} not observed`;
}
