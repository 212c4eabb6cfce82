// What a Deployment's rollout waits for (helpers/scaled.ts), on statuses recorded from a live scale of coredns.
import { readFileSync } from 'node:fs';
import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { rolloutPending } from './scaled.ts';

const recorded = JSON.parse(readFileSync(new URL('./fixtures/coredns-rollout.json', import.meta.url), 'utf8')) as {
  mid: V1Deployment;
  done: V1Deployment;
};

describe('rolloutPending reads the status as kubectl rollout status does', () => {
  test('scaled back up: one of two updated replicas available, then rolled out', () => {
    expect(rolloutPending(recorded.mid)).toBe('the Deployment: 1 of 2 updated replicas available');
    expect(rolloutPending(recorded.done)).toBeUndefined();
  });

  test('each earlier stage of the same rollout (the recorded status deviated)', () => {
    const d = recorded.done;
    expect(rolloutPending({ ...d, metadata: { generation: 8 } })).toMatch(/spec update is not observed yet/);
    expect(rolloutPending({ ...d, status: { ...d.status, updatedReplicas: 1 } })).toMatch(
      /1 of 2 new replicas updated/,
    );
    expect(rolloutPending({ ...d, status: { ...d.status, replicas: 3 } })).toMatch(
      /1 old replicas pending termination/,
    );
    const stuck = d.status!.conditions!.map((c) =>
      c.type === 'Progressing' ? { ...c, status: 'False', reason: 'ProgressDeadlineExceeded' } : c,
    );
    expect(rolloutPending({ ...d, status: { ...d.status, conditions: stuck } })).toMatch(/progress deadline/);
  });
});
