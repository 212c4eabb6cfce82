// The checks of §3.1 on observations recorded on a kube-claims cluster (v1.33.3; each fixture says where and
// when), with expectations composed as the claims compose them: from the configuration, the line table, the
// API server's flags, kubectl's go.mod — never from the observation judged.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LINES } from '../../../contract/lines.ts';
import { loggedExchanges, parseKlog } from '../../../helpers/klog.ts';
import { kubeconfigFilesLoaded } from '../../../helpers/kubeconfig.ts';
import { recordedAnonymousVersionDenied, recordedText } from '../fixtures/recorded.ts';
import {
  checkAnonymousVersion,
  checkKubectlVersionOutput,
  checkVerboseVersionLog,
  checkVersionInfo,
  compatibilityVersions,
  expectedUserAgent,
  kustomizeOfGoMod,
  type VerboseVersionExpectation,
} from './version.ts';
import type { Differences } from '../../differences.ts';

/** Each finding as [check, expected, actual]: what the claims and the reports go by. */
const compared = (diffs: Differences) => diffs.map((f) => [f.check, f.expected, f.actual]);

const recorded = recordedText('version-v8.txt');
const log = recorded.value;
const server = 'https://127.0.0.1:46159';
const body = JSON.parse(
  loggedExchanges(parseKlog(log).entries).find((x) => x.url.endsWith('/version?timeout=32s'))!.responseBody!,
) as Record<string, unknown>;
const commit = LINES['v1.33'].releaseCommit!.value;

describe('the recorded fixtures', () => {
  test('each says where and when it was recorded', () => {
    const names = readdirSync(join(import.meta.dirname, '..', 'fixtures')).filter((n) => /\.(txt|json)$/.test(n));
    expect(names.length).toBeGreaterThan(3);
    for (const name of names.filter((n) => n.endsWith('.txt')))
      expect(recordedText(name).provenance).toMatch(/^on .+, \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/);
    expect(recordedAnonymousVersionDenied().provenance).toMatch(
      /^on the kind cluster .+, Tue, 01 Dec 2026 \d{2}:\d{2}:\d{2} GMT$/,
    );
  });
});

describe('API-01: kubectl version -v 8', () => {
  const expectation = (userAgent: string): VerboseVersionExpectation => ({
    kubeconfig: kubeconfigFilesLoaded({ flag: '.kube-claims/kc-exp-1.kubeconfig', home: '/root' }, () => true)
      .files[0]!,
    serverOfLoadedFile: server,
    server,
    userAgent,
    versionBody: body,
  });
  test("the User-Agent is composed from the release kubectl was built for, the platform and the line's commit", () => {
    const ua = expectedUserAgent({ command: 'kubectl', version: 'v1.33.3', platform: 'linux/amd64', commit });
    expect(ua).toBe('kubectl/v1.33.3 (linux/amd64) kubernetes/80779bd');
    expect(checkVerboseVersionLog(log, expectation(ua))).toEqual([]);
  });
  test('a build that states no commit is expected to say "unknown", and the log names what it sent', () => {
    const ua = expectedUserAgent({ command: 'kubectl', version: 'v1.33.3', platform: 'linux/amd64' });
    expect(checkVerboseVersionLog(log, expectation(ua))).toEqual([
      {
        check: 'request-header',
        expected: 'User-Agent: kubectl/v1.33.3 (linux/amd64) kubernetes/unknown',
        actual: 'User-Agent: kubectl/v1.33.3 (linux/amd64) kubernetes/80779bd',
        message:
          'request header User-Agent is "kubectl/v1.33.3 (linux/amd64) kubernetes/80779bd", expected "kubectl/v1.33.3 (linux/amd64) kubernetes/unknown"',
      },
    ]);
  });
  test('another file loaded, or a loaded file naming another server, is named', () => {
    const ua = expectedUserAgent({ command: 'kubectl', version: 'v1.33.3', platform: 'linux/amd64', commit });
    expect(compared(checkVerboseVersionLog(log, { ...expectation(ua), kubeconfig: '/root/.kube/config' }))).toEqual([
      ['config-loaded', '/root/.kube/config', '.kube-claims/kc-exp-1.kubeconfig'],
    ]);
    expect(checkVerboseVersionLog(log, { ...expectation(ua), serverOfLoadedFile: 'https://10.0.0.1:6443' })).toEqual([
      {
        check: 'loaded-file-server',
        expected: server,
        actual: 'https://10.0.0.1:6443',
        message: `the loaded file .kube-claims/kc-exp-1.kubeconfig names server https://10.0.0.1:6443, but kubectl was to ask ${server}`,
      },
    ]);
  });
});

describe('API-02: kubectl version', () => {
  const goMod = [
    'module k8s.io/kubectl',
    '',
    'go 1.24.0',
    '',
    'require (',
    '\tsigs.k8s.io/kustomize/kustomize/v5 v5.6.0',
    '\tsigs.k8s.io/kustomize/kyaml v0.19.0',
    ')',
    '',
    'replace (',
    '\tsigs.k8s.io/kustomize/kustomize/v5 => ../kustomize',
    ')',
  ].join('\n');
  test('the kustomize pin is read from the require block, not from a replace', () => {
    expect(kustomizeOfGoMod(goMod)).toEqual({ module: 'sigs.k8s.io/kustomize/kustomize/v5', version: 'v5.6.0' });
    expect(kustomizeOfGoMod('module x\n\nreplace sigs.k8s.io/kustomize/kustomize/v5 v5.6.0 => ./k\n')).toBeUndefined();
  });
  const out = 'Client Version: v1.33.3\nKustomize Version: v5.6.0\nServer Version: v1.33.3\n';
  test('client, kustomize and server each against their own source', () => {
    expect(
      checkKubectlVersionOutput(out, {
        serverVersion: 'v1.33.3',
        clientVersion: 'v1.33.3',
        kustomizeVersion: 'v5.6.0',
      }),
    ).toEqual([]);
    const diffs = checkKubectlVersionOutput(out, {
      serverVersion: 'v1.33.4',
      clientVersion: 'v1.33.2',
      kustomizeVersion: 'v5.7.1',
    });
    expect(compared(diffs)).toEqual([
      ['client-version', 'v1.33.2', 'v1.33.3'],
      ['server-version', 'v1.33.4', 'v1.33.3'],
      ['kustomize-version', 'v5.7.1', 'v5.6.0'],
    ]);
    expect(diffs.map((f) => f.message)).toEqual([
      'Client Version is v1.33.3, but kubectl was built for v1.33.2',
      'Server Version is v1.33.3, but v1.33.4 was asked for',
      "Kustomize Version is v5.6.0, but kubectl's go.mod pins v5.7.1",
    ]);
  });
  test('a kubectl kube-claims did not build is held to what it reported of itself, and the message says so', () => {
    expect(
      checkKubectlVersionOutput(out, {
        serverVersion: 'v1.33.3',
        clientVersion: 'v1.33.1',
        clientVersionFrom: 'self-report',
      }),
    ).toEqual([
      {
        check: 'client-version',
        expected: 'v1.33.1',
        actual: 'v1.33.3',
        message:
          'Client Version is v1.33.3, but kubectl reported v1.33.1 of itself when it was chosen (kubectl version -o json)',
      },
    ]);
  });
});

describe('API-03: the /version body', () => {
  test("emulation and minimum compatibility: the API server's flags, else the binary's minor and one below", () => {
    const none = compatibilityVersions('v1.33.3', ['kube-apiserver', '--secure-port=6443'], 'its pod');
    expect([none?.emulation.minor, none?.minCompatibility.minor]).toEqual(['33', '32']);
    const emulated = compatibilityVersions(
      'v1.33.3',
      ['kube-apiserver', '--emulated-version=wardle=1.2,kube=1.32'],
      'its pod',
    );
    expect([emulated?.emulation.minor, emulated?.minCompatibility.minor]).toEqual(['32', '31']);
    const both = compatibilityVersions(
      'v1.34.3',
      ['kube-apiserver', '--emulated-version', '1.33', '--min-compatibility-version=1.31'],
      'its pod',
    );
    expect([both?.emulation.minor, both?.minCompatibility.minor]).toEqual(['33', '31']);
  });
  const expectation = {
    gitVersion: 'v1.33.3',
    platform: 'linux/amd64',
    releaseCommit: commit,
    compatibilityFields: true,
    ...compatibilityVersions('v1.33.3', ['kube-apiserver'], 'its pod'),
  };
  test('the recorded body holds', () => {
    expect(checkVersionInfo(body, expectation)).toEqual([]);
  });
  test('a body consistent in itself but of another minor fails on every field the expectation gives', () => {
    const back = { ...body, gitVersion: 'v1.32.3', minor: '32', emulationMinor: '32', minCompatibilityMinor: '31' };
    expect(compared(checkVersionInfo(back, expectation))).toEqual([
      ['git-version', 'v1.33.3', 'v1.32.3'],
      ['minor', '33', '32'],
      ['compatibility-version', 'emulationMinor: 33', 'emulationMinor: 32'],
      ['compatibility-version', 'minCompatibilityMinor: 32', 'minCompatibilityMinor: 31'],
    ]);
    expect(checkVersionInfo(back, expectation)[2]?.message).toBe(
      'emulationMinor is "32", expected 33 (no --emulated-version in its pod: the binary\'s version v1.33.3)',
    );
  });
  test('an API server emulating 1.32 is expected to say so', () => {
    const emulating = {
      ...expectation,
      ...compatibilityVersions('v1.33.3', ['kube-apiserver', '--emulated-version=1.32'], 'its pod'),
    };
    expect(compared(checkVersionInfo(body, emulating))).toEqual([
      ['compatibility-version', 'emulationMinor: 32', 'emulationMinor: 33'],
      ['compatibility-version', 'minCompatibilityMinor: 31', 'minCompatibilityMinor: 32'],
    ]);
  });
});

describe('API-04: anonymous /version', () => {
  test('the denial recorded by the live control names the status and the reason', () => {
    const { exchange } = recordedAnonymousVersionDenied();
    expect(checkAnonymousVersion(exchange, body)).toEqual([
      {
        check: 'http-status',
        expected: '200',
        actual: '403 Forbidden',
        message:
          'anonymous GET /version answered 403 Forbidden, expected 200: forbidden: User "system:anonymous" cannot get path "/version"',
      },
    ]);
  });
});

describe('API-03: the minor of a pre-release (hack/lib/version.sh)', () => {
  // The recorded v1.33.3 body restated as a pre-release build would say it: kube-claims could build no
  // v1.38.0-beta.0 here (the proxy refuses four of its modules), so no pre-release body was recorded.
  const pre = {
    ...body,
    gitVersion: 'v1.38.0-beta.0',
    minor: '38+',
    emulationMinor: '38',
    minCompatibilityMinor: '37',
    gitCommit: '',
    gitTreeState: 'archive',
  };
  const preExpectation = {
    gitVersion: 'v1.38.0-beta.0',
    platform: 'linux/amd64',
    compatibilityFields: true,
    ...compatibilityVersions('v1.38.0-beta.0', ['kube-apiserver'], 'its pod'),
  };
  test('a pre-release says minor "38+", its emulation minor 38', () => {
    expect(checkVersionInfo(pre, preExpectation)).toEqual([]);
    expect(checkVersionInfo({ ...pre, minor: '38' }, preExpectation)).toEqual([
      {
        check: 'minor',
        expected: '38+',
        actual: '38',
        message: 'minor is "38", but v1.38.0-beta.0 was asked for: 38+',
      },
    ]);
  });
  test('a release says its plain minor', () => {
    const release = {
      gitVersion: 'v1.33.3',
      platform: 'linux/amd64',
      releaseCommit: commit,
      compatibilityFields: true,
      ...compatibilityVersions('v1.33.3', ['kube-apiserver'], 'its pod'),
    };
    expect(compared(checkVersionInfo({ ...body, minor: '33+' }, release))).toEqual([['minor', '33', '33+']]);
  });
});
