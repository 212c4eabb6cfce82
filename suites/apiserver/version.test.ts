// §3.1 of the article: kubectl version (-v 8), /version, and /version for anonymous users.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename } from 'node:path';
import { FlowcontrolApiserverV1Api } from '@kubernetes/client-node';
import type { ClusterInfo } from '../../contract/cluster.ts';
import { LINES, type KubernetesLine } from '../../contract/lines.ts';
import { configLoadedFrom, parseKlog } from '../../helpers/klog.ts';
import { kubeconfigFilesLoaded, parseKubeconfig, resolveContext } from '../../helpers/kubeconfig.ts';
import { goPlatform } from '../../helpers/kubectl.ts';
import { describe } from 'vitest';
import { anonymous, describeExchange } from '../../helpers/http.ts';
import type { Kubectl } from '../../helpers/kubectl.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkAnonymousVersion, checkKubectlVersionOutput, checkPublicInfoViewer, checkVerboseVersionLog, checkVersionInfo, compatibilityVersions,
  compareVersionBodies, expectedUserAgent, type VerboseVersionExpectation, type VersionInfoExpectation,
} from '../checks/apiserver/version.ts';
import { withoutApfHeaders } from '../deviations/apiserver.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import type { ClaimFixtures } from '../fixtures.ts';
import type { ClaimContext } from '../claim.ts';
import { pinnedKustomize } from './go-modules.ts';
import type { Live } from '../live.ts';
import type { ApiServer } from './fixture.ts';

/**
 * The User-Agent kubectl must send, composed as client-go composes it from what kubectl was built as: the
 * release kube-claims built it for, this host's platform (kubectl runs here) and the release commit the line
 * knows (contract/lines.ts). kubectl is always kube-claims' own build, stamped from that same table: the commit
 * part shows that client-go composes the header from the build's stamp, not that the stamp is the release's.
 */
function userAgentExpectation(cluster: ClusterInfo): { userAgent: string; source: string } {
  const commit = Object.values(LINES).find((l) => l.version === cluster.kubectlVersion)?.releaseCommit?.value;
  const userAgent = expectedUserAgent({ command: basename(cluster.kubectl), version: cluster.kubectlVersion, platform: goPlatform(), commit });
  return {
    userAgent,
    source: `${userAgent}: kubectl built by kube-claims for ${cluster.kubectlVersion} on this host (${goPlatform()}); its commit ${commit ? `${commit} is` : 'is none:'} what kube-claims stamps from contract/lines.ts${commit ? '' : ' (no release commit known), so client-go says "unknown"'} — the same table, so the commit part proves only that client-go composes the header from the build's stamp`,
  };
}

/** What `kubectl -v 8` must log as the file it loaded, by client-go's loading rules applied to how kubectl is run. */
function loadedKubeconfigExpectation(k: Kubectl): { kubeconfig: string; rule: string } {
  const { files, rule } = kubeconfigFilesLoaded({ flag: k.kubeconfig, env: process.env.KUBECONFIG, home: homedir() }, existsSync);
  return { kubeconfig: files[0] ?? '', rule };
}

/** The server the kubeconfig kubectl logged it loaded names for the context kubectl uses. */
async function serverOfLoadedFile(stderr: string, context?: string): Promise<string | undefined> {
  const loaded = configLoadedFrom(parseKlog(stderr).entries);
  if (!loaded) return undefined;
  // reported: a file kubectl loaded that cannot be read here is named in the difference
  const text = await readFile(loaded, 'utf8').catch(() => undefined);
  return text === undefined ? `(${loaded} cannot be read)` : resolveContext(parseKubeconfig(text), context).server;
}

async function apfObjects(kube: Live['kube']): Promise<Pick<VerboseVersionExpectation, 'flowSchemas' | 'priorityLevels'>> {
  const fc = kube.make(FlowcontrolApiserverV1Api);
  const [fs, pl] = await Promise.all([fc.listFlowSchema(), fc.listPriorityLevelConfiguration()]);
  return {
    flowSchemas: new Map(fs.items.map((i) => [i.metadata?.uid ?? '', i.metadata?.name ?? ''])),
    priorityLevels: new Map(pl.items.map((i) => [i.metadata?.uid ?? '', i.metadata?.name ?? ''])),
  };
}

/** Which FlowSchema and priority level the logged APF headers name, for the evidence. */
function apfNames(stderr: string, apf: Awaited<ReturnType<typeof apfObjects>>): string {
  const uid = (name: string) => new RegExp(`${name}: (\\S+)`, 'i').exec(stderr)?.[1] ?? '';
  return `FlowSchema ${apf.flowSchemas?.get(uid('X-Kubernetes-Pf-Flowschema-Uid')) ?? '?'}, `
    + `PriorityLevelConfiguration ${apf.priorityLevels?.get(uid('X-Kubernetes-Pf-Prioritylevel-Uid')) ?? '?'}`;
}

/** The node's OS/ARCH as the kubelet reports it: what /version's platform should say. */
async function nodePlatform({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<string> {
  const info = (await kube.core.readNode({ name: cluster.nodeName })).status?.nodeInfo;
  return `${info?.operatingSystem}/${info?.architecture}`;
}

/** What /version must say, from the configuration and the line profile (never from /version itself). */
async function versionExpectation({ cluster, kube, apiServer }: Pick<ClaimFixtures, 'cluster' | 'kube' | 'apiServer'>): Promise<VersionInfoExpectation> {
  const { version } = await apiServer.expectedVersion();
  const { line } = apiServer.lineProfile();
  const own = await apiServer.ownArgs();
  return {
    gitVersion: version, platform: await nodePlatform({ cluster, kube }), compatibilityFields: line.behaviour.versionCompatibilityFields,
    releaseCommit: line.version === version ? line.releaseCommit?.value : undefined,
    ...compatibilityVersions(version, own?.args, own?.source ?? 'no kube-apiserver static pod'),
  };
}

/** Where API-03's gitCommit expectation comes from, and what comparing with it proves on this cluster. */
function releaseCommitEvidence(cluster: ClusterInfo, line: KubernetesLine, version: string): string {
  const commit = line.version === version ? line.releaseCommit : undefined;
  if (!commit) return `none known for ${version} (contract/lines.ts): gitCommit must be a 40-digit commit, or "" with gitTreeState archive`;
  return cluster.offlineBuild
    ? `${commit.value} (${commit.source}); this cluster runs kube-claims' offline build, which stamps gitCommit from the same table: the comparison proves the stamp reaches /version, not that the binary was built from that commit`
    : `${commit.value} (${commit.source}); this cluster's binaries were not built by kube-claims: an independent comparison`;
}

/** v1.33.3 → v1.33.4. */
const bumpPatch = (v: string) => v.replace(/^(v\d+\.\d+\.)(\d+)/, (_m, p: string, patch: string) => `${p}${Number(patch) + 1}`);

// ------------------------------------------------------------------------------------------------------------

describe('§3 kube-apiserver', () => {
  describe('§3.1 kubectl version', () => {
    async function verboseExpectation(cluster: ClusterInfo, k: Kubectl, kube: Live['kube'], apiServer: ApiServer, stderr: string): Promise<VerboseVersionExpectation> {
      const [versionBody, apf, loadedServer] = await Promise.all([apiServer.serverVersion(), apfObjects(kube), serverOfLoadedFile(stderr, k.context)]);
      return { kubeconfig: loadedKubeconfigExpectation(k).kubeconfig, serverOfLoadedFile: loadedServer, server: apiServer.server, userAgent: userAgentExpectation(cluster).userAgent, versionBody, ...apf };
    }

    claim('API-01', async ({ record, cluster, kube, kubectl: k, apiServer }) => {
      const r = await k.run(['version', '-v', '8']);
      const expectation = await verboseExpectation(cluster, k, kube, apiServer, r.stderr);
      record('kubectl version -v 8 (stderr)', r.stderr);
      record('expected, and from where', [
        `Config loaded from file: ${expectation.kubeconfig}, by client-go's loading rules: ${loadedKubeconfigExpectation(k).rule}; that file names server ${expectation.serverOfLoadedFile ?? '?'}, where the request must go`,
        `User-Agent ${userAgentExpectation(cluster).source}`,
      ].join('\n'));
      record('API Priority and Fairness objects named by the response headers', apfNames(r.stderr, expectation));
      expectNoDifferences([...(r.exitCode ? [`kubectl exited ${r.exitCode}`] : []), ...checkVerboseVersionLog(r.stderr, expectation)]);
    });

    negativeControl('API-01', 'kubectl version at -v 6 logs no headers', 'live', async ({ record, cluster, kube, kubectl: k, apiServer }) => {
      const r = await k.ok(['version', '-v', '6']);
      record('kubectl version -v 6 (stderr)', r.stderr);
      const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(cluster, k, kube, apiServer, r.stderr));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'request header Accept is absent');
      expectDifference(diffs, 'response header Audit-Id is absent');
    });

    negativeControl('API-01', 'kubectl version --request-timeout=5s asks /version?timeout=5s', 'live', async ({ record, cluster, kube, kubectl: k, apiServer }) => {
      const r = await k.ok(['version', '-v', '8', '--request-timeout=5s']);
      const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(cluster, k, kube, apiServer, r.stderr));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /no GET \S+\/version\?timeout=32s logged \(logged: GET \S+\/version\?timeout=5s\)/);
    });

    negativeControl('API-01', 'the live log without the API Priority and Fairness headers', 'copy', async ({ record, cluster, kube, kubectl: k, apiServer }) => {
      // APF cannot be switched off without restarting the API server: deviate the live log instead.
      const r = await k.ok(['version', '-v', '8']);
      const diffs = checkVerboseVersionLog(withoutApfHeaders(r.stderr), await verboseExpectation(cluster, k, kube, apiServer, r.stderr));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'response header X-Kubernetes-Pf-Flowschema-Uid is absent');
      expectDifference(diffs, 'response header X-Kubernetes-Pf-Prioritylevel-Uid is absent');
    });

    /** What kubectl version must print, from the configuration and kubectl's source (never from kubectl's own output). */
    async function kubectlVersionExpectation({ cluster, skip, apiServer }: Pick<ClaimContext, 'cluster' | 'skip' | 'apiServer'>) {
      const [asked, kustomize] = await Promise.all([apiServer.expectedVersion(), pinnedKustomize({ cluster, skip })]);
      return {
        expectation: { serverVersion: asked.version, clientVersion: cluster.kubectlVersion, kustomizeVersion: kustomize.version },
        sources: [
          `Server Version ${asked.version}: ${asked.source}`,
          `Client Version ${cluster.kubectlVersion}: the release kube-claims built kubectl for (${cluster.requestedVersion === cluster.kubectlVersion ? 'the version asked for' : 'the patch release of the server\'s line profile, contract/lines.ts'})`,
          `Kustomize Version ${kustomize.version}: ${kustomize.source}`,
        ].join('\n'),
      };
    }

    claim('API-02', async ({ record, skip, cluster, kubectl: k, apiServer }) => {
      const r = await k.ok(['version']);
      const { expectation, sources } = await kubectlVersionExpectation({ cluster, skip, apiServer });
      record('kubectl version', r.stdout);
      record('expected, and from where', sources);
      expectNoDifferences(checkKubectlVersionOutput(r.stdout, expectation));
    }, 300_000);

    negativeControl('API-02', 'the configuration asks for the next patch release', 'live', async ({ record, cluster, kubectl: k, apiServer }) => {
      // The cluster stays as it is; the run is told to expect another release (as when the wrong image was used).
      const r = await k.ok(['version']);
      const asked = bumpPatch((await apiServer.expectedVersion()).version);
      const diffs = checkKubectlVersionOutput(r.stdout, { serverVersion: asked, clientVersion: cluster.kubectlVersion });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `Server Version is ${cluster.serverVersion}, but ${asked} was asked for`);
    });

    negativeControl('API-02', 'kubectl version --client does not ask the server', 'live', async ({ record, cluster, kubectl: k, apiServer }) => {
      const r = await k.ok(['version', '--client']);
      record('kubectl version --client', r.stdout);
      const diffs = checkKubectlVersionOutput(r.stdout, { serverVersion: (await apiServer.expectedVersion()).version, clientVersion: cluster.kubectlVersion });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'no "Server Version:" line');
    });

    negativeControl('API-02', 'the live output with a server one minor behind, a client one patch ahead and another kustomize', 'copy', async ({ record, skip, cluster, kubectl: k, apiServer }) => {
      const live = (await k.ok(['version'])).stdout;
      const deviated = live
        .replace(/^(Server Version: v\d+\.)(\d+)/m, (_m, p: string, minor: string) => `${p}${Number(minor) - 1}`)
        .replace(/^(Client Version: )(\S+)/m, (_m, p: string, v: string) => `${p}${bumpPatch(v)}`)
        .replace(/^(Kustomize Version: v)(\d+)/m, (_m, p: string, major: string) => `${p}${Number(major) + 1}`);
      const { expectation } = await kubectlVersionExpectation({ cluster, skip, apiServer });
      const diffs = checkKubectlVersionOutput(deviated, expectation);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /Server Version is v\d+\.\d+\.\d+\S*, but v\S+ was asked for/);
      expectDifference(diffs, `Client Version is ${bumpPatch(cluster.kubectlVersion)}, but kubectl was built for ${cluster.kubectlVersion}`);
      expectDifference(diffs, `but kubectl's go.mod pins ${expectation.kustomizeVersion}`);
    }, { timeout: 300_000 });

    claim('API-03', async ({ record, note, cluster, kube, apiServer }) => {
      const body = await apiServer.serverVersion();
      const viaClient = await kube.version.getCode();
      record('GET /version?timeout=32s', body);
      const expect = await versionExpectation({ cluster, kube, apiServer });
      record('expected from the configuration', expect);
      record('gitCommit expected', releaseCommitEvidence(cluster, apiServer.lineProfile().line, expect.gitVersion));
      if (body.gitCommit === '' && body.gitTreeState === 'archive') note('/version names the release commit (the article shows 80779bd… for v1.33.3)', `this API server was built from a source archive and states no commit (gitCommit "", gitTreeState archive): kube-claims knows no public source for ${String(body.gitVersion)}'s commit`);
      expectNoDifferences([
        ...checkVersionInfo(body, expect),
        ...compareVersionBodies(body, JSON.parse(JSON.stringify(viaClient)), 'GET /version', '@kubernetes/client-node VersionApi.getCode()'),
      ]);
    });

    negativeControl('API-03', 'the live /version with inconsistent fields', 'copy', async ({ record, cluster, kube, apiServer }) => {
      // A differently built API server cannot be swapped in: deviate the live body.
      const body = await apiServer.serverVersion();
      const deviated = { ...body, minCompatibilityMinor: body.minor, gitTreeState: 'dirty', buildDate: 'Tue Jul 15 2025', platform: 'linux/s390x', gitCommit: '80779bd' };
      const diffs = checkVersionInfo(deviated, await versionExpectation({ cluster, kube, apiServer }));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'minCompatibilityMinor is');
      expectDifference(diffs, 'gitTreeState is dirty');
      expectDifference(diffs, 'buildDate Tue Jul 15 2025 is not an RFC 3339 UTC time');
      expectDifference(diffs, 'platform is linux/s390x');
      expectDifference(diffs, /gitCommit (is "80779bd", but v\S+ was released from [0-9a-f]{40}|"80779bd" is not a 40-hex-digit commit)/);
    });

    negativeControl('API-03', 'the live /version of the minor before, consistent in itself', 'copy', async ({ record, cluster, kube, apiServer }) => {
      // Every field moved one minor back together: only expectations from outside the body can tell.
      const body = await apiServer.serverVersion();
      const back = (f: unknown) => String(Number(f) - 1);
      const deviated = {
        ...body, minor: back(body.minor), emulationMinor: back(body.emulationMinor), minCompatibilityMinor: back(body.minCompatibilityMinor),
        gitVersion: String(body.gitVersion).replace(/^(v\d+\.)(\d+)/, (_m, p: string, minor: string) => `${p}${back(minor)}`),
      };
      const expect = await versionExpectation({ cluster, kube, apiServer });
      const diffs = checkVersionInfo(deviated, expect);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `minor is "${back(body.minor)}", but ${expect.gitVersion} was asked for`);
      expectDifference(diffs, `emulationMinor is "${back(body.emulationMinor)}", expected ${expect.emulation?.minor}`);
      expectDifference(diffs, `minCompatibilityMinor is "${back(body.minCompatibilityMinor)}", expected ${expect.minCompatibility?.minor}`);
    });

    claim('API-04', async ({ record, kube, apiServer }) => {
      const anon = await apiServer.get('/version?timeout=32s', anonymous());
      record('anonymous GET /version?timeout=32s (no credentials, no certificate check)', describeExchange(anon));
      const binding = await kube.rbac.readClusterRoleBinding({ name: 'system:public-info-viewer' });
      const role = await kube.rbac.readClusterRole({ name: 'system:public-info-viewer' });
      record('ClusterRoleBinding and ClusterRole system:public-info-viewer', { roleRef: binding.roleRef, subjects: binding.subjects, rules: role.rules });
      expectNoDifferences([...checkAnonymousVersion(anon, await apiServer.serverVersion()), ...checkPublicInfoViewer(binding, role)]);
    });

    // API-04's control with /version denied is in version.disruptive.test.ts: it runs after the claims that observe pods.

    negativeControl('API-04', 'the live public-info-viewer binding without group system:unauthenticated', 'copy', async ({ record, kube }) => {
      // Unbinding it on the live cluster would break other users' health checks: deviate a copy.
      const binding = await kube.rbac.readClusterRoleBinding({ name: 'system:public-info-viewer' });
      const role = await kube.rbac.readClusterRole({ name: 'system:public-info-viewer' });
      const deviated = { ...binding, subjects: (binding.subjects ?? []).filter((s) => s.name !== 'system:unauthenticated') };
      const diffs = checkPublicInfoViewer(deviated, role);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'does not bind group system:unauthenticated');
    });
  });
});
