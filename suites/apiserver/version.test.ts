// §3.1 of the article: kubectl version (-v 8), /version, and /version for anonymous users.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { describe, expect } from 'vitest';
import { upstreamRelease } from '../../helpers/go-source.ts';
import {
  checkGoVersion,
  checkReleaseProvenance,
  DEVEL,
  KUBERNETES_MODULE,
  previousPatch,
  provenanceEvidence,
} from '../checks/provenance.ts';
import { binaryProvenance } from '../provenance-observe.ts';
import { anonymous, describeExchange } from '../../helpers/http.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkAnonymousVersion,
  checkKubectlVersionOutput,
  checkPublicInfoViewer,
  checkVerboseVersionLog,
  checkVersionInfo,
  compareVersionBodies,
} from '../checks/apiserver/version.ts';
import { expectingNextPatch, nextPatch, withoutApfHeaders } from '../deviations/apiserver.ts';
import { expectDifference, expectNoDifferences, finding, findingsOf, NotStaged } from '../differences.ts';
import {
  apfNames,
  clientVersionFrom,
  kubectlVersionExpectation,
  loadedKubeconfigExpectation,
  releaseCommitEvidence,
  userAgentExpectation,
  verboseExpectation,
  versionExpectation,
} from './observe.ts';

/** v1.33.3 → v1.33.4. */
const bumpPatch = nextPatch;

// ------------------------------------------------------------------------------------------------------------

describe('§3 kube-apiserver', () => {
  describe('§3.1 kubectl version', () => {
    claim('API-01', async ({ record, cluster, kube, kubectl: k, apiServer }) => {
      const r = await k.run(['version', '-v', '8']);
      const expectation = await verboseExpectation(cluster, k, kube, apiServer, r.stderr);
      record('kubectl version -v 8 (stderr)', r.stderr);
      record(
        'expected, and from where',
        [
          `Config loaded from file: ${expectation.kubeconfig}, by client-go's loading rules: ${loadedKubeconfigExpectation(k).rule}; that file names server ${expectation.serverOfLoadedFile ?? '?'}, where the request must go`,
          `User-Agent ${userAgentExpectation(cluster).source}`,
        ].join('\n'),
      );
      record('API Priority and Fairness objects named by the response headers', apfNames(r.stderr, expectation));
      expectNoDifferences([
        ...(r.exitCode
          ? [finding('kubectl-exit', `kubectl exited ${r.exitCode}`, { expected: 0, actual: r.exitCode })]
          : []),
        ...checkVerboseVersionLog(r.stderr, expectation),
      ]);
    });

    negativeControl(
      'API-01',
      'kubectl version at -v 6 logs no headers',
      'live',
      async ({ record, cluster, kube, kubectl: k, apiServer }) => {
        const r = await k.ok(['version', '-v', '6']);
        record('kubectl version -v 6 (stderr)', r.stderr);
        const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(cluster, k, kube, apiServer, r.stderr));
        expectDifference(diffs, 'request-header');
        expect(findingsOf(diffs, 'request-header').map((f) => f.actual)).toContain('Accept: absent');
        expect(findingsOf(diffs, 'response-header').map((f) => f.actual)).toContain('Audit-Id: absent');
      },
    );

    negativeControl(
      'API-01',
      'kubectl version --request-timeout=5s asks /version?timeout=5s',
      'live',
      async ({ cluster, kube, kubectl: k, apiServer }) => {
        const r = await k.ok(['version', '-v', '8', '--request-timeout=5s']);
        const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(cluster, k, kube, apiServer, r.stderr));
        const request = expectDifference(diffs, 'version-request');
        expect(request.expected).toMatch(/^GET \S+\/version\?timeout=32s$/);
        expect(request.actual).toMatch(/GET \S+\/version\?timeout=5s/);
      },
    );

    negativeControl(
      'API-01',
      'the live log without the API Priority and Fairness headers',
      'copy',
      async ({ cluster, kube, kubectl: k, apiServer }) => {
        // APF cannot be switched off without restarting the API server: deviate the live log instead.
        const r = await k.ok(['version', '-v', '8']);
        const diffs = checkVerboseVersionLog(
          withoutApfHeaders(r.stderr),
          await verboseExpectation(cluster, k, kube, apiServer, r.stderr),
        );
        expectDifference(diffs, 'response-header');
        expect(findingsOf(diffs, 'response-header').map((f) => f.actual)).toEqual(
          expect.arrayContaining([
            'X-Kubernetes-Pf-Flowschema-Uid: absent',
            'X-Kubernetes-Pf-Prioritylevel-Uid: absent',
          ]),
        );
      },
    );

    claim(
      'API-02',
      async ({ record, skip, cluster, kubectl: k, apiServer }) => {
        const r = await k.ok(['version']);
        const { expectation, sources } = await kubectlVersionExpectation({ cluster, skip, apiServer });
        record('kubectl version', r.stdout);
        record('expected, and from where', sources);
        expectNoDifferences(checkKubectlVersionOutput(r.stdout, expectation));
      },
      300_000,
    );

    negativeControl(
      'API-02',
      'the configuration asks for the next patch release',
      'expectation',
      async ({ cluster, kubectl: k, apiServer }) => {
        // The cluster stays as it is; the run is told to expect another release (as when the wrong image was used).
        const r = await k.ok(['version']);
        const asked = expectingNextPatch((await apiServer.expectedVersion()).version);
        const diffs = checkKubectlVersionOutput(r.stdout, {
          serverVersion: asked,
          clientVersion: cluster.kubectlVersion,
          clientVersionFrom: clientVersionFrom(cluster),
        });
        const server = expectDifference(diffs, 'server-version');
        expect([server.expected, server.actual]).toEqual([asked, cluster.serverVersion]);
      },
    );

    negativeControl(
      'API-02',
      'kubectl version --client does not ask the server',
      'live',
      async ({ record, cluster, kubectl: k, apiServer }) => {
        const r = await k.ok(['version', '--client']);
        record('kubectl version --client', r.stdout);
        const diffs = checkKubectlVersionOutput(r.stdout, {
          serverVersion: (await apiServer.expectedVersion()).version,
          clientVersion: cluster.kubectlVersion,
          clientVersionFrom: clientVersionFrom(cluster),
        });
        expectDifference(diffs, 'version-line');
        expect(findingsOf(diffs, 'version-line').map((f) => f.expected)).toContain('Server Version');
      },
    );

    negativeControl(
      'API-02',
      'the live output with a server one minor behind, a client one patch ahead and another kustomize',
      'copy',
      async ({ skip, cluster, kubectl: k, apiServer }) => {
        const live = (await k.ok(['version'])).stdout;
        const deviated = live
          .replace(/^(Server Version: v\d+\.)(\d+)/m, (_m, p: string, minor: string) => `${p}${Number(minor) - 1}`)
          .replace(/^(Client Version: )(\S+)/m, (_m, p: string, v: string) => `${p}${bumpPatch(v)}`)
          .replace(/^(Kustomize Version: v)(\d+)/m, (_m, p: string, major: string) => `${p}${Number(major) + 1}`);
        const { expectation } = await kubectlVersionExpectation({ cluster, skip, apiServer });
        const diffs = checkKubectlVersionOutput(deviated, expectation);
        expectDifference(diffs, 'server-version');
        const client = expectDifference(diffs, 'client-version');
        expect([client.expected, client.actual]).toEqual([cluster.kubectlVersion, bumpPatch(cluster.kubectlVersion)]);
        expect(expectDifference(diffs, 'kustomize-version').expected).toBe(expectation.kustomizeVersion);
      },
      { timeout: 300_000 },
    );

    claim('API-03', async ({ record, note, cluster, kube, apiServer }) => {
      const body = await apiServer.serverVersion();
      const viaClient = await kube.version.getCode();
      record('GET /version?timeout=32s', body);
      const expectation = await versionExpectation({ cluster, kube, apiServer });
      record('expected from the configuration', expectation);
      record(
        'gitCommit expected',
        releaseCommitEvidence(cluster, apiServer.lineProfile().line, expectation.gitVersion),
      );
      if (body.gitCommit === '' && body.gitTreeState === 'archive')
        note(
          '/version names the release commit (the article shows 80779bd… for v1.33.3)',
          `this API server was built from a source archive and states no commit (gitCommit "", gitTreeState archive): kube-claims knows no public source for ${String(body.gitVersion)}'s commit`,
        );
      const provenance = await binaryProvenance(cluster, 'kube-apiserver');
      record(
        'where the running kube-apiserver came from (its Go build information; the Go checksum database)',
        provenanceEvidence(provenance),
      );
      const release = upstreamRelease(String(body.gitVersion)) ?? String(body.gitVersion);
      expectNoDifferences([
        ...checkVersionInfo(body, expectation),
        ...compareVersionBodies(
          body,
          JSON.parse(JSON.stringify(viaClient)),
          'GET /version',
          '@kubernetes/client-node VersionApi.getCode()',
        ),
        ...provenance.binaries.flatMap((p) => [
          ...checkReleaseProvenance(p, KUBERNETES_MODULE, release),
          ...checkGoVersion(p, body.goVersion),
        ]),
      ]);
    });

    negativeControl(
      'API-03',
      'the live build information of kube-apiserver naming the release before as its module version',
      'copy',
      async ({ cluster, apiServer }) => {
        // A binary built from other sources cannot be swapped in: deviate this run's reading of the running one.
        const body = await apiServer.serverVersion();
        const { binaries } = await binaryProvenance(cluster, 'kube-apiserver');
        const live = binaries.find((b) => b.info.main?.sum && b.info.main.version !== DEVEL);
        if (!live)
          throw new NotStaged(
            'no running kube-apiserver with a module version in its build information (a build from a checkout, or no shell on the node)',
          );
        const before = previousPatch(live.info.main!.version);
        const deviated = { ...live, info: { ...live.info, main: { ...live.info.main!, version: before } } };
        const moved = expectDifference(
          checkReleaseProvenance(deviated, KUBERNETES_MODULE, upstreamRelease(String(body.gitVersion)) ?? ''),
          'build-info-module-version',
        );
        expect(moved.expected).toBe(before);
      },
    );

    negativeControl(
      'API-03',
      'the live /version with inconsistent fields',
      'copy',
      async ({ cluster, kube, apiServer }) => {
        // A differently built API server cannot be swapped in: deviate the live body.
        const body = await apiServer.serverVersion();
        const deviated = {
          ...body,
          minCompatibilityMinor: body.minor,
          gitTreeState: 'dirty',
          buildDate: 'Tue Jul 15 2025',
          platform: 'linux/s390x',
          gitCommit: '80779bd',
        };
        const diffs = checkVersionInfo(deviated, await versionExpectation({ cluster, kube, apiServer }));
        expectDifference(diffs, 'compatibility-version');
        expect(findingsOf(diffs, 'compatibility-version').map((f) => f.actual)).toContain(
          `minCompatibilityMinor: ${body.minor}`,
        );
        expect(expectDifference(diffs, 'git-tree-state').actual).toBe('dirty');
        expect(expectDifference(diffs, 'build-date').actual).toBe('Tue Jul 15 2025');
        expect(expectDifference(diffs, 'platform').actual).toBe('linux/s390x');
        expect(expectDifference(diffs, 'git-commit').actual).toBe('80779bd');
      },
    );

    negativeControl(
      'API-03',
      'the live /version of the minor before, consistent in itself',
      'copy',
      async ({ cluster, kube, apiServer }) => {
        // Every field moved one minor back together: only expectations from outside the body can tell.
        const body = await apiServer.serverVersion();
        const back = (f: unknown) => String(Number(f) - 1);
        const deviated = {
          ...body,
          minor: back(body.minor),
          emulationMinor: back(body.emulationMinor),
          minCompatibilityMinor: back(body.minCompatibilityMinor),
          gitVersion: String(body.gitVersion).replace(
            /^(v\d+\.)(\d+)/,
            (_m, p: string, minor: string) => `${p}${back(minor)}`,
          ),
        };
        const expectation = await versionExpectation({ cluster, kube, apiServer });
        const diffs = checkVersionInfo(deviated, expectation);
        expect(expectDifference(diffs, 'minor').actual).toBe(back(body.minor));
        expect(findingsOf(diffs, 'compatibility-version').map((f) => f.actual)).toEqual(
          expect.arrayContaining([
            `emulationMinor: ${back(body.emulationMinor)}`,
            `minCompatibilityMinor: ${back(body.minCompatibilityMinor)}`,
          ]),
        );
      },
    );

    claim('API-04', async ({ record, kube, apiServer }) => {
      const anon = await apiServer.get('/version?timeout=32s', anonymous());
      record('anonymous GET /version?timeout=32s (no credentials, no certificate check)', describeExchange(anon));
      const binding = await kube.rbac.readClusterRoleBinding({ name: 'system:public-info-viewer' });
      const role = await kube.rbac.readClusterRole({ name: 'system:public-info-viewer' });
      record('ClusterRoleBinding and ClusterRole system:public-info-viewer', {
        roleRef: binding.roleRef,
        subjects: binding.subjects,
        rules: role.rules,
      });
      expectNoDifferences([
        ...checkAnonymousVersion(anon, await apiServer.serverVersion()),
        ...checkPublicInfoViewer(binding, role),
      ]);
    });

    // API-04's control with /version denied is in version.disruptive.test.ts: it runs after the claims that observe
    // pods.

    negativeControl(
      'API-04',
      'the live public-info-viewer binding without group system:unauthenticated',
      'copy',
      async ({ kube }) => {
        // Unbinding it on the live cluster would break other users' health checks: deviate a copy.
        const binding = await kube.rbac.readClusterRoleBinding({ name: 'system:public-info-viewer' });
        const role = await kube.rbac.readClusterRole({ name: 'system:public-info-viewer' });
        const deviated = {
          ...binding,
          subjects: (binding.subjects ?? []).filter((s) => s.name !== 'system:unauthenticated'),
        };
        const diffs = checkPublicInfoViewer(deviated, role);
        expectDifference(diffs, 'binding-subject');
      },
    );
  });
});
