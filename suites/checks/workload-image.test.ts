import { describe, expect, test } from 'vitest';
import { recordedImagePull } from './fixtures/recorded.ts';
import { describePullFailure, imagePullFailures, type PodPullObservation } from './workload-image.ts';

describe('the workload image cannot be pulled', () => {
  const recorded = recordedImagePull<PodPullObservation & { observedAs: string }>();

  test.each(recorded.value.map((p) => [p.observedAs, p] as const))('recorded pod (%s) is a pull failure', (_, pod) => {
    const [failure] = imagePullFailures([pod]);
    expect(failure).toMatchObject({ node: 'kc-dev-control-plane', image: 'redis:7' });
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(failure!.reason);
    const { missing, remedy } = describePullFailure([failure!]);
    expect(missing).toMatch(/^the workload image redis:7 cannot be pulled on kc-dev-control-plane \(/);
    expect(remedy).toMatch(/--workload-image/);
  });

  test('a pod still creating its container, or running, is no pull failure', () => {
    const [pod] = recorded.value;
    const status = (state: object) => ({
      ...pod!,
      status: { containerStatuses: [{ ...pod!.status!.containerStatuses![0]!, state }] },
    });
    expect(imagePullFailures([status({ waiting: { reason: 'ContainerCreating' } })])).toEqual([]);
    expect(imagePullFailures([status({ running: { startedAt: '2026-12-07T05:40:00Z' } })])).toEqual([]);
    expect(imagePullFailures([{ metadata: { name: 'pending' } }])).toEqual([]);
  });
});
