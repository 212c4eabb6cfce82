// Live observations and expectations of §3's claims (the test files beside this one): what kubectl, /version,
// admin.conf and kubectl proxy must show on this cluster, from its configuration and kubectl's build (never from
// the output judged).
import { CLUSTER_CA, ETC_KUBERNETES, readKubeadmFiles } from '../node-files.ts';
import { kubeadmFileOf, kubeadmFilesOf } from '../run-node-files.ts';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, networkInterfaces } from 'node:os';
import { basename } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { FlowcontrolApiserverV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { parse } from 'yaml';
import type { ClusterInfo } from '../../contract/cluster.ts';
import { LINES, type KubernetesLine } from '../../contract/lines.ts';
import { configLoadedFrom, parseKlog } from '../../helpers/klog.ts';
import { kubeconfigFilesLoaded, parseKubeconfig, resolveContext, type Kubeconfig } from '../../helpers/kubeconfig.ts';
import { request } from '../../helpers/http.ts';
import { findFiles, KUBECTL_MODULES, sourceLines } from '../../helpers/go-source.ts';
import { goPlatform, type Kubectl } from '../../helpers/kubectl.ts';
import { KubectlProxy } from '../../helpers/proxy.ts';
import {
  ETC_KUBERNETES_KUBECONFIGS,
  expectedAdminConf,
  parseStat,
  type AdminConfExpectation,
  type EndpointExpectation,
  type StatEntry,
} from '../checks/apiserver/admin-conf.ts';
import { ordinalPods } from '../checks/components.ts';
import { parseFlags } from '../checks/etcd/common.ts';
import {
  isLogStatement,
  parseKnownFeatures,
  sourceReferences,
  truncationLimit,
  type SourceReference,
} from '../checks/apiserver/verbosity.ts';
import {
  compatibilityVersions,
  expectedUserAgent,
  type VerboseVersionExpectation,
  type VersionInfoExpectation,
} from '../checks/apiserver/version.ts';
import type { ClaimContext } from '../claim.ts';
import { finding, type Differences } from '../differences.ts';
import type { ClaimFixtures } from '../fixtures.ts';
import type { Live } from '../live.ts';
import { controlPlaneNodes, internalIps, kindLoadBalancerAddresses, staticPodCommand } from '../observations.ts';
import type { ApiServer } from './fixture.ts';
import { clientVersionExpectation, describeKubectl } from '../../contract/kubectl-source.ts';
import { defaultChunkSize, moduleOrSkip, pinnedKustomize } from './go-modules.ts';

/**
 * The User-Agent kubectl must send, composed as client-go composes it from what kubectl was built as. kube-claims'
 * own build: the release it was built for, this host's platform (kubectl runs here) and the release commit the
 * line knows (contract/lines.ts), the table the build is stamped from — so the commit part shows that client-go
 * composes the header from the build's stamp, not that the stamp is the release's. A kubectl kube-claims did not
 * build: the version, commit and platform it reported of itself when it was chosen.
 */
export function userAgentExpectation(cluster: ClusterInfo): { userAgent: string; source: string } {
  const command = basename(cluster.kubectl);
  const reported = cluster.kubectlSource.reported;
  if (cluster.kubectlSource.origin !== 'built' && reported) {
    const userAgent = expectedUserAgent({
      command,
      version: reported.gitVersion,
      platform: reported.platform ?? goPlatform(),
      commit: reported.gitCommit,
    });
    return {
      userAgent,
      source: `${userAgent}: ${describeKubectl(cluster)}, from what it reported of itself (kubectl version -o json against this cluster: ${reported.gitVersion}, commit ${reported.gitCommit ?? 'none'}, ${reported.platform ?? `no platform, so this host's ${goPlatform()}`}) — its own stamp, so the comparison proves only that client-go composes the header from it`,
    };
  }
  const commit = Object.values(LINES).find((l) => l.version === cluster.kubectlVersion)?.releaseCommit?.value;
  const userAgent = expectedUserAgent({ command, version: cluster.kubectlVersion, platform: goPlatform(), commit });
  return {
    userAgent,
    source: `${userAgent}: kubectl built by kube-claims for ${cluster.kubectlVersion} on this host (${goPlatform()}); its commit ${commit ? `${commit} is` : 'is none:'} what kube-claims stamps from contract/lines.ts${commit ? '' : ' (no release commit known), so client-go says "unknown"'} — the same table, so the commit part proves only that client-go composes the header from the build's stamp`,
  };
}

/** What `kubectl -v 8` must log as the file it loaded, by client-go's loading rules applied to how kubectl is run. */
export function loadedKubeconfigExpectation(k: Kubectl): { kubeconfig: string; rule: string } {
  const { files, rule } = kubeconfigFilesLoaded(
    { flag: k.kubeconfig, env: process.env.KUBECONFIG, home: homedir() },
    existsSync,
  );
  return { kubeconfig: files[0] ?? '', rule };
}

/** The server the kubeconfig kubectl logged it loaded names for the context kubectl uses. */
export async function serverOfLoadedFile(stderr: string, context?: string): Promise<string | undefined> {
  const loaded = configLoadedFrom(parseKlog(stderr).entries);
  if (!loaded) return undefined;
  // reported: a file kubectl loaded that cannot be read here is named in the difference
  const text = await readFile(loaded, 'utf8').catch(() => undefined);
  return text === undefined ? `(${loaded} cannot be read)` : resolveContext(parseKubeconfig(text), context).server;
}

export async function apfObjects(
  kube: Live['kube'],
): Promise<Pick<VerboseVersionExpectation, 'flowSchemas' | 'priorityLevels'>> {
  const fc = kube.make(FlowcontrolApiserverV1Api);
  const [fs, pl] = await Promise.all([fc.listFlowSchema(), fc.listPriorityLevelConfiguration()]);
  return {
    flowSchemas: new Map(fs.items.map((i) => [i.metadata?.uid ?? '', i.metadata?.name ?? ''])),
    priorityLevels: new Map(pl.items.map((i) => [i.metadata?.uid ?? '', i.metadata?.name ?? ''])),
  };
}

/** Which FlowSchema and priority level the logged APF headers name, for the evidence. */
export function apfNames(stderr: string, apf: Awaited<ReturnType<typeof apfObjects>>): string {
  const uid = (name: string) => new RegExp(`${name}: (\\S+)`, 'i').exec(stderr)?.[1] ?? '';
  return (
    `FlowSchema ${apf.flowSchemas?.get(uid('X-Kubernetes-Pf-Flowschema-Uid')) ?? '?'}, ` +
    `PriorityLevelConfiguration ${apf.priorityLevels?.get(uid('X-Kubernetes-Pf-Prioritylevel-Uid')) ?? '?'}`
  );
}

/** The node's OS/ARCH as the kubelet reports it: what /version's platform should say. */
export async function nodePlatform({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<string> {
  const info = (await kube.core.readNode({ name: cluster.nodeName })).status?.nodeInfo;
  return `${info?.operatingSystem}/${info?.architecture}`;
}

/** What /version must say, from the configuration and the line profile (never from /version itself). */
export async function versionExpectation({
  cluster,
  kube,
  apiServer,
}: Pick<ClaimFixtures, 'cluster' | 'kube' | 'apiServer'>): Promise<VersionInfoExpectation> {
  const { version } = await apiServer.expectedVersion();
  const { line } = apiServer.lineProfile();
  const own = await apiServer.ownArgs();
  return {
    gitVersion: version,
    platform: await nodePlatform({ cluster, kube }),
    compatibilityFields: line.behaviour.versionCompatibilityFields,
    releaseCommit: line.version === version ? line.releaseCommit?.value : undefined,
    ...compatibilityVersions(version, own?.args, own?.source ?? 'no kube-apiserver static pod'),
  };
}

/** Where API-03's gitCommit expectation comes from, and what comparing with it proves on this cluster. */
export function releaseCommitEvidence(cluster: ClusterInfo, line: KubernetesLine, version: string): string {
  const commit = line.version === version ? line.releaseCommit : undefined;
  if (!commit)
    return `none known for ${version} (contract/lines.ts): gitCommit must be a 40-digit commit, or "" with gitTreeState archive`;
  return cluster.offlineBuild
    ? `${commit.value} (${commit.source}); this cluster runs kube-claims' offline build, which stamps gitCommit from the same table: the comparison proves the stamp reaches /version, not that the binary was built from that commit`
    : `${commit.value} (${commit.source}); this cluster's binaries were not built by kube-claims: an independent comparison`;
}

/** Whence API-02's Client Version expectation: kube-claims' build, or the kubectl's own report. */
export const clientVersionFrom = (cluster: ClusterInfo) =>
  cluster.kubectlSource.origin === 'built' ? ('build' as const) : ('self-report' as const);

/** What `kubectl version -v 8` must log, from the cluster, kubectl's build and the loading rules. */
export async function verboseExpectation(
  cluster: ClusterInfo,
  k: Kubectl,
  kube: Live['kube'],
  apiServer: ApiServer,
  stderr: string,
): Promise<VerboseVersionExpectation> {
  const [versionBody, apf, loadedServer] = await Promise.all([
    apiServer.serverVersion(),
    apfObjects(kube),
    serverOfLoadedFile(stderr, k.context),
  ]);
  return {
    kubeconfig: loadedKubeconfigExpectation(k).kubeconfig,
    serverOfLoadedFile: loadedServer,
    server: apiServer.server,
    userAgent: userAgentExpectation(cluster).userAgent,
    versionBody,
    ...apf,
  };
}

/** What kubectl version must print, from the configuration and kubectl's source (never from kubectl's own output). */
export async function kubectlVersionExpectation({
  cluster,
  skip,
  apiServer,
}: Pick<ClaimContext, 'cluster' | 'skip' | 'apiServer'>) {
  const [asked, kustomize] = await Promise.all([apiServer.expectedVersion(), pinnedKustomize({ cluster, skip })]);
  const client = clientVersionExpectation(cluster);
  return {
    expectation: {
      serverVersion: asked.version,
      clientVersion: client.version,
      clientVersionFrom: clientVersionFrom(cluster),
      kustomizeVersion: kustomize.version,
    },
    sources: [
      `Server Version ${asked.version}: ${asked.source}`,
      `Client Version ${client.version}: ${client.source} (${describeKubectl(cluster)}; ${cluster.kubectlSource.choice})`,
      `Kustomize Version ${kustomize.version}: ${kustomize.source}`,
    ].join('\n'),
  };
}

// ------------------------------------------------------------------------------------------------------------
// §3.2 admin.conf and its neighbours

/**
 * kube-apiserver's --secure-port default (pkg/kubeapiserver/options: SecureServingOptions BindPort 6443), where the
 * flag is not given.
 */
const KUBE_APISERVER_DEFAULT_SECURE_PORT = '6443';

export const ADMIN_CONF = '/etc/kubernetes/admin.conf';

export async function nodeAddresses({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<string[]> {
  return (await internalIps(kube)).get(cluster.nodeName) ?? [];
}

/** What admin.conf's server must resolve to, from the nodes and (on kind) the load balancer container. */
export async function endpointExpectation({
  cluster,
  kube,
}: Pick<Live, 'cluster' | 'kube'>): Promise<EndpointExpectation> {
  const ips = await internalIps(kube);
  return {
    controlPlaneAddresses: controlPlaneNodes(cluster).flatMap((n) => ips.get(n.name) ?? []),
    nodeAddresses: [...ips.values()].flat(),
    loadBalancerAddresses: controlPlaneNodes(cluster).length > 1 ? await kindLoadBalancerAddresses(cluster) : undefined,
  };
}

/** admin.conf of the node `cluster` points at, from the run's observation of its files. */
export async function readAdminConf(cluster: ClusterInfo): Promise<{ text: string; kc: Kubeconfig }> {
  const text = await kubeadmFileOf(cluster, ADMIN_CONF);
  return { text, kc: parseKubeconfig(text) };
}

export async function adminConfExpectation({
  cluster,
  kube,
  apiServer,
}: Pick<ClaimFixtures, 'cluster' | 'kube' | 'apiServer'>): Promise<AdminConfExpectation> {
  const cm = await kube.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' });
  const clusterConfiguration = parse(cm.data?.ClusterConfiguration ?? '{}') as {
    clusterName?: string;
    controlPlaneEndpoint?: string;
  };
  const [ip] = await nodeAddresses({ cluster, kube });
  const securePort =
    parseFlags(await staticPodCommand({ cluster, kube }, 'kube-apiserver')).get('secure-port') ??
    KUBE_APISERVER_DEFAULT_SECURE_PORT;
  return {
    ...expectedAdminConf(clusterConfiguration, ip ?? '', securePort),
    preferences: apiServer.lineProfile().line.behaviour.kubeconfigPreferences,
  };
}

/**
 * stat and kubeconfig contents of /etc/kubernetes, from the run's observation of the node's files, or of a staged
 * copy of it elsewhere (`root`), read live.
 */
export async function etcKubernetes(
  c: ClusterInfo,
  root: string,
): Promise<{ stats: StatEntry[]; kubeconfigs: Record<string, Kubeconfig | Error>; listing: string; readAt: string }> {
  const files = root === ETC_KUBERNETES ? await kubeadmFilesOf(c) : await readKubeadmFiles(c, root);
  // A missing entry has no stat line: the check names what is missing.
  const stats = parseStat(files.stat);
  const kubeconfigs: Record<string, Kubeconfig | Error> = {};
  for (const s of stats) {
    const name = s.path.slice(root.length + 1);
    if (!(ETC_KUBERNETES_KUBECONFIGS as readonly string[]).includes(name) || !s.type.startsWith('regular')) continue;
    const text = files.texts[s.path];
    try {
      if (text == null) throw new Error(`on node ${c.nodeName}: cannot read ${s.path}`);
      kubeconfigs[name] = parseKubeconfig(text);
    } catch (e) {
      kubeconfigs[name] = e as Error;
    }
  }
  return { stats, kubeconfigs, listing: files.listing, readAt: files.readAt };
}

/** What admin.conf's credentials must be: kubeadm's admin user, signed by the cluster CA. */
export async function adminCredentialExpectation({ cluster, apiServer }: Pick<ClaimFixtures, 'cluster' | 'apiServer'>) {
  const ca = new X509Certificate(await kubeadmFileOf(cluster, CLUSTER_CA));
  return {
    commonName: 'kubernetes-admin',
    organization: apiServer.lineProfile().line.behaviour.adminOrganization,
    clusterCaFingerprint: ca.fingerprint256,
  };
}

// ------------------------------------------------------------------------------------------------------------
// §3.3 anonymous requests and kubectl proxy

/** The run's redis pods, when the run put them into `namespace` (default on clusters kube-claims made). */
export function workloadIn(cluster: ClusterInfo, namespace: string): string[] {
  const w = cluster.workload;
  return w.namespace === namespace && !w.error ? ordinalPods(w.name, w.replicas) : [];
}

/** A host kubectl proxy's default --accept-hosts refuses. */
export const FOREIGN_HOST = 'kube-claims.invalid';

/** The same request to the proxy with a local Host and with another host's. */
export async function hostFilterProbe(proxy: KubectlProxy) {
  const local = await request(`${proxy.url}/version`);
  const foreign = await request(`${proxy.url}/version`, { headers: { Host: FOREIGN_HOST } });
  return { local, foreign };
}

/**
 * Addresses of this host other than 127.0.0.1 on which a proxy must not answer: 127.0.0.2 and the kind network's
 * gateways.
 */
export async function otherAddresses(c: ClusterInfo): Promise<string[]> {
  const out = ['127.0.0.2'];
  if (c.nodeAccess.kind !== 'docker') return out;
  const r = await execa('docker', [
    'inspect',
    c.nodeAccess.container,
    '--format',
    '{{json .NetworkSettings.Networks}}',
  ]);
  const networks = JSON.parse(r.stdout) as Record<string, { Gateway?: string; IPv6Gateway?: string }>;
  // Only addresses of this host's own bridges (a remote Docker's gateway is not ours to probe).
  const local = new Set(
    Object.values(networkInterfaces())
      .flat()
      .map((i) => i?.address),
  );
  for (const n of Object.values(networks))
    for (const g of [n.Gateway, n.IPv6Gateway]) if (g && local.has(g)) out.push(g);
  return out;
}

// ------------------------------------------------------------------------------------------------------------
// §3 kubectl's verbose logs and the client-go source behind them (verbosity.test.ts)

/** What the helpers that read the client-go source need of a claim's context: they record what they read, or skip. */
export type SourceContext = Pick<ClaimContext, 'cluster' | 'record' | 'skip'>;

/**
 * What kubectl get pods requests: the API server, the kubeconfig context's namespace (the `namespace` fixture),
 * kubectl's default --chunk-size from its source (k8s.io/kubectl of the running kubectl's release).
 */
export async function podListExpectation(
  ctx: Pick<ClaimContext, 'cluster' | 'skip'>,
  apiServer: ApiServer,
  namespace: string,
) {
  const chunk = await defaultChunkSize(ctx);
  return { server: apiServer.server, namespace, limit: chunk.size, limitSource: chunk.source };
}

/** client-go's -v 8 body limit, read from rest/request.go of the cluster's client-go. */
export async function bodyLimit(ctx: SourceContext): Promise<number> {
  const m = await moduleOrSkip(ctx, 'client-go');
  const limit = truncationLimit((await sourceLines(m.dir, 'rest/request.go')).join('\n'));
  if (!limit) throw new Error(`${m.path}@${m.version} rest/request.go has no truncateBody with a -v 8 limit`);
  ctx.record(`client-go's -v 8 body limit (${m.path}@${m.version} rest/request.go truncateBody)`, String(limit));
  return limit;
}

export async function knownFeatures(ctx: SourceContext): Promise<Map<string, boolean>> {
  const m = await moduleOrSkip(ctx, 'client-go');
  const known = parseKnownFeatures((await sourceLines(m.dir, 'features/known_features.go')).join('\n'));
  ctx.record(
    `feature gates of ${m.path}@${m.version} features/known_features.go (default)`,
    [...known].map(([g, d]) => `${g}=${d}`).join('\n'),
  );
  return known;
}

/** Every file:line kubectl logs in the article's commands: kubectl version, get pods and proxy, at -v 8. */
export async function loggedSources(k: Kubectl): Promise<SourceReference[]> {
  const version = await k.ok(['version', '-v', '8']);
  const pods = await k.ok(['get', 'pods', '-v', '8']);
  await using proxy = await KubectlProxy.start(k, { extraArgs: ['-v', '8'] });
  await request(`${proxy.url}/version`);
  await proxy.stop();
  return sourceReferences([version.stderr, pods.stderr, proxy.output()].flatMap((t) => parseKlog(t).entries));
}

/** Where each reference is in the modules kubectl is built from, and whether that line logs it. */
export async function judgeReferences(
  ctx: Pick<ClaimContext, 'cluster' | 'skip'>,
  refs: SourceReference[],
): Promise<{ diffs: Differences; table: string[] }> {
  const modules = await Promise.all(KUBECTL_MODULES.map((n) => moduleOrSkip(ctx, n)));
  const diffs: Differences = [];
  const table: string[] = [];
  for (const ref of refs) {
    const hits: string[] = [];
    const candidates: string[] = [];
    for (const m of modules) {
      for (const file of await findFiles(m.dir, ref.file)) {
        candidates.push(`${m.path}/${file}`);
        if (isLogStatement(await sourceLines(m.dir, file), ref))
          hits.push(`${m.path}@${m.version}/${file}:${ref.line}`);
      }
    }
    table.push(
      `${ref.file}:${ref.line} ${JSON.stringify(ref.message.slice(0, 60))} → ${hits.join(', ') || 'no logging statement'}`,
    );
    if (!hits.length)
      diffs.push(
        finding(
          'log-statement',
          `${ref.file}:${ref.line} (${JSON.stringify(ref.message.slice(0, 60))}) is not a statement that logs it in ${candidates.join(', ') || 'any module kubectl is built from'}`,
          {
            expected: `${ref.file}:${ref.line} logs ${JSON.stringify(ref.message.slice(0, 60))}`,
            actual: 'no logging statement',
          },
        ),
      );
  }
  return { diffs, table };
}

/**
 * admin.conf, controller-manager.conf, kubelet.conf, scheduler.conf (and super-admin.conf) parsed on the node; only
 * their structure is recorded.
 */
export async function readNodeKubeconfigs(cluster: ClusterInfo): Promise<Record<string, Kubeconfig>> {
  const names = ETC_KUBERNETES_KUBECONFIGS.filter((n) => n !== 'super-admin.conf');
  const texts = await Promise.all(names.map((n) => kubeadmFileOf(cluster, `${ETC_KUBERNETES}/${n}`)));
  return Object.fromEntries(names.map((n, i) => [n, parseKubeconfig(texts[i]!)]));
}
