import { describe, expect, test } from 'vitest';
import { stagingVersion, upstreamRelease } from './go-source.ts';

describe('staging module versions', () => {
  test('v0.MINOR.PATCH of a release, keeping a Kubernetes pre-release part', () => {
    expect(stagingVersion('v1.33.3')).toBe('v0.33.3');
    expect(stagingVersion('v1.38.0-beta.0')).toBe('v0.38.0-beta.0');
    expect(stagingVersion('v1.38.0-rc.1')).toBe('v0.38.0-rc.1');
  });
  test("a vendor's build suffix names the release it is built from", () => {
    expect(upstreamRelease('v1.36.3+k3s1')).toBe('v1.36.3');
    expect(stagingVersion('v1.30.4-eks-a737599')).toBe('v0.30.4');
    expect(stagingVersion('1.33')).toBeUndefined();
  });
});
