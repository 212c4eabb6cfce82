import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { EnvironmentError } from '../../contract/errors.ts';
import {
  askVersion,
  clientVersionExpectation,
  decideKubectl,
  describeKubectl,
  kubectlFact,
  kubectlFor,
  kubectlSkew,
  parseClientVersion,
  type KubectlInputs,
} from './kubectl.ts';

// Recorded from real kubectls (fixtures/kubectl-version/README.md).
const recorded = (name: string) =>
  readFileSync(new URL(`./fixtures/kubectl-version/${name}.json`, import.meta.url), 'utf8');
const V1_33_1 = parseClientVersion(recorded('v1.33.1'))!;
const V1_30_13 = parseClientVersion(recorded('v1.30.13'))!;
const DISPATCHER = parseClientVersion(recorded('gcloud-dispatcher'))!;

describe('kubectl version --client -o json', () => {
  test('its clientVersion: version, commit, platform', () => {
    expect(V1_33_1).toEqual({
      gitVersion: 'v1.33.1',
      gitCommit: '8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828',
      platform: 'linux/amd64',
    });
    expect(DISPATCHER.gitVersion).toBe('v1.32.4-dispatcher');
    expect(parseClientVersion('Client Version: v1.33.1')).toBeUndefined();
    expect(parseClientVersion('{"kustomizeVersion":"v5.6.0"}')).toBeUndefined();
  });
});

describe("kubectl's version skew (one minor older or newer than kube-apiserver)", () => {
  test.each([
    ['v1.33.1', 'v1.33.3', true, "v1.33.1 is the server's minor v1.33.3"],
    ['v1.32.4-dispatcher', 'v1.33.3', true, "v1.32.4-dispatcher is 1 minor older than the server's v1.33.3"],
    ['v1.34.0', 'v1.33.3', true, "v1.34.0 is 1 minor newer than the server's v1.33.3"],
    ['v1.30.13', 'v1.33.3', false, "v1.30.13 is 3 minors older than the server's v1.33.3"],
    ['v1.35.0', 'v1.33.3+k3s1', false, "v1.35.0 is 2 minors newer than the server's v1.33.3+k3s1"],
    ['v2.0.0', 'v1.33.3', false, "v2.0.0 is another major version than the server's v1.33.3"],
  ])('%s against %s', (client, server, supported, text) => {
    expect(kubectlSkew(client, server)).toEqual({ supported, text });
  });
});

describe('which kubectl a run takes', () => {
  const base: KubectlInputs = {
    serverVersion: 'v1.33.3',
    buildVersion: 'v1.33.3',
    goOnPath: false,
    preferBuild: false,
  };
  const onPath = (version = V1_33_1) => ({ path: '/usr/local/bin/kubectl', version });

  test("a cluster given by --kubeconfig: PATH's kubectl within the skew, no Go needed", () => {
    const d = decideKubectl({ ...base, onPath: onPath() });
    expect(d).toMatchObject({ use: 'path', path: '/usr/local/bin/kubectl', version: V1_33_1 });
    expect(d.use === 'path' && d.choice).toBe(
      "the first kubectl on PATH; v1.33.1 is the server's minor v1.33.3: within kubectl's supported skew (kubectl is supported within one minor version (older or newer) of kube-apiserver (https://kubernetes.io/releases/version-skew-policy/#kubectl))",
    );
    expect(decideKubectl({ ...base, onPath: onPath(DISPATCHER), goOnPath: true })).toMatchObject({ use: 'path' });
  });
  test("PATH's kubectl outside the skew: built where Go is, saying why PATH's was not taken", () => {
    const d = decideKubectl({ ...base, onPath: onPath(V1_30_13), goOnPath: true });
    expect(d).toMatchObject({ use: 'built', version: 'v1.33.3' });
    expect(d.use === 'built' && d.choice).toMatch(
      /^kube-claims' build of v1\.33\.3 from its Go modules; PATH's kubectl \/usr\/local\/bin\/kubectl: v1\.30\.13 is 3 minors older than the server's v1\.33\.3, outside kubectl's supported skew/,
    );
  });
  test('nothing to take: each missing tool named, and the way out', () => {
    const none = decideKubectl({ ...base, onPath: onPath(V1_30_13) });
    expect(none.use === 'none' && none.reason).toMatch(
      /^no kubectl for the server's v1\.33\.3: PATH's kubectl \/usr\/local\/bin\/kubectl: v1\.30\.13 is 3 minors older .*; no build of kubectl v1\.33\.3 is cached and `go` is not on PATH to build one; give one with --kubectl \(KUBE_CLAIMS_KUBECTL\)$/,
    );
    const bare = decideKubectl(base);
    expect(bare.use === 'none' && bare.reason).toBe(
      "no kubectl for the server's v1.33.3: `kubectl` is not on PATH; no build of kubectl v1.33.3 is cached and `go` is not on PATH to build one; give one with --kubectl (KUBE_CLAIMS_KUBECTL)",
    );
    const silent = decideKubectl({ ...base, onPath: { path: '/usr/local/bin/kubectl', error: 'exited 1: boom' } });
    expect(silent.use === 'none' && silent.reason).toContain(
      "PATH's kubectl /usr/local/bin/kubectl did not say its version (exited 1: boom)",
    );
  });
  test('a cached build needs no Go', () => {
    expect(decideKubectl({ ...base, cachedBuild: '/c/bin/kubectl/v1.33.3/kubectl' })).toMatchObject({
      use: 'built',
      path: '/c/bin/kubectl/v1.33.3/kubectl',
      choice: "kube-claims' build of v1.33.3 (cached); `kubectl` is not on PATH",
    });
  });
  test("a kind cluster kube-claims makes: its own build first, PATH's kubectl only where no build can be had", () => {
    const kind = { ...base, preferBuild: true, onPath: onPath() };
    const built = decideKubectl({ ...kind, goOnPath: true });
    expect(built).toMatchObject({
      use: 'built',
      choice:
        "kube-claims' build of v1.33.3 from its Go modules; PATH's kubectl /usr/local/bin/kubectl (v1.33.1) passed over: a cluster kube-claims makes is checked with its own build of the release",
    });
    expect(decideKubectl({ ...base, preferBuild: true, goOnPath: true })).toMatchObject({
      use: 'built',
      choice:
        "kube-claims' build of v1.33.3 from its Go modules; a cluster kube-claims makes is checked with its own build of the release (PATH's kubectl not asked)",
    });
    const fallback = decideKubectl(kind);
    expect(fallback).toMatchObject({ use: 'path' });
    expect(fallback.use === 'path' && fallback.choice).toMatch(
      /; no build of kubectl v1\.33\.3 is cached and `go` is not on PATH to build one$/,
    );
  });
  test('--kubectl wins, also outside the skew (said so); one that does not answer is an error', () => {
    const d = decideKubectl({
      ...base,
      flag: { path: '/opt/kubectl', version: V1_30_13 },
      onPath: onPath(),
      goOnPath: true,
    });
    expect(d).toMatchObject({ use: 'flag', path: '/opt/kubectl' });
    expect(d.use === 'flag' && d.choice).toMatch(
      /^given by --kubectl \(KUBE_CLAIMS_KUBECTL\); v1\.30\.13 is 3 minors older than the server's v1\.33\.3, outside kubectl's supported skew .*: used as given$/,
    );
    expect(decideKubectl({ ...base, flag: { path: '/opt/kubectl', error: 'no such executable file' } })).toEqual({
      use: 'none',
      reason: '--kubectl (KUBE_CLAIMS_KUBECTL) /opt/kubectl: no such executable file',
    });
  });
});

describe('what the report says about kubectl', () => {
  test("which kubectl, whence, and API-02's Client Version expectation", () => {
    const fromPath = {
      kubectl: '/usr/local/bin/kubectl',
      kubectlVersion: 'v1.33.1',
      kubectlSource: { origin: 'path' as const, reported: V1_33_1, choice: '…' },
    };
    expect(describeKubectl(fromPath)).toBe('kubectl v1.33.1 from PATH /usr/local/bin/kubectl');
    expect(kubectlFact(fromPath)).toBe(
      "kubectl v1.33.1 from PATH /usr/local/bin/kubectl; API-02's Client Version expectation: v1.33.1, what /usr/local/bin/kubectl (from PATH) reported of itself (`kubectl version -o json` against this cluster) when kube-claims chose it: kube-claims did not build it, so nothing independent of kubectl says which release it is; the comparison shows that `kubectl version` prints the version its build reports",
    );
    const built = {
      kubectl: '/c/bin/kubectl/v1.33.3/kubectl',
      kubectlVersion: 'v1.33.3',
      kubectlSource: { origin: 'built' as const, choice: '…' },
    };
    expect(kubectlFact({ ...built, requestedVersion: 'v1.33.3' })).toBe(
      "kubectl v1.33.3 built by kube-claims /c/bin/kubectl/v1.33.3/kubectl; API-02's Client Version expectation: v1.33.3, the release kube-claims built kubectl for (the version asked for)",
    );
    expect(clientVersionExpectation(built).source).toBe(
      "the release kube-claims built kubectl for (the patch release of the server's line profile, contract/lines.ts)",
    );
    expect(describeKubectl({ ...fromPath, kubectlSource: { ...fromPath.kubectlSource, origin: 'flag' } })).toBe(
      'kubectl v1.33.1 given by --kubectl (KUBE_CLAIMS_KUBECTL) /usr/local/bin/kubectl',
    );
  });
});

describe('kubectlFor on a machine without Go (kubectls that print the recorded answers)', () => {
  const saved = process.env.PATH;
  afterEach(() => {
    process.env.PATH = saved;
  });
  /** A directory holding `kubectl` that prints a recorded answer, and no go. */
  function fakeBin(answer: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'kc-bin-'));
    writeFileSync(join(dir, 'answer.json'), recorded(answer));
    writeFileSync(join(dir, 'kubectl'), `#!/bin/sh\nexec /bin/cat ${join(dir, 'answer.json')}\n`);
    chmodSync(join(dir, 'kubectl'), 0o755);
    return dir;
  }
  const settings = () => ({
    cacheDir: mkdtempSync(join(tmpdir(), 'kc-cache-')),
    stateDir: '/nonexistent',
    nodeRepo: 'kube-claims/node',
    debianMirror: 'http://deb.debian.org/debian',
  });

  test("PATH's kubectl within the skew is taken, with its own report", async () => {
    const dir = fakeBin('v1.33.1');
    process.env.PATH = dir;
    expect(
      await kubectlFor({ serverVersion: 'v1.33.3', buildVersion: 'v1.33.3', settings: settings(), preferBuild: false }),
    ).toMatchObject({
      kubectl: join(dir, 'kubectl'),
      kubectlVersion: 'v1.33.1',
      kubectlSource: { origin: 'path', reported: V1_33_1 },
    });
  });
  test("asked about the run's cluster, a kubectl reports the client that runs for it; its answer counts also when the server did not answer", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-bin-'));
    writeFileSync(join(dir, 'answer.json'), recorded('v1.33.1'));
    // Like `kubectl version -o json` with an unreachable server: the clientVersion on stdout, exit 1.
    writeFileSync(
      join(dir, 'kubectl'),
      `#!/bin/sh\necho "$@" > ${join(dir, 'args')}\n/bin/cat ${join(dir, 'answer.json')}\necho 'The connection to the server was refused' >&2\nexit 1\n`,
    );
    chmodSync(join(dir, 'kubectl'), 0o755);
    expect(await askVersion(join(dir, 'kubectl'), { kubeconfig: '/k/config', context: 'ctx' })).toEqual({
      path: join(dir, 'kubectl'),
      version: V1_33_1,
    });
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe(
      '--kubeconfig /k/config --context ctx version -o json --request-timeout=20s',
    );
    await askVersion(join(dir, 'kubectl'));
    expect(readFileSync(join(dir, 'args'), 'utf8').trim()).toBe('version --client -o json');
    writeFileSync(join(dir, 'answer.json'), '');
    expect((await askVersion(join(dir, 'kubectl'))).error).toBe(
      `\`${join(dir, 'kubectl')} version --client -o json\` printed no clientVersion (exit 1: The connection to the server was refused)`,
    );
  });
  test('outside the skew and without go, the exit-2 error names both', async () => {
    process.env.PATH = fakeBin('v1.30.13');
    const run = kubectlFor({
      serverVersion: 'v1.33.3',
      buildVersion: 'v1.33.3',
      settings: settings(),
      preferBuild: false,
    });
    await expect(run).rejects.toThrow(EnvironmentError);
    await expect(run).rejects.toThrow(
      /v1\.30\.13 is 3 minors older.*`go` is not on PATH to build one; give one with --kubectl/,
    );
  });
  test("a build that fails says why, and why PATH's kubectl was not taken", async () => {
    const dir = fakeBin('v1.30.13');
    writeFileSync(join(dir, 'go'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(dir, 'go'), 0o755);
    process.env.PATH = dir;
    await expect(
      kubectlFor({ serverVersion: 'v1.33.3', buildVersion: 'v1.33.3', settings: settings(), preferBuild: false }),
    ).rejects.toThrow(
      /^no kubectl v1\.33\.3 can be built: cannot download Go module k8s\.io\/kubernetes@v1\.33\.3: .*; PATH's kubectl \S+: v1\.30\.13 is 3 minors older .*; give one with --kubectl \(KUBE_CLAIMS_KUBECTL\)$/,
    );
  });
  test('a complete cached build is used without go; --kubectl by name is looked up on PATH', async () => {
    process.env.PATH = fakeBin('v1.30.13');
    const s = settings();
    const build = join(s.cacheDir, 'bin', 'kubectl', 'v1.33.3');
    mkdirSync(build, { recursive: true });
    writeFileSync(join(build, 'kubectl'), '');
    writeFileSync(join(build, '.kube-claims-complete.json'), '{}');
    expect(
      await kubectlFor({ serverVersion: 'v1.33.3', buildVersion: 'v1.33.3', settings: s, preferBuild: false }),
    ).toMatchObject({ kubectl: join(build, 'kubectl'), kubectlVersion: 'v1.33.3', kubectlSource: { origin: 'built' } });
    expect(
      await kubectlFor({
        flag: 'kubectl',
        serverVersion: 'v1.33.3',
        buildVersion: 'v1.33.3',
        settings: s,
        preferBuild: false,
      }),
    ).toMatchObject({ kubectlVersion: 'v1.30.13', kubectlSource: { origin: 'flag' } });
    await expect(
      kubectlFor({
        flag: 'kubectl-1.99',
        serverVersion: 'v1.33.3',
        buildVersion: 'v1.33.3',
        settings: s,
        preferBuild: false,
      }),
    ).rejects.toThrow('--kubectl (KUBE_CLAIMS_KUBECTL) kubectl-1.99: `kubectl-1.99` is not on PATH');
  });
});
