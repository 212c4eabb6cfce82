import { describe, expect, test } from 'vitest';
import { staleBuildContainers } from './containerd-preload.ts';

describe('build containers of the node image', () => {
  test('only those named after a build process that has ended are stale', () => {
    const alive = (identity: string) => identity === '100:5000';
    expect(
      staleBuildContainers(
        [
          'kube-claims-node-build-100-5000',
          'kube-claims-node-build-101-7',
          'kube-claims-node-build-x',
          'kind-control-plane',
        ],
        alive,
      ),
    ).toEqual(['kube-claims-node-build-101-7']);
  });
});
