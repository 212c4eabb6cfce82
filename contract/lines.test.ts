// The line table: the pre-release line is named as one everywhere and is never a default.
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_LINE,
  describeLine,
  goToolchainFor,
  isPreRelease,
  isPreReleaseVersion,
  LINE_IDS,
  LINES,
  preReleaseNotice,
  RELEASED_LINE_IDS,
  resolveLine,
} from './lines.ts';

describe('the pre-release line', () => {
  test('v1.38 is a pre-release (its version has a Kubernetes pre-release part); the released lines are not', () => {
    expect(LINE_IDS.filter((id) => isPreRelease(LINES[id]))).toEqual(['v1.38']);
    expect(isPreReleaseVersion('v1.38.0-rc.1')).toBe(true);
    // A vendor's suffix is no Kubernetes pre-release.
    expect(isPreReleaseVersion('v1.30.4-eks-a737599')).toBe(false);
    expect(isPreReleaseVersion('v1.36.3+k3s1')).toBe(false);
  });

  test('never a default: not the default line, not in the matrix without --kubernetes', () => {
    expect(isPreRelease(LINES[DEFAULT_LINE])).toBe(false);
    expect(RELEASED_LINE_IDS).not.toContain('v1.38');
    expect(RELEASED_LINE_IDS).toEqual(LINE_IDS.filter((id) => id !== 'v1.38'));
  });

  test('lists and notices say "pre-release"; kind publishes no image of it, and the notice says so', () => {
    expect(describeLine(LINES['v1.38'])).toBe(`v1.38 (${LINES['v1.38'].version}, pre-release)`);
    expect(describeLine(LINES['v1.33'])).toBe('v1.33 (v1.33.3)');
    expect(LINES['v1.38'].upstreamImage.value).toBeUndefined();
    expect(LINES['v1.38'].upstreamImage.source).toMatch(/publishes no 1\.38/);
    expect(preReleaseNotice(LINES['v1.38'])).toMatch(/is a pre-release line: .*kind publishes no node image of it/);
  });

  test('no release commit is invented for it', () => {
    expect(LINES['v1.38'].releaseCommit).toBeUndefined();
  });

  test('its Go toolchain is pinned with its source; the other lines keep the local Go', () => {
    expect(goToolchainFor(LINES['v1.38'].version)).toMatch(/^go1\.\d+\.\d+$/);
    expect(LINES['v1.38'].goToolchain?.source).toMatch(/\.go-version/);
    for (const id of RELEASED_LINE_IDS) expect(goToolchainFor(LINES[id].version)).toBe('local');
  });
});

describe('resolveLine', () => {
  test('a line, with or without v, or its exact version', () => {
    expect(resolveLine('1.38').id).toBe('v1.38');
    expect(resolveLine('v1.38').id).toBe('v1.38');
    expect(resolveLine(LINES['v1.38'].version).id).toBe('v1.38');
    expect(resolveLine('v1.33.3').id).toBe('v1.33');
  });
  test('another version of a line is a usage error listing the lines, the pre-release marked', () => {
    expect(() => resolveLine('v1.38.0-rc.99')).toThrow(
      /unknown Kubernetes version v1\.38\.0-rc\.99; available: .*v1\.38 \(v1\.38\.0-[a-z]+\.\d+, pre-release\)/,
    );
    expect(() => resolveLine('v1.33.3.4')).toThrow(/unknown Kubernetes version/);
    expect(() => resolveLine('v1.39')).toThrow(/unknown Kubernetes version/);
    expect(() => resolveLine('toString')).toThrow(/unknown Kubernetes version/);
  });
});
