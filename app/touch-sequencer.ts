// The order in which the live files start, from what their tests touch (contract/touches.ts): the files of the
// disruptive controls first, so that their waits (kubeadm's startup probe, a rollout) overlap with every file that
// reads nothing they move; the files whose tests read what a control moves last, so that they do not hold a worker
// while the run's scheduler keeps them waiting. Within each rank vitest's own order (its cached durations, longest
// first). The scheduler, not this order, keeps conflicting tests apart: the order only saves waiting.
import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { claimById } from '../contract/catalogue.ts';

export type TouchRank = 0 | 1 | 2;

/**
 * A file's rank from its source: 0 when it declares a disturbance (`disturbs:`), 2 when it registers a test of a
 * claim that reads disturbed state (catalogue `reads`) or holds a declaration of its own (`touching(`), else 1.
 */
export function touchRank(source: string): TouchRank {
  if (/\bdisturbs:\s*\[\s*'/.test(source)) return 0;
  if (/\btouching\(/.test(source)) return 2;
  const ids = [...source.matchAll(/\b(?:claim|negativeControl)\(\s*'([A-Z]+-\d+)'/g)].map((m) => m[1]!);
  return ids.some((id) => claimById(id).reads?.length) ? 2 : 1;
}

export default class TouchSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = new Map(sorted.map((f) => [f, touchRank(readFileSync(f.moduleId, 'utf8'))]));
    // Array.prototype.sort is stable: vitest's order holds within a rank, and its groups and projects come first.
    return sorted.sort(
      (a, b) =>
        a.project.config.sequence.groupOrder - b.project.config.sequence.groupOrder ||
        (a.project.name === b.project.name ? rank.get(a)! - rank.get(b)! : 0),
    );
  }
}
