// §3.1 of the article: kubectl version (-v 8), /version, and /version for anonymous users.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { FlowcontrolApiserverV1Api } from '@kubernetes/client-node';
import { describe } from 'vitest';
import { anonymous, describeExchange } from '../../helpers/http.ts';
import type { Kubectl } from '../../helpers/kubectl.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkAnonymousVersion, checkKubectlVersionOutput, checkPublicInfoViewer, checkVerboseVersionLog, checkVersionInfo,
  compareVersionBodies, expectedUserAgent, type ClientVersion, type VerboseVersionExpectation, type VersionInfoExpectation,
} from '../checks/apiserver/version.ts';
import { withoutApfHeaders } from '../deviations/apiserver.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import type { ClaimFixtures } from '../fixtures.ts';
import type { Live } from '../live.ts';
import type { ApiServer } from './fixture.ts';

async function clientVersion(k: Kubectl): Promise<ClientVersion & { kustomizeVersion: string }> {
  const v = await k.json<{ clientVersion: ClientVersion; kustomizeVersion: string }>(['version', '--client']);
  return { ...v.clientVersion, kustomizeVersion: v.kustomizeVersion };
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
  return {
    gitVersion: version, platform: await nodePlatform({ cluster, kube }), compatibilityFields: line.behaviour.versionCompatibilityFields,
    releaseCommit: line.version === version ? line.releaseCommit?.value : undefined,
  };
}

/** v1.33.3 → v1.33.4. */
const bumpPatch = (v: string) => v.replace(/^(v\d+\.\d+\.)(\d+)/, (_m, p: string, patch: string) => `${p}${Number(patch) + 1}`);

// ------------------------------------------------------------------------------------------------------------

describe('§3 kube-apiserver', () => {
  describe('§3.1 kubectl version', () => {
    async function verboseExpectation(k: Kubectl, kube: Live['kube'], apiServer: ApiServer): Promise<VerboseVersionExpectation> {
      const [client, versionBody, apf] = await Promise.all([clientVersion(k), apiServer.serverVersion(), apfObjects(kube)]);
      return { kubeconfig: k.kubeconfig, server: apiServer.server, userAgent: expectedUserAgent(client), versionBody, ...apf };
    }

    claim('API-01', async ({ record, kube, kubectl: k, apiServer }) => {
      const expectation = await verboseExpectation(k, kube, apiServer);
      const r = await k.run(['version', '-v', '8']);
      record('kubectl version -v 8 (stderr)', r.stderr);
      record('API Priority and Fairness objects named by the response headers', apfNames(r.stderr, expectation));
      expectNoDifferences([...(r.exitCode ? [`kubectl exited ${r.exitCode}`] : []), ...checkVerboseVersionLog(r.stderr, expectation)]);
    });

    negativeControl('API-01', 'kubectl version at -v 6 logs no headers', 'live', async ({ record, kube, kubectl: k, apiServer }) => {
      const r = await k.ok(['version', '-v', '6']);
      record('kubectl version -v 6 (stderr)', r.stderr);
      const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(k, kube, apiServer));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'request header Accept is absent');
      expectDifference(diffs, 'response header Audit-Id is absent');
    });

    negativeControl('API-01', 'kubectl version --request-timeout=5s asks /version?timeout=5s', 'live', async ({ record, kube, kubectl: k, apiServer }) => {
      const r = await k.ok(['version', '-v', '8', '--request-timeout=5s']);
      const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(k, kube, apiServer));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /no GET \S+\/version\?timeout=32s logged \(logged: GET \S+\/version\?timeout=5s\)/);
    });

    negativeControl('API-01', 'the live log without the API Priority and Fairness headers', 'copy', async ({ record, kube, kubectl: k, apiServer }) => {
      // APF cannot be switched off without restarting the API server: deviate the live log instead.
      const r = await k.ok(['version', '-v', '8']);
      const diffs = checkVerboseVersionLog(withoutApfHeaders(r.stderr), await verboseExpectation(k, kube, apiServer));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'response header X-Kubernetes-Pf-Flowschema-Uid is absent');
      expectDifference(diffs, 'response header X-Kubernetes-Pf-Prioritylevel-Uid is absent');
    });

    claim('API-02', async ({ record, kubectl: k, apiServer }) => {
      const r = await k.ok(['version']);
      const expected = await apiServer.expectedVersion();
      record('kubectl version', r.stdout);
      record('the version asked for', `${expected.version} (${expected.source})`);
      const { kustomizeVersion } = await clientVersion(k);
      expectNoDifferences(checkKubectlVersionOutput(r.stdout, { clusterVersion: expected.version, kustomizeVersion }));
    });

    negativeControl('API-02', 'the configuration asks for the next patch release', 'live', async ({ record, cluster, kubectl: k, apiServer }) => {
      // The cluster stays as it is; the run is told to expect another release (as when the wrong image was used).
      const r = await k.ok(['version']);
      const asked = bumpPatch((await apiServer.expectedVersion()).version);
      const diffs = checkKubectlVersionOutput(r.stdout, { clusterVersion: asked });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `Server Version is ${cluster.serverVersion}, but ${asked} was asked for`);
    });

    negativeControl('API-02', 'kubectl version --client does not ask the server', 'live', async ({ record, kubectl: k, apiServer }) => {
      const r = await k.ok(['version', '--client']);
      record('kubectl version --client', r.stdout);
      const diffs = checkKubectlVersionOutput(r.stdout, { clusterVersion: (await apiServer.expectedVersion()).version });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'no "Server Version:" line');
    });

    negativeControl('API-02', 'the live output with a server one minor behind', 'copy', async ({ record, kubectl: k, apiServer }) => {
      const live = (await k.ok(['version'])).stdout;
      const deviated = live.replace(/^(Server Version: v\d+\.)(\d+)/m, (_m, p: string, minor: string) => `${p}${Number(minor) - 1}`);
      const diffs = checkKubectlVersionOutput(deviated, { clusterVersion: (await apiServer.expectedVersion()).version });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /Server Version is v\d+\.\d+\.\d+\S*, but v\S+ was asked for/);
    });

    claim('API-03', async ({ record, note, cluster, kube, apiServer }) => {
      const body = await apiServer.serverVersion();
      const viaClient = await kube.version.getCode();
      record('GET /version?timeout=32s', body);
      const expect = await versionExpectation({ cluster, kube, apiServer });
      record('expected from the configuration', { ...expect, releaseCommitSource: apiServer.lineProfile().line.releaseCommit?.source ?? 'kube-claims knows no release commit for this version' });
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
