// §3 of the article: what kubectl logs at -v 6 and -v 8 (the pod list request of §3.3, the levels, the
// feature gates), and the client-go source behind the logs and behind admin.conf (§3.1, §3.2).
// Expectations come from the cluster (its kubeconfig, kubectl's own --help) and from the client-go module of
// the release of the kubectl that runs (ClusterInfo.kubectlVersion), fetched from the Go module proxy and checked
// against the checksum database: never from the article's literal values.
import { describe, expect } from 'vitest';
import { loggedExchanges, parseKlog } from '../../helpers/klog.ts';
import { sourceLines } from '../../helpers/go-source.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkKubeconfigShape } from '../checks/apiserver/admin-conf.ts';
import {
  checkConfigKeys,
  checkFeatureGates,
  checkLevel6,
  checkLevel8,
  checkPodListRequest,
  featureGateLines,
  LOOK_BACK,
  structJsonTags,
} from '../checks/apiserver/verbosity.ts';
import { ClaimMismatch, expectDifference, expectNoDifferences, finding, findingsOf, prefixed } from '../differences.ts';
import { moduleOrSkip } from './go-modules.ts';
import {
  bodyLimit,
  judgeReferences,
  knownFeatures,
  loggedSources,
  podListExpectation,
  readNodeKubeconfigs,
} from './observe.ts';

describe("§3 kubectl's verbose logs and the code behind them", () => {
  claim('API-12', async ({ record, cluster, skip, kubectl, apiServer, namespace }) => {
    const r = await kubectl.ok(['get', 'pods', '-v', '8']);
    const exchanges = loggedExchanges(parseKlog(r.stderr).entries);
    const want = await podListExpectation({ cluster, skip }, apiServer, namespace);
    record(
      'kubectl get pods -v 8 (requests logged)',
      exchanges.map((x) => `${x.verb} ${x.url} → ${x.status}`).join('\n'),
    );
    record("expected from the kubeconfig and kubectl's source", want);
    expectNoDifferences(checkPodListRequest(exchanges, want));
  });

  negativeControl(
    'API-12',
    'kubectl get pods --chunk-size=100 -v 8',
    'live',
    async ({ cluster, skip, kubectl, apiServer, namespace }) => {
      const r = await kubectl.ok(['get', 'pods', '--chunk-size=100', '-v', '8']);
      const diffs = checkPodListRequest(
        loggedExchanges(parseKlog(r.stderr).entries),
        await podListExpectation({ cluster, skip }, apiServer, namespace),
      );
      expect(expectDifference(diffs, 'pod-list-url').actual).toMatch(/pods\?limit=100$/);
    },
  );

  claim('API-13', async ({ record, skip, cluster, kubectl }) => {
    const limit = await bodyLimit({ record, skip, cluster });
    const v6 = await kubectl.ok(['get', 'pods', '-A', '-v', '6']);
    const v8 = await kubectl.ok(['get', 'pods', '-A', '-v', '8']);
    record('kubectl get pods -A -v 6 (stderr)', v6.stderr);
    record('kubectl get pods -A -v 8 (stderr)', v8.stderr);
    expectNoDifferences([
      ...prefixed('-v 6: ', checkLevel6(v6.stderr, parseKlog(v6.stderr).entries)),
      ...prefixed('-v 8: ', checkLevel8(parseKlog(v8.stderr).entries, limit)),
    ]);
  });

  negativeControl(
    'API-13',
    "the -v 6 check on kubectl's -v 7 output, the -v 8 check on its -v 9 output",
    'live',
    async ({ record, skip, cluster, kubectl }) => {
      const limit = await bodyLimit({ record, skip, cluster });
      const v7 = await kubectl.ok(['get', 'pods', '-A', '-v', '7']);
      const v9 = await kubectl.ok(['get', 'pods', '-A', '-v', '9']);
      const diffs = [
        ...prefixed('-v 7 as -v 6: ', checkLevel6(v7.stderr, parseKlog(v7.stderr).entries)),
        ...prefixed('-v 9 as -v 8: ', checkLevel8(parseKlog(v9.stderr).entries, limit)),
      ];
      expectDifference(diffs, 'no-request-headers');
      expect(expectDifference(diffs, 'body-cut-at').expected).toBe(String(limit));
    },
  );

  claim('API-14', async ({ record, skip, cluster, kubectl }) => {
    const known = await knownFeatures({ record, skip, cluster });
    const r = await kubectl.ok(['version', '-v', '8']);
    const logged = featureGateLines(parseKlog(r.stderr).entries);
    record(
      '"Feature gate default state" lines of kubectl version -v 8',
      [...logged].map(([g, d]) => `${g} enabled=${d}`).join('\n'),
    );
    expectNoDifferences(checkFeatureGates(logged, known));
  });

  negativeControl(
    'API-14',
    "kubectl run with KUBE_FEATURE_<gate> set against the gate's default",
    'live',
    async ({ record, skip, cluster, kubectl }) => {
      const known = await knownFeatures({ record, skip, cluster });
      const [gate, def] = [...known].find(([, d]) => d === false) ?? [...known][0]!;
      const r = await kubectl.ok(['version', '-v', '8'], { env: { [`KUBE_FEATURE_${gate}`]: String(!def) } });
      const diffs = checkFeatureGates(featureGateLines(parseKlog(r.stderr).entries), known);
      record('staged', `KUBE_FEATURE_${gate}=${!def}`);
      expectDifference(diffs, 'gate-logged');
      expect(findingsOf(diffs, 'gate-logged').map((f) => f.expected)).toContain(gate);
    },
  );

  claim(
    'API-15',
    async ({ record, note, skip, cluster, kubectl, apiServer }) => {
      const refs = await loggedSources(kubectl);
      const { diffs, table } = await judgeReferences({ cluster, skip }, refs);
      record("file:line of each logged message → the statement in the module of kubectl's release", table.join('\n'));
      const clientGo = await moduleOrSkip({ cluster, skip }, 'client-go');
      const loader = (await sourceLines(clientGo.dir, 'tools/clientcmd/loader.go')).join('\n');
      const funcLine = loader
        .split('\n')
        .findIndex((l) => /^func LoadFromFile\(filename string\) \(\*clientcmdapi\.Config, error\)/.test(l));
      record('func LoadFromFile in tools/clientcmd/loader.go', funcLine >= 0 ? `line ${funcLine + 1}` : 'not found');
      const tags = structJsonTags(
        (await sourceLines(clientGo.dir, 'tools/clientcmd/api/v1/types.go')).join('\n'),
        'Config',
      );
      record(
        `json tags of Config (${clientGo.path}@${clientGo.version} tools/clientcmd/api/v1/types.go)`,
        tags.join(', '),
      );
      const kubeconfigs = await readNodeKubeconfigs(cluster);
      record(
        'top-level keys of the kubeconfigs under /etc/kubernetes (names only)',
        Object.entries(kubeconfigs)
          .map(([f, kc]) => `${f}: ${Object.keys(kc).join(', ')}`)
          .join('\n'),
      );
      note(
        'the Config struct is in tools/clientcmd/api/types.go',
        'that is the internal type (no json tags are read from it by the loader); the serialized form, with the same json tags, is tools/clientcmd/api/v1/types.go, which is checked here',
      );
      expectNoDifferences([
        ...diffs,
        ...(funcLine >= 0
          ? []
          : [
              finding(
                'load-from-file',
                'tools/clientcmd/loader.go defines no func LoadFromFile(filename string) (*clientcmdapi.Config, error)',
                { expected: 'func LoadFromFile(filename string) (*clientcmdapi.Config, error)', actual: 'absent' },
              ),
            ]),
        ...Object.entries(kubeconfigs).flatMap(([file, kc]) => [
          ...checkConfigKeys(file, Object.keys(kc), tags),
          ...checkKubeconfigShape(kc, file, apiServer.lineProfile().line.behaviour.kubeconfigPreferences),
        ]),
      ]);
    },
    300_000,
  );

  negativeControl(
    'API-15',
    'every live reference moved one line past the look-back, and admin.conf with a key Config does not have (deviated copies)',
    'copy',
    async ({ record, skip, cluster, kubectl }) => {
      // kubectl cannot be made to log other lines without rebuilding it: the live references are moved instead,
      // each just out of reach of the statement that logs it (a statement may start LOOK_BACK lines above).
      const refs = (await loggedSources(kubectl)).map((r) => ({ ...r, line: r.line + LOOK_BACK + 1 }));
      const { diffs, table } = await judgeReferences({ cluster, skip }, refs);
      record('the moved references → what the check found there', table.join('\n'));
      // Every reference must be rejected, not some: one the check still accepted would be a line it cannot tell apart.
      const accepted = refs.filter(
        (r) => !findingsOf(diffs, 'log-statement').some((d) => d.expected?.startsWith(`${r.file}:${r.line} logs `)),
      );
      if (accepted.length)
        throw new ClaimMismatch(
          `the check accepted ${accepted.length} of ${refs.length} moved references: ${accepted.map((r) => `${r.file}:${r.line}`).join(', ')}`,
        );
      const clientGo = await moduleOrSkip({ cluster, skip }, 'client-go');
      const tags = structJsonTags(
        (await sourceLines(clientGo.dir, 'tools/clientcmd/api/v1/types.go')).join('\n'),
        'Config',
      );
      const admin = (await readNodeKubeconfigs(cluster))['admin.conf']!;
      diffs.push(...checkConfigKeys('admin.conf', [...Object.keys(admin), 'credentials'], tags));
      expectDifference(diffs, 'log-statement');
      expect(findingsOf(diffs, 'log-statement').map((f) => f.expected)).toContainEqual(
        expect.stringMatching(/loader\.go:\d+ logs "Config loaded from file/),
      );
      expectDifference(diffs, 'config-key');
      expect(findingsOf(diffs, 'config-key').map((f) => f.actual)).toContain('credentials');
    },
    { timeout: 300_000 },
  );
});
