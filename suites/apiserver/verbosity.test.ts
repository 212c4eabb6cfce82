// §3 of the article: what kubectl logs at -v 6 and -v 8 (the pod list request of §3.3, the levels, the
// feature gates), and the client-go source behind the logs and behind admin.conf (§3.1, §3.2).
// Expectations come from the cluster (its kubeconfig, kubectl's own --help) and from the client-go module of
// the release of the kubectl that runs (ClusterInfo.kubectlVersion), fetched from the Go module proxy and checked
// against the checksum database: never from the article's literal values.
import { describe } from 'vitest';
import { findFiles, KUBECTL_MODULES, sourceLines } from '../../helpers/go-source.ts';
import { moduleOrSkip } from './go-modules.ts';
import { loggedExchanges, parseKlog } from '../../helpers/klog.ts';
import { readNodeTextFiles } from '../../helpers/node.ts';
import { KubectlProxy } from '../../helpers/proxy.ts';
import { request } from '../../helpers/http.ts';
import { claim, negativeControl, type ClaimContext } from '../claim.ts';
import { checkKubeconfigShape, ETC_KUBERNETES_KUBECONFIGS } from '../checks/apiserver/admin-conf.ts';
import {
  checkConfigKeys, checkFeatureGates, checkLevel6, checkLevel8, checkPodListRequest, featureGateLines, isLogStatement, LOOK_BACK,
  parseKnownFeatures, sourceReferences, structJsonTags, truncationLimit, type SourceReference,
} from '../checks/apiserver/verbosity.ts';
import { ClaimMismatch, expectDifference, expectNoDifferences } from '../differences.ts';
import type { ClusterInfo } from '../../contract/cluster.ts';
import type { Kubectl } from '../../helpers/kubectl.ts';
import type { ApiServer } from './fixture.ts';
import type { Kubeconfig } from '../../helpers/kubeconfig.ts';
import { parseKubeconfig } from '../../helpers/kubeconfig.ts';

/** What the helpers that read the client-go source need of a claim's context: they record what they read, or skip. */
type SourceContext = Pick<ClaimContext, 'cluster' | 'record' | 'skip'>;

/** What kubectl get pods requests: the API server, the kubeconfig context's namespace (the `namespace` fixture), kubectl's --chunk-size. */
async function podListExpectation(apiServer: ApiServer, namespace: string) {
  return { server: apiServer.server, namespace, limit: await apiServer.defaultChunkSize() };
}

describe('§3 kubectl\'s verbose logs and the code behind them', () => {
  claim('API-12', async ({ record, kubectl, apiServer, namespace }) => {
    const r = await kubectl.ok(['get', 'pods', '-v', '8']);
    const exchanges = loggedExchanges(parseKlog(r.stderr).entries);
    const want = await podListExpectation(apiServer, namespace);
    record('kubectl get pods -v 8 (requests logged)', exchanges.map((x) => `${x.verb} ${x.url} → ${x.status}`).join('\n'));
    record('expected from the kubeconfig and kubectl get --help', want);
    expectNoDifferences(checkPodListRequest(exchanges, want));
  });

  negativeControl('API-12', 'kubectl get pods --chunk-size=100 -v 8', 'live', async ({ record, kubectl, apiServer, namespace }) => {
    const r = await kubectl.ok(['get', 'pods', '--chunk-size=100', '-v', '8']);
    const diffs = checkPodListRequest(loggedExchanges(parseKlog(r.stderr).entries), await podListExpectation(apiServer, namespace));
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, /pods\?limit=100, not \S+pods\?limit=/);
  });

  /** client-go's -v 8 body limit, read from rest/request.go of kubectl's client-go. */
  async function bodyLimit(ctx: SourceContext): Promise<number> {
    const m = await moduleOrSkip(ctx, 'client-go');
    const limit = truncationLimit((await sourceLines(m.dir, 'rest/request.go')).join('\n'));
    if (!limit) throw new Error(`${m.path}@${m.version} rest/request.go has no truncateBody with a -v 8 limit`);
    ctx.record(`client-go's -v 8 body limit (${m.path}@${m.version} rest/request.go truncateBody)`, String(limit));
    return limit;
  }

  claim('API-13', async ({ record, skip, cluster, kubectl }) => {
    const limit = await bodyLimit({ record, skip, cluster });
    const v6 = await kubectl.ok(['get', 'pods', '-A', '-v', '6']);
    const v8 = await kubectl.ok(['get', 'pods', '-A', '-v', '8']);
    record('kubectl get pods -A -v 6 (stderr)', v6.stderr);
    record('kubectl get pods -A -v 8 (stderr)', v8.stderr);
    expectNoDifferences([
      ...checkLevel6(v6.stderr, parseKlog(v6.stderr).entries).map((d) => `-v 6: ${d}`),
      ...checkLevel8(parseKlog(v8.stderr).entries, limit).map((d) => `-v 8: ${d}`),
    ]);
  });

  negativeControl('API-13', 'the -v 6 check on kubectl\'s -v 7 output, the -v 8 check on its -v 9 output', 'live', async ({ record, skip, cluster, kubectl }) => {
    const limit = await bodyLimit({ record, skip, cluster });
    const v7 = await kubectl.ok(['get', 'pods', '-A', '-v', '7']);
    const v9 = await kubectl.ok(['get', 'pods', '-A', '-v', '9']);
    const diffs = [
      ...checkLevel6(v7.stderr, parseKlog(v7.stderr).entries).map((d) => `-v 7 as -v 6: ${d}`),
      ...checkLevel8(parseKlog(v9.stderr).entries, limit).map((d) => `-v 9 as -v 8: ${d}`),
    ];
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, /-v 7 as -v 6: GET \S+: request headers are logged/);
    expectDifference(diffs, new RegExp(`-v 9 as -v 8: GET \\S+: (the body is cut after \\d+ characters, not after ${limit}|a body of \\d+ characters is logged whole)`));
  });

  async function knownFeatures(ctx: SourceContext): Promise<Map<string, boolean>> {
    const m = await moduleOrSkip(ctx, 'client-go');
    const known = parseKnownFeatures((await sourceLines(m.dir, 'features/known_features.go')).join('\n'));
    ctx.record(`feature gates of ${m.path}@${m.version} features/known_features.go (default)`, [...known].map(([g, d]) => `${g}=${d}`).join('\n'));
    return known;
  }

  claim('API-14', async ({ record, skip, cluster, kubectl }) => {
    const known = await knownFeatures({ record, skip, cluster });
    const r = await kubectl.ok(['version', '-v', '8']);
    const logged = featureGateLines(parseKlog(r.stderr).entries);
    record('"Feature gate default state" lines of kubectl version -v 8', [...logged].map(([g, d]) => `${g} enabled=${d}`).join('\n'));
    expectNoDifferences(checkFeatureGates(logged, known));
  });

  negativeControl('API-14', 'kubectl run with KUBE_FEATURE_<gate> set against the gate\'s default', 'live', async ({ record, skip, cluster, kubectl }) => {
    const known = await knownFeatures({ record, skip, cluster });
    const [gate, def] = [...known].find(([, d]) => d === false) ?? [...known][0]!;
    const r = await kubectl.ok(['version', '-v', '8'], { env: { [`KUBE_FEATURE_${gate}`]: String(!def) } });
    const diffs = checkFeatureGates(featureGateLines(parseKlog(r.stderr).entries), known);
    record(`differences found (KUBE_FEATURE_${gate}=${!def})`, diffs.join('\n'));
    expectDifference(diffs, `${gate}: no "Feature gate default state" line`);
  });

  /** Every file:line kubectl logs in the article's commands: kubectl version, get pods and proxy, at -v 8. */
  async function loggedSources(k: Kubectl): Promise<SourceReference[]> {
    const version = await k.ok(['version', '-v', '8']);
    const pods = await k.ok(['get', 'pods', '-v', '8']);
    await using proxy = await KubectlProxy.start(k, { extraArgs: ['-v', '8'] });
    await request(`${proxy.url}/version`);
    await proxy.stop();
    return sourceReferences([version.stderr, pods.stderr, proxy.output()].flatMap((t) => parseKlog(t).entries));
  }

  /** Where each reference is in the modules kubectl is built from, and whether that line logs it. */
  async function judgeReferences(ctx: Pick<ClaimContext, 'cluster' | 'skip'>, refs: SourceReference[]): Promise<{ diffs: string[]; table: string[] }> {
    const modules = await Promise.all(KUBECTL_MODULES.map((n) => moduleOrSkip(ctx, n)));
    const diffs: string[] = [];
    const table: string[] = [];
    for (const ref of refs) {
      const hits: string[] = [];
      const candidates: string[] = [];
      for (const m of modules) {
        for (const file of await findFiles(m.dir, ref.file)) {
          candidates.push(`${m.path}/${file}`);
          if (isLogStatement(await sourceLines(m.dir, file), ref)) hits.push(`${m.path}@${m.version}/${file}:${ref.line}`);
        }
      }
      table.push(`${ref.file}:${ref.line} ${JSON.stringify(ref.message.slice(0, 60))} → ${hits.join(', ') || 'no logging statement'}`);
      if (!hits.length) diffs.push(`${ref.file}:${ref.line} (${JSON.stringify(ref.message.slice(0, 60))}) is not a statement that logs it in ${candidates.join(', ') || 'any module kubectl is built from'}`);
    }
    return { diffs, table };
  }

  claim('API-15', async ({ record, note, skip, cluster, kubectl, apiServer }) => {
    const refs = await loggedSources(kubectl);
    const { diffs, table } = await judgeReferences({ cluster, skip }, refs);
    record('file:line of each logged message → the statement in the module of kubectl\'s release', table.join('\n'));
    const clientGo = await moduleOrSkip({ cluster, skip }, 'client-go');
    const loader = (await sourceLines(clientGo.dir, 'tools/clientcmd/loader.go')).join('\n');
    const funcLine = loader.split('\n').findIndex((l) => /^func LoadFromFile\(filename string\) \(\*clientcmdapi\.Config, error\)/.test(l));
    record('func LoadFromFile in tools/clientcmd/loader.go', funcLine >= 0 ? `line ${funcLine + 1}` : 'not found');
    const tags = structJsonTags((await sourceLines(clientGo.dir, 'tools/clientcmd/api/v1/types.go')).join('\n'), 'Config');
    record(`json tags of Config (${clientGo.path}@${clientGo.version} tools/clientcmd/api/v1/types.go)`, tags.join(', '));
    const kubeconfigs = await readNodeKubeconfigs(cluster);
    record('top-level keys of the kubeconfigs under /etc/kubernetes (names only)', Object.entries(kubeconfigs).map(([f, kc]) => `${f}: ${Object.keys(kc).join(', ')}`).join('\n'));
    note('the Config struct is in tools/clientcmd/api/types.go', 'that is the internal type (no json tags are read from it by the loader); the serialized form, with the same json tags, is tools/clientcmd/api/v1/types.go, which is checked here');
    expectNoDifferences([
      ...diffs,
      ...(funcLine >= 0 ? [] : ['tools/clientcmd/loader.go defines no func LoadFromFile(filename string) (*clientcmdapi.Config, error)']),
      ...Object.entries(kubeconfigs).flatMap(([file, kc]) => [...checkConfigKeys(file, Object.keys(kc), tags), ...checkKubeconfigShape(kc, file, apiServer.lineProfile().line.behaviour.kubeconfigPreferences)]),
    ]);
  }, 300_000);

  negativeControl('API-15', 'every live reference moved one line past the look-back, and admin.conf with a key Config does not have (deviated copies)', 'copy', async ({ record, skip, cluster, kubectl }) => {
    // kubectl cannot be made to log other lines without rebuilding it: the live references are moved instead,
    // each just out of reach of the statement that logs it (a statement may start LOOK_BACK lines above).
    const refs = (await loggedSources(kubectl)).map((r) => ({ ...r, line: r.line + LOOK_BACK + 1 }));
    const { diffs, table } = await judgeReferences({ cluster, skip }, refs);
    record('the moved references → what the check found there', table.join('\n'));
    // Every reference must be rejected, not some: one the check still accepted would be a line it cannot tell apart.
    const accepted = refs.filter((r) => !diffs.some((d) => d.startsWith(`${r.file}:${r.line} (`)));
    if (accepted.length) throw new ClaimMismatch(`the check accepted ${accepted.length} of ${refs.length} moved references: ${accepted.map((r) => `${r.file}:${r.line}`).join(', ')}`);
    const clientGo = await moduleOrSkip({ cluster, skip }, 'client-go');
    const tags = structJsonTags((await sourceLines(clientGo.dir, 'tools/clientcmd/api/v1/types.go')).join('\n'), 'Config');
    const admin = (await readNodeKubeconfigs(cluster))['admin.conf']!;
    diffs.push(...checkConfigKeys('admin.conf', [...Object.keys(admin), 'credentials'], tags));
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, /loader\.go:\d+ \("Config loaded from file.*\) is not a statement that logs it/);
    expectDifference(diffs, 'admin.conf: top-level key credentials is no field of clientcmd\'s Config');
  }, { timeout: 300_000 });
});

/** admin.conf, controller-manager.conf, kubelet.conf, scheduler.conf (and super-admin.conf) parsed on the node; only their structure is recorded. */
async function readNodeKubeconfigs(cluster: ClusterInfo): Promise<Record<string, Kubeconfig>> {
  const names = ETC_KUBERNETES_KUBECONFIGS.filter((n) => n !== 'super-admin.conf');
  const texts = await readNodeTextFiles(cluster, names.map((n) => `/etc/kubernetes/${n}`));
  return Object.fromEntries(names.map((n, i) => [n, parseKubeconfig(texts[i]!)]));
}
