// API-03's check of the /version body on recorded bodies: a release and a pre-release build.
import { describe, expect, test } from 'vitest';
import { checkVersionInfo } from './version.ts';

/** The body of a kube-claims offline build (no release commit known: gitCommit "", gitTreeState archive). */
const body = (gitVersion: string, minor: string, emulationMinor: string) => ({
  major: '1', minor, emulationMajor: '1', emulationMinor, minCompatibilityMajor: '1', minCompatibilityMinor: String(Number(emulationMinor) - 1),
  gitVersion, gitCommit: '', gitTreeState: 'archive', buildDate: '2026-11-30T12:00:00Z', goVersion: 'go1.27.3', compiler: 'gc', platform: 'linux/amd64',
});
const expectation = (gitVersion: string) => ({ gitVersion, platform: 'linux/amd64', compatibilityFields: true });

describe('API-03: minor of a pre-release', () => {
  test('a pre-release says minor "38+" (hack/lib/version.sh), its emulation minor 38', () => {
    expect(checkVersionInfo(body('v1.38.0-beta.0', '38+', '38'), expectation('v1.38.0-beta.0'))).toEqual([]);
    expect(checkVersionInfo(body('v1.38.0-beta.0', '38', '38'), expectation('v1.38.0-beta.0'))).toEqual(['minor is "38", but gitVersion v1.38.0-beta.0 says 38+']);
  });
  test('a release says its plain minor', () => {
    expect(checkVersionInfo(body('v1.37.2', '37', '37'), expectation('v1.37.2'))).toEqual([]);
    expect(checkVersionInfo(body('v1.37.2', '37+', '37'), expectation('v1.37.2'))).toEqual(['minor is "37+", but gitVersion v1.37.2 says 37']);
  });
});
