// §3 of the article: kube-apiserver as kubectl, curl and kubectl proxy see it.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
import { FlowcontrolApiserverV1Api, KubeConfig } from '@kubernetes/client-node';
import { execa } from 'execa';
import { parse } from 'yaml';
import { beforeAll, describe } from 'vitest';
import {
  anonymous, clientCertificate, describeExchange, jsonBody, probeTcp, request, type HttpAuth, type HttpResponse,
} from '../helpers/http.ts';
import {
  contextCredentials, inspectCredentials, parseKubeconfig, redactedKubeconfig, resolveContext, type Kubeconfig, type PemCredentials,
} from '../helpers/kubeconfig.ts';
import { configLoadedFrom, parseKlog } from '../helpers/klog.ts';
import { nodeExec, nodeExecOk } from '../helpers/node.ts';
import { KubectlProxy } from '../helpers/proxy.ts';
import type { Kubectl } from '../helpers/kubectl.ts';
import { claim, negativeControl } from './claim.ts';
import {
  adminOrganization, checkAdminConf, checkAdminCredentials, checkAnonymousPodListForbidden, checkAnonymousVersion,
  checkEtcKubernetes, checkKubectlVersionOutput, checkLoopbackOnly, checkPodListResponse, checkProxyBanner,
  checkPublicInfoViewer, checkServerIsNode, checkVerboseVersionLog, checkVersionInfo, compareVersionBodies,
  compareWithClientNode, ETC_KUBERNETES_DIRS, ETC_KUBERNETES_KUBECONFIGS, expectedAdminConf, expectedUserAgent, parseStat,
  type AdminConfExpectation, type ClientVersion, type StatEntry, type VerboseVersionExpectation,
} from './checks/apiserver.ts';
import {
  credentialFreeKubeconfig, removeStaleAnonymousPodReaders, withAnonymousPodReader, withNodeTempDir,
  withoutApfHeaders, writeNodeFile,
} from './deviations/apiserver.ts';
import { expectDifference, expectNoDifferences } from './differences.ts';
import { cluster, kube, kubectl } from './env.ts';

const PODS_PATH = '/api/v1/namespaces/default/pods?limit=500';
const ADMIN_CONF = '/etc/kubernetes/admin.conf';

/** https://HOST:PORT of the API server, from the run's kubeconfig. */
const server = () => kube().server.replace(/\/+$/, '');

// ------------------------------------------------------------------------------------------------------------
// Observations, gathered live. Credentials stay in memory and never reach evidence.

let hostCreds: Promise<PemCredentials> | undefined;
function hostCredentials(): Promise<PemCredentials> {
  hostCreds ??= readFile(cluster().kubeconfig, 'utf8').then((text) => contextCredentials(resolveContext(parseKubeconfig(text), cluster().context)));
  return hostCreds;
}

async function asAdmin(): Promise<HttpAuth> {
  return clientCertificate(await hostCredentials());
}

/** GET on the API server, like `curl` (-k when anonymous). */
async function get(path: string, auth: HttpAuth): Promise<HttpResponse> {
  return request(`${server()}${path}`, { auth });
}

async function serverVersion(): Promise<Record<string, unknown>> {
  const r = await get('/version?timeout=32s', await asAdmin());
  if (r.status !== 200) throw new Error(`authenticated GET /version answered ${r.status}: ${r.body.slice(0, 200)}`);
  return jsonBody<Record<string, unknown>>(r)!;
}

async function clientVersion(k: Kubectl): Promise<ClientVersion & { kustomizeVersion: string }> {
  const v = await k.json<{ clientVersion: ClientVersion; kustomizeVersion: string }>(['version', '--client']);
  return { ...v.clientVersion, kustomizeVersion: v.kustomizeVersion };
}

async function apfObjects(): Promise<Pick<VerboseVersionExpectation, 'flowSchemas' | 'priorityLevels'>> {
  const fc = kube().make(FlowcontrolApiserverV1Api);
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
async function nodePlatform(): Promise<string> {
  const info = (await kube().core.readNode({ name: cluster().nodeName })).status?.nodeInfo;
  return `${info?.operatingSystem}/${info?.architecture}`;
}

async function nodeAddresses(): Promise<string[]> {
  const node = await kube().core.readNode({ name: cluster().nodeName });
  return (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
}

async function readAdminConf(): Promise<{ text: string; kc: Kubeconfig }> {
  const text = await nodeExecOk(cluster(), ['cat', ADMIN_CONF]);
  return { text, kc: parseKubeconfig(text) };
}

async function adminConfExpectation(): Promise<AdminConfExpectation> {
  const cm = await kube().core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' });
  const clusterConfiguration = parse(cm.data?.ClusterConfiguration ?? '{}') as { clusterName?: string; controlPlaneEndpoint?: string };
  const [ip] = await nodeAddresses();
  return expectedAdminConf(clusterConfiguration, ip ?? '');
}

/** stat and kubeconfig contents of /etc/kubernetes (or a staged copy of it), read on the node. */
async function etcKubernetes(root: string): Promise<{ stats: StatEntry[]; kubeconfigs: Record<string, Kubeconfig | Error>; listing: string }> {
  const c = cluster();
  const names = [...ETC_KUBERNETES_KUBECONFIGS, ...ETC_KUBERNETES_DIRS];
  // stat exits non-zero when an entry is missing, and still prints the others: the check names what is missing.
  const stats = parseStat((await nodeExec(c, ['stat', '-c', '%a|%F|%n', ...names.map((n) => `${root}/${n}`)])).stdout);
  const kubeconfigs: Record<string, Kubeconfig | Error> = {};
  for (const s of stats) {
    const name = s.path.slice(root.length + 1);
    if (!(ETC_KUBERNETES_KUBECONFIGS as readonly string[]).includes(name) || !s.type.startsWith('regular')) continue;
    try {
      kubeconfigs[name] = parseKubeconfig(await nodeExecOk(c, ['cat', s.path]));
    } catch (e) {
      kubeconfigs[name] = e as Error;
    }
  }
  return { stats, kubeconfigs, listing: await nodeExecOk(c, ['ls', '-la', root]) };
}

/** Addresses of this host other than 127.0.0.1 on which a proxy must not answer: 127.0.0.2 and the kind network's gateways. */
async function otherAddresses(): Promise<string[]> {
  const out = ['127.0.0.2'];
  const c = cluster();
  if (!c.nodeContainer) return out;
  const r = await execa('docker', ['inspect', c.nodeContainer, '--format', '{{json .NetworkSettings.Networks}}']);
  const networks = JSON.parse(r.stdout) as Record<string, { Gateway?: string; IPv6Gateway?: string }>;
  // Only addresses of this host's own bridges (a remote Docker's gateway is not ours to probe).
  const local = new Set(Object.values(networkInterfaces()).flat().map((i) => i?.address));
  for (const n of Object.values(networks)) for (const g of [n.Gateway, n.IPv6Gateway]) if (g && local.has(g)) out.push(g);
  return out;
}

// ------------------------------------------------------------------------------------------------------------

describe('§3 kube-apiserver', () => {
  beforeAll(async () => {
    // A negative control killed before its clean-up ran would leave anonymous users allowed to list pods.
    await removeStaleAnonymousPodReaders();
  });

  describe('§3.1 kubectl version', () => {
    async function verboseExpectation(k: Kubectl): Promise<VerboseVersionExpectation> {
      const [client, versionBody, apf] = await Promise.all([clientVersion(k), serverVersion(), apfObjects()]);
      return { kubeconfig: k.kubeconfig, server: server(), userAgent: expectedUserAgent(client), versionBody, ...apf };
    }

    claim('API-01', async ({ record }) => {
      const k = await kubectl();
      const expectation = await verboseExpectation(k);
      const r = await k.run(['version', '-v', '8']);
      record('kubectl version -v 8 (stderr)', r.stderr);
      record('API Priority and Fairness objects named by the response headers', apfNames(r.stderr, expectation));
      expectNoDifferences([...(r.exitCode ? [`kubectl exited ${r.exitCode}`] : []), ...checkVerboseVersionLog(r.stderr, expectation)]);
    });

    negativeControl('API-01', 'kubectl version at -v 6 logs no headers', async ({ record }) => {
      const k = await kubectl();
      const r = await k.ok(['version', '-v', '6']);
      record('kubectl version -v 6 (stderr)', r.stderr);
      const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(k));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'request header Accept is absent');
      expectDifference(diffs, 'response header Audit-Id is absent');
    });

    negativeControl('API-01', 'kubectl version --request-timeout=5s asks /version?timeout=5s', async ({ record }) => {
      const k = await kubectl();
      const r = await k.ok(['version', '-v', '8', '--request-timeout=5s']);
      const diffs = checkVerboseVersionLog(r.stderr, await verboseExpectation(k));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /no GET \S+\/version\?timeout=32s logged \(logged: GET \S+\/version\?timeout=5s\)/);
    });

    negativeControl('API-01', 'the live log without the API Priority and Fairness headers', async ({ record }) => {
      // APF cannot be switched off without restarting the API server: deviate the live log instead.
      const k = await kubectl();
      const r = await k.ok(['version', '-v', '8']);
      const diffs = checkVerboseVersionLog(withoutApfHeaders(r.stderr), await verboseExpectation(k));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'response header X-Kubernetes-Pf-Flowschema-Uid is absent');
      expectDifference(diffs, 'response header X-Kubernetes-Pf-Prioritylevel-Uid is absent');
    });

    claim('API-02', async ({ record }) => {
      const k = await kubectl();
      const r = await k.ok(['version']);
      record('kubectl version', r.stdout);
      const { kustomizeVersion } = await clientVersion(k);
      expectNoDifferences(checkKubectlVersionOutput(r.stdout, { clusterVersion: cluster().kubernetesVersion, kustomizeVersion }));
    });

    negativeControl('API-02', 'kubectl version --client does not ask the server', async ({ record }) => {
      const k = await kubectl();
      const r = await k.ok(['version', '--client']);
      record('kubectl version --client', r.stdout);
      const diffs = checkKubectlVersionOutput(r.stdout, { clusterVersion: cluster().kubernetesVersion });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'no "Server Version:" line');
    });

    negativeControl('API-02', 'the live output with a server one minor behind', async ({ record }) => {
      const k = await kubectl();
      const live = (await k.ok(['version'])).stdout;
      const deviated = live.replace(/^(Server Version: v\d+\.)(\d+)/m, (_m, p: string, minor: string) => `${p}${Number(minor) - 1}`);
      const diffs = checkKubectlVersionOutput(deviated, { clusterVersion: cluster().kubernetesVersion });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /Server Version is v\d+\.\d+\.\d+\S*, expected the cluster's/);
    });

    claim('API-03', async ({ record }) => {
      const body = await serverVersion();
      const viaClient = await kube().version.getCode();
      record('GET /version?timeout=32s', body);
      const expect = { gitVersion: cluster().kubernetesVersion, platform: await nodePlatform() };
      expectNoDifferences([
        ...checkVersionInfo(body, expect),
        ...compareVersionBodies(body, JSON.parse(JSON.stringify(viaClient)), 'GET /version', '@kubernetes/client-node VersionApi.getCode()'),
      ]);
    });

    negativeControl('API-03', 'the live /version with inconsistent fields', async ({ record }) => {
      // A differently built API server cannot be swapped in: deviate the live body.
      const body = await serverVersion();
      const deviated = { ...body, minCompatibilityMinor: body.minor, gitTreeState: 'dirty', buildDate: 'Tue Jul 15 2025', platform: 'linux/s390x' };
      const diffs = checkVersionInfo(deviated, { gitVersion: cluster().kubernetesVersion, platform: await nodePlatform() });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'minCompatibilityMinor is');
      expectDifference(diffs, 'gitTreeState is dirty');
      expectDifference(diffs, 'buildDate Tue Jul 15 2025 is not an RFC 3339 UTC time');
      expectDifference(diffs, 'platform is linux/s390x');
    });

    claim('API-04', async ({ record }) => {
      const anon = await get('/version?timeout=32s', anonymous());
      record('anonymous GET /version?timeout=32s (no credentials, no certificate check)', describeExchange(anon));
      const binding = await kube().rbac.readClusterRoleBinding({ name: 'system:public-info-viewer' });
      const role = await kube().rbac.readClusterRole({ name: 'system:public-info-viewer' });
      record('ClusterRoleBinding and ClusterRole system:public-info-viewer', { roleRef: binding.roleRef, subjects: binding.subjects, rules: role.rules });
      expectNoDifferences([...checkAnonymousVersion(anon, await serverVersion()), ...checkPublicInfoViewer(binding, role)]);
    });

    negativeControl('API-04', 'anonymous GET of a path anonymous users may not read (/api/v1/namespaces)', async ({ record }) => {
      const anon = await get('/api/v1/namespaces', anonymous());
      record('anonymous GET /api/v1/namespaces', describeExchange(anon));
      const diffs = checkAnonymousVersion(anon, await serverVersion());
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /anonymous GET \/api\/v1\/namespaces answered 403 Forbidden, expected 200/);
    });

    negativeControl('API-04', 'the live public-info-viewer binding without group system:unauthenticated', async ({ record }) => {
      // Unbinding it on the live cluster would break other users' health checks: deviate a copy.
      const binding = await kube().rbac.readClusterRoleBinding({ name: 'system:public-info-viewer' });
      const role = await kube().rbac.readClusterRole({ name: 'system:public-info-viewer' });
      const deviated = { ...binding, subjects: (binding.subjects ?? []).filter((s) => s.name !== 'system:unauthenticated') };
      const diffs = checkPublicInfoViewer(deviated, role);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'does not bind group system:unauthenticated');
    });
  });

  describe('§3.2 /etc/kubernetes/admin.conf and its neighbours', () => {
    claim('API-05', async ({ record }) => {
      const { text, kc } = await readAdminConf();
      const expect = await adminConfExpectation();
      record(`${ADMIN_CONF} (structure; credentials redacted)`, redactedKubeconfig(kc));
      record('expected from the cluster (kubeadm-config ClusterConfiguration, node InternalIP)', expect);
      const loaded = new KubeConfig();
      loaded.loadFromString(text);
      const view = {
        clusters: loaded.getClusters().map((c) => ({ name: c.name, server: c.server })),
        contexts: loaded.getContexts().map((c) => ({ name: c.name, cluster: c.cluster, user: c.user })),
        users: loaded.getUsers().map((u) => ({ name: u.name })),
        currentContext: loaded.getCurrentContext(),
      };
      const server = kc.clusters?.[0]?.cluster?.server ?? '';
      const host = URL.canParse(server) ? new URL(server).hostname.replace(/^\[|\]$/g, '') : '';
      const resolved = [...new Set((await nodeExec(cluster(), ['getent', 'ahosts', host])).stdout.split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean))] as string[];
      record(`getent ahosts ${host} (on the node)`, resolved.join('\n'));
      // As the article runs it: kubectl on the node, with admin.conf, reaches the API server at that server URL.
      const onNode = await nodeExec(cluster(), ['env', `KUBECONFIG=${ADMIN_CONF}`, 'kubectl', 'version', '-v', '8']);
      const nodeClient = JSON.parse(await nodeExecOk(cluster(), ['kubectl', 'version', '--client', '-o', 'json'])).clientVersion as ClientVersion;
      record(`KUBECONFIG=${ADMIN_CONF} kubectl version -v 8 (on the node, stderr)`, onNode.stderr);
      expectNoDifferences([
        ...checkAdminConf(kc, expect),
        ...compareWithClientNode(kc, view),
        ...checkServerIsNode(server, resolved, await nodeAddresses()),
        ...(onNode.exitCode ? [`kubectl on the node exited ${onNode.exitCode}`] : []),
        ...checkVerboseVersionLog(onNode.stderr, {
          kubeconfig: ADMIN_CONF, server, userAgent: expectedUserAgent(nodeClient), versionBody: await serverVersion(),
        }).map((d) => `kubectl on the node: ${d}`),
      ]);
    });

    negativeControl('API-05', 'the live admin.conf with another port and context name', async ({ record }) => {
      // Rewriting admin.conf on the node would change the cluster for everyone: deviate the parsed copy.
      const { kc } = await readAdminConf();
      const deviated = structuredClone(kc);
      deviated.clusters![0]!.cluster.server = deviated.clusters![0]!.cluster.server!.replace(/:6443$/, ':8443');
      deviated.contexts![0]!.name = 'admin';
      deviated['current-context'] = 'admin';
      const diffs = checkAdminConf(deviated, await adminConfExpectation());
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /server is "https:\/\/\S+:8443"/);
      expectDifference(diffs, 'is not https on port 6443');
      expectDifference(diffs, 'current-context is "admin"');
    });

    async function adminCredentialExpectation() {
      const ca = new X509Certificate(await nodeExecOk(cluster(), ['cat', '/etc/kubernetes/pki/ca.crt']));
      const minor = Number(/^v\d+\.(\d+)/.exec(cluster().kubernetesVersion)?.[1] ?? 0);
      return { commonName: 'kubernetes-admin', organization: adminOrganization(minor), clusterCaFingerprint: ca.fingerprint256 };
    }

    claim('API-06', async ({ record }) => {
      const { kc } = await readAdminConf();
      const insp = inspectCredentials(contextCredentials(resolveContext(kc)));
      record('admin.conf credentials, decoded (no key material)', insp);
      expectNoDifferences(checkAdminCredentials(insp, await adminCredentialExpectation()));
    });

    negativeControl('API-06', 'admin.conf\'s certificate with the key of another key pair', async ({ record }) => {
      const { kc } = await readAdminConf();
      const pem = contextCredentials(resolveContext(kc));
      // A fresh key pair, made here and kept in memory only.
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const insp = inspectCredentials({ ...pem, key: other });
      const diffs = checkAdminCredentials(insp, await adminCredentialExpectation());
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'client-key-data does not match the client certificate');
    });

    negativeControl('API-06', 'admin.conf\'s certificate checked against the cluster\'s front-proxy CA', async ({ record }) => {
      const { kc } = await readAdminConf();
      const pem = contextCredentials(resolveContext(kc));
      const frontProxyCa = await nodeExecOk(cluster(), ['cat', '/etc/kubernetes/pki/front-proxy-ca.crt']);
      const insp = inspectCredentials({ ...pem, ca: frontProxyCa });
      const diffs = checkAdminCredentials(insp, await adminCredentialExpectation());
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'is not signed by certificate-authority-data');
      expectDifference(diffs, 'is not the cluster CA /etc/kubernetes/pki/ca.crt');
    });

    claim('API-07', async ({ record }) => {
      const { stats, kubeconfigs, listing } = await etcKubernetes('/etc/kubernetes');
      record('ls -la /etc/kubernetes (on the node)', listing);
      record('stat -c %a|%F|%n', stats.map((s) => `${s.mode} ${s.type} ${s.path}`).join('\n'));
      expectNoDifferences(checkEtcKubernetes('/etc/kubernetes', stats, kubeconfigs));
    });

    negativeControl('API-07', 'a staged copy of the layout on the node: scheduler.conf mode 644, no pki/', async ({ record }) => {
      // Staged in a run-named folder under /tmp on the node, with credential-free kubeconfigs; removed afterwards.
      await withNodeTempDir('etc-kubernetes', async (dir) => {
        for (const name of ETC_KUBERNETES_KUBECONFIGS) await writeNodeFile(`${dir}/${name}`, credentialFreeKubeconfig(name), name === 'scheduler.conf' ? '644' : '600');
        await nodeExecOk(cluster(), ['mkdir', '-m', '755', `${dir}/manifests`]);
        const { stats, kubeconfigs, listing } = await etcKubernetes(dir);
        record(`ls -la ${dir} (on the node)`, listing);
        const diffs = checkEtcKubernetes(dir, stats, kubeconfigs);
        record('differences found', diffs.join('\n'));
        expectDifference(diffs, 'scheduler.conf has mode 644, expected 600');
        expectDifference(diffs, 'pki/ missing');
      });
    });
  });

  describe('§3.3 anonymous requests and kubectl proxy', () => {
    const anonymousMayListPods = async () => (await get(PODS_PATH, anonymous())).status === 200;

    claim('API-08', async ({ record }) => {
      const r = await get(PODS_PATH, anonymous());
      record(`anonymous GET ${PODS_PATH} (curl -k)`, describeExchange(r));
      expectNoDifferences(checkAnonymousPodListForbidden(r, 'default'));
    });

    negativeControl('API-08', 'system:anonymous is granted list on pods (a run-named ClusterRoleBinding)', async ({ record }) => {
      await withAnonymousPodReader(anonymousMayListPods, async () => {
        const r = await get(PODS_PATH, anonymous());
        record(`anonymous GET ${PODS_PATH} while the grant is in force`, describeExchange(r));
        const diffs = checkAnonymousPodListForbidden(r, 'default');
        record('differences found', diffs.join('\n'));
        expectDifference(diffs, 'expected 403, got 200 OK');
      });
      // The grant is gone again: the claim holds as before.
      expectNoDifferences(checkAnonymousPodListForbidden(await get(PODS_PATH, anonymous()), 'default'), 'after the clean-up');
    }, 90_000);

    claim('API-09', async ({ record }) => {
      const r = await get(PODS_PATH, await asAdmin());
      record(`GET ${PODS_PATH} with the kubeconfig's client certificate`, describeExchange(r));
      expectNoDifferences(checkPodListResponse(r, 'with the admin client certificate'));
    });

    negativeControl('API-09', 'the same request without the client certificate (server still verified by the CA)', async ({ record }) => {
      const { ca } = await hostCredentials();
      const r = await get(PODS_PATH, { kind: 'anonymous-verified', ca: ca! });
      record(`GET ${PODS_PATH} without a client certificate`, describeExchange(r));
      const diffs = checkPodListResponse(r, 'without a client certificate');
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'expected 200, got 403 Forbidden');
    });

    claim('API-10', async ({ record }) => {
      const k = await kubectl();
      await using proxy = await KubectlProxy.start(k, { extraArgs: ['-v', '6'] });
      const r = await request(`${proxy.url}${PODS_PATH}`);
      record(`kubectl ${proxy.args.join(' ')}`, proxy.output());
      record(`GET ${proxy.url}${PODS_PATH} (plain HTTP, no credentials)`, describeExchange(r));
      const loaded = configLoadedFrom(parseKlog(proxy.output()).entries);
      expectNoDifferences([
        ...checkProxyBanner(proxy.output(), '127.0.0.1', proxy.port),
        ...(loaded === k.kubeconfig ? [] : [`kubectl proxy loaded ${loaded ?? 'no kubeconfig'}, expected ${k.kubeconfig}`]),
        ...checkPodListResponse(r, 'through kubectl proxy'),
      ]);
    });

    negativeControl('API-10', 'kubectl proxy --as=system:anonymous: it forwards without the admin\'s rights', async ({ record }) => {
      // The proxy still authenticates with the kubeconfig, but impersonates the anonymous user.
      await using proxy = await KubectlProxy.start(await kubectl(), { extraArgs: ['--as=system:anonymous'] });
      const r = await request(`${proxy.url}${PODS_PATH}`);
      record(`GET ${proxy.url}${PODS_PATH} through kubectl ${proxy.args.join(' ')}`, describeExchange(r));
      const diffs = checkPodListResponse(r, 'through kubectl proxy');
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, /expected 200, got 403 Forbidden: pods is forbidden: User "system:anonymous"/);
    });

    claim('API-11', async ({ record }) => {
      await using proxy = await KubectlProxy.start(await kubectl());
      const own = await probeTcp('127.0.0.1', proxy.port);
      const others = await Promise.all((await otherAddresses()).map((a) => probeTcp(a, proxy.port)));
      record(`TCP connections to port ${proxy.port} while ${proxy.banner}`, [own, ...others]);
      expectNoDifferences(checkLoopbackOnly(own, others));
    });

    negativeControl('API-11', 'kubectl proxy --address 0.0.0.0 (every address of this host, for a few seconds)', async ({ record }) => {
      // The default --accept-hosts stays: TCP connections are accepted, but requests naming another host are refused.
      await using proxy = await KubectlProxy.start(await kubectl(), { address: '0.0.0.0' });
      const own = await probeTcp('127.0.0.1', proxy.port);
      const others = await Promise.all((await otherAddresses()).map((a) => probeTcp(a, proxy.port)));
      await proxy.stop();
      record(`TCP connections to port ${proxy.port} while ${proxy.banner}`, [own, ...others]);
      const diffs = checkLoopbackOnly(own, others);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `127.0.0.2:${proxy.port} accepted a connection`);
    });
  });
});
