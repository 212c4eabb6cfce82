// §3.2 of the article: /etc/kubernetes/admin.conf, its credentials, and the files beside it.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { describe } from 'vitest';
import {
  contextCredentials, inspectCredentials, parseKubeconfig, redactedKubeconfig, resolveContext, type Kubeconfig,
} from '../../helpers/kubeconfig.ts';
import { nodeExec, nodeExecOk, readNodeTextFiles } from '../../helpers/node.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkAdminConf, checkAdminCredentials, checkEtcKubernetes, checkServerIsEndpoint, compareWithClientNode,
  ETC_KUBERNETES_DIRS, ETC_KUBERNETES_KUBECONFIGS, expectedAdminConf, parseStat, type AdminConfExpectation, type EndpointExpectation, type StatEntry,
} from '../checks/apiserver/admin-conf.ts';
import { checkVerboseVersionLog, expectedUserAgent } from '../checks/apiserver/version.ts';
import { credentialFreeKubeconfig, withNodeTempDir, writeNodeFile } from '../deviations/apiserver.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import type { ClusterInfo } from '../../contract/cluster.ts';
import type { ClaimFixtures } from '../fixtures.ts';
import type { Live } from '../live.ts';
import { checkEveryApiServerReached } from '../checks/apiserver/load-balancer.ts';
import { parseFlags } from '../checks/etcd/common.ts';
import { apiServersBehind, controlPlaneNodes, internalIps, kindLoadBalancerAddresses, onNode, staticPodCommand } from '../observations.ts';

/** kube-apiserver's --secure-port default (pkg/kubeapiserver/options: SecureServingOptions BindPort 6443), where the flag is not given. */
const KUBE_APISERVER_DEFAULT_SECURE_PORT = '6443';

const ADMIN_CONF = '/etc/kubernetes/admin.conf';

async function nodeAddresses({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<string[]> {
  return (await internalIps(kube)).get(cluster.nodeName) ?? [];
}

/** What admin.conf's server must resolve to, from the nodes and (on kind) the load balancer container. */
async function endpointExpectation({ cluster, kube }: Pick<Live, 'cluster' | 'kube'>): Promise<EndpointExpectation> {
  const ips = await internalIps(kube);
  return {
    controlPlaneAddresses: controlPlaneNodes(cluster).flatMap((n) => ips.get(n.name) ?? []),
    nodeAddresses: [...ips.values()].flat(),
    loadBalancerAddresses: controlPlaneNodes(cluster).length > 1 ? await kindLoadBalancerAddresses(cluster) : undefined,
  };
}

async function readAdminConf(cluster: ClusterInfo): Promise<{ text: string; kc: Kubeconfig }> {
  const text = await nodeExecOk(cluster, ['cat', ADMIN_CONF]);
  return { text, kc: parseKubeconfig(text) };
}

async function adminConfExpectation({ cluster, kube, apiServer }: Pick<ClaimFixtures, 'cluster' | 'kube' | 'apiServer'>): Promise<AdminConfExpectation> {
  const cm = await kube.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' });
  const clusterConfiguration = parse(cm.data?.ClusterConfiguration ?? '{}') as { clusterName?: string; controlPlaneEndpoint?: string };
  const [ip] = await nodeAddresses({ cluster, kube });
  const securePort = parseFlags(await staticPodCommand({ cluster, kube }, 'kube-apiserver')).get('secure-port') ?? KUBE_APISERVER_DEFAULT_SECURE_PORT;
  return { ...expectedAdminConf(clusterConfiguration, ip ?? '', securePort), preferences: apiServer.lineProfile().line.behaviour.kubeconfigPreferences };
}

/** stat and kubeconfig contents of /etc/kubernetes (or a staged copy of it), read on the node. */
async function etcKubernetes(c: ClusterInfo, root: string): Promise<{ stats: StatEntry[]; kubeconfigs: Record<string, Kubeconfig | Error>; listing: string }> {
  const names = [...ETC_KUBERNETES_KUBECONFIGS, ...ETC_KUBERNETES_DIRS];
  // stat exits non-zero when an entry is missing, and still prints the others: the check names what is missing.
  const stats = parseStat((await nodeExec(c, ['stat', '-c', '%a|%F|%n', ...names.map((n) => `${root}/${n}`)])).stdout);
  const files = stats.filter((s) => (ETC_KUBERNETES_KUBECONFIGS as readonly string[]).includes(s.path.slice(root.length + 1)) && s.type.startsWith('regular'));
  // All in one exec; should one not be readable, each on its own, so that the check names the one that is not.
  // reported: read again one by one below, where each failure is the check's difference for that file
  const texts = await readNodeTextFiles(c, files.map((s) => s.path)).catch(() => undefined);
  const kubeconfigs: Record<string, Kubeconfig | Error> = {};
  for (const [i, s] of files.entries()) {
    try {
      kubeconfigs[s.path.slice(root.length + 1)] = parseKubeconfig(texts?.[i] ?? (await nodeExecOk(c, ['cat', s.path])));
    } catch (e) {
      kubeconfigs[s.path.slice(root.length + 1)] = e as Error;
    }
  }
  return { stats, kubeconfigs, listing: await nodeExecOk(c, ['ls', '-la', root]) };
}

// ------------------------------------------------------------------------------------------------------------

describe('§3 kube-apiserver', () => {
  describe('§3.2 /etc/kubernetes/admin.conf and its neighbours', () => {
    claim('API-05', async ({ record, note, cluster, kube, apiServer }) => {
      const { text, kc } = await readAdminConf(cluster);
      const expect = await adminConfExpectation({ cluster, kube, apiServer });
      record(`${ADMIN_CONF} (structure; credentials redacted)`, redactedKubeconfig(kc));
      const endpoint = await endpointExpectation({ cluster, kube });
      record('expected from the cluster (kubeadm-config ClusterConfiguration, node InternalIP, kube-apiserver --secure-port)', expect);
      record('what the server must resolve to (the nodes\' InternalIPs; on kind HA, its load balancer container)', endpoint);
      if (endpoint.controlPlaneAddresses.length > 1) note('admin.conf\'s server is the node\'s own address on port 6443', `this cluster has ${endpoint.controlPlaneAddresses.length} control planes: admin.conf names the control-plane endpoint ${expect.server}, ${endpoint.loadBalancerAddresses ? `kind's load balancer (${endpoint.loadBalancerAddresses.join(', ')})` : 'what fronts them'}, which forwards to every API server`);
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
      const resolved = [...new Set((await nodeExec(cluster, ['getent', 'ahosts', host])).stdout.split('\n').map((l) => l.split(/\s+/)[0]).filter(Boolean))] as string[];
      record(`getent ahosts ${host} (on the node)`, resolved.join('\n'));
      // As the article runs it: kubectl on the node, with admin.conf, reaches the API server at that server URL.
      const onNode = await nodeExec(cluster, ['env', `KUBECONFIG=${ADMIN_CONF}`, 'kubectl', 'version', '-v', '8']);
      const nodeClient = JSON.parse(await nodeExecOk(cluster, ['kubectl', 'version', '--client', '-o', 'json'])).clientVersion as { gitVersion: string; gitCommit: string; platform: string };
      record(`KUBECONFIG=${ADMIN_CONF} kubectl version -v 8 (on the node, stderr)`, onNode.stderr);
      // Several control planes: the endpoint forwards to each API server (told apart by its serving certificate).
      const cps = controlPlaneNodes(cluster).map((n) => n.name);
      const behind = cps.length > 1 ? await apiServersBehind(kube, cps) : undefined;
      if (behind) record(`API servers reached by ${behind.connections.length} fresh TLS connections to ${cluster.server} (the node named in each serving certificate)`, behind.reached.join('\n'));
      expectNoDifferences([
        ...(behind ? checkEveryApiServerReached(behind.connections, cps) : []),
        ...checkAdminConf(kc, expect),
        ...compareWithClientNode(kc, view),
        ...checkServerIsEndpoint(server, resolved, endpoint),
        ...(onNode.exitCode ? [`kubectl on the node exited ${onNode.exitCode}`] : []),
        ...checkVerboseVersionLog(onNode.stderr, {
          kubeconfig: ADMIN_CONF, server, userAgent: expectedUserAgent({ command: 'kubectl', version: nodeClient.gitVersion, platform: nodeClient.platform, commit: nodeClient.gitCommit }), versionBody: await apiServer.serverVersion(),
        }).map((d) => `kubectl on the node: ${d}`),
      ]);
    });

    negativeControl('API-05', 'the live admin.conf with another port and context name', 'copy', async ({ record, cluster, kube, apiServer }) => {
      // Rewriting admin.conf on the node would change the cluster for everyone: deviate the parsed copy.
      const { kc } = await readAdminConf(cluster);
      const deviated = structuredClone(kc);
      const expect = await adminConfExpectation({ cluster, kube, apiServer });
      const other = new URL(deviated.clusters![0]!.cluster.server!);
      other.port = String(Number(expect.port) + 2000);
      deviated.clusters![0]!.cluster.server = other.origin;
      deviated.contexts![0]!.name = 'admin';
      deviated['current-context'] = 'admin';
      const diffs = checkAdminConf(deviated, expect);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `server is "${other.origin}"`);
      expectDifference(diffs, `is not https on port ${expect.port}`);
      expectDifference(diffs, 'current-context is "admin"');
    });

    async function adminCredentialExpectation({ cluster, apiServer }: Pick<ClaimFixtures, 'cluster' | 'apiServer'>) {
      const ca = new X509Certificate(await nodeExecOk(cluster, ['cat', '/etc/kubernetes/pki/ca.crt']));
      return { commonName: 'kubernetes-admin', organization: apiServer.lineProfile().line.behaviour.adminOrganization, clusterCaFingerprint: ca.fingerprint256 };
    }

    claim('API-06', async ({ record, cluster, apiServer }) => {
      const { kc } = await readAdminConf(cluster);
      const insp = inspectCredentials(contextCredentials(resolveContext(kc)));
      record('admin.conf credentials, decoded (no key material)', insp);
      expectNoDifferences(checkAdminCredentials(insp, await adminCredentialExpectation({ cluster, apiServer })));
    });

    negativeControl('API-06', 'admin.conf\'s certificate with the key of another key pair', 'copy', async ({ record, cluster, apiServer }) => {
      const { kc } = await readAdminConf(cluster);
      const pem = contextCredentials(resolveContext(kc));
      // A fresh key pair, made here and kept in memory only.
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const insp = inspectCredentials({ ...pem, key: other });
      const diffs = checkAdminCredentials(insp, await adminCredentialExpectation({ cluster, apiServer }));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'client-key-data does not match the client certificate');
    });

    negativeControl('API-06', 'admin.conf\'s certificate checked against the cluster\'s front-proxy CA', 'live', async ({ record, cluster, apiServer }) => {
      const { kc } = await readAdminConf(cluster);
      const pem = contextCredentials(resolveContext(kc));
      const frontProxyCa = await nodeExecOk(cluster, ['cat', '/etc/kubernetes/pki/front-proxy-ca.crt']);
      const insp = inspectCredentials({ ...pem, ca: frontProxyCa });
      const diffs = checkAdminCredentials(insp, await adminCredentialExpectation({ cluster, apiServer }));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'is not signed by certificate-authority-data');
      expectDifference(diffs, 'is not the cluster CA /etc/kubernetes/pki/ca.crt');
    });

    claim('API-07', async ({ record, note, cluster, apiServer }) => {
      const preferences = apiServer.lineProfile().line.behaviour.kubeconfigPreferences;
      const diffs: string[] = [];
      const holders: string[] = [];
      const cps = controlPlaneNodes(cluster);
      for (const node of cps) {
        const { stats, kubeconfigs, listing } = await etcKubernetes(onNode(cluster, node), '/etc/kubernetes');
        record(`ls -la /etc/kubernetes (on ${node.name})`, listing);
        if (stats.some((s) => s.path.endsWith('/super-admin.conf'))) holders.push(node.name);
        // kubeadm writes super-admin.conf on the init node only; where nothing says which node that was, exactly one has it.
        const superAdmin = cluster.initNode ? (node.name === cluster.initNode ? 'present' : 'absent') : cps.length === 1 ? 'present' : 'either';
        diffs.push(...checkEtcKubernetes('/etc/kubernetes', stats, kubeconfigs, preferences, superAdmin).map((d) => (cps.length > 1 ? `${node.name}: ${d}` : d)));
      }
      if (cps.length > 1) {
        if (!cluster.initNode && holders.length !== 1) diffs.push(`super-admin.conf is on ${holders.length} control-plane nodes (${holders.join(', ') || 'none'}); kubeadm writes it on the one that ran kubeadm init`);
        note('/etc/kubernetes holds admin.conf, controller-manager.conf, kubelet.conf, scheduler.conf and super-admin.conf', `on this cluster of ${cps.length} control planes, super-admin.conf is on ${holders.join(', ') || 'no node'}${cluster.initNode ? `, the node that ran kubeadm init (${cluster.initNode})` : ''}: kubeadm join --control-plane writes the other four only`);
      }
      expectNoDifferences(diffs);
    });

    negativeControl('API-07', 'a staged copy of the layout on the node: scheduler.conf mode 644, no pki/', 'live', async ({ record, cluster, run }) => {
      // Staged in a run-named folder under /tmp on the node, with credential-free kubeconfigs; removed afterwards.
      await withNodeTempDir({ cluster, run }, 'etc-kubernetes', async (dir) => {
        for (const name of ETC_KUBERNETES_KUBECONFIGS) await writeNodeFile(cluster, `${dir}/${name}`, credentialFreeKubeconfig(name), name === 'scheduler.conf' ? '644' : '600');
        await nodeExecOk(cluster, ['mkdir', '-m', '755', `${dir}/manifests`]);
        const { stats, kubeconfigs, listing } = await etcKubernetes(cluster, dir);
        record(`ls -la ${dir} (on the node)`, listing);
        const diffs = checkEtcKubernetes(dir, stats, kubeconfigs);
        record('differences found', diffs.join('\n'));
        expectDifference(diffs, 'scheduler.conf has mode 644, expected 600');
        expectDifference(diffs, 'pki/ missing');
      });
    });
  });
});
