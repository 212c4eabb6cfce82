// §3.2 of the article: /etc/kubernetes/admin.conf, its credentials, and the files beside it.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { FRONT_PROXY_CA } from '../node-files.ts';
import { kubeadmFileOf } from '../run-node-files.ts';
import { generateKeyPairSync } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect } from 'vitest';
import {
  contextCredentials,
  inspectCredentials,
  redactedKubeconfig,
  resolveContext,
} from '../../helpers/kubeconfig.ts';
import { nodeExec, nodeExecOk } from '../../helpers/node.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkAdminConf,
  checkAdminCredentials,
  checkEtcKubernetes,
  checkServerIsEndpoint,
  compareWithClientNode,
  ETC_KUBERNETES_KUBECONFIGS,
} from '../checks/apiserver/admin-conf.ts';
import { checkEveryApiServerReached } from '../checks/apiserver/load-balancer.ts';
import { checkVerboseVersionLog, expectedUserAgent } from '../checks/apiserver/version.ts';
import { credentialFreeKubeconfig, withNodeTempDir, writeNodeFile } from '../deviations/apiserver.ts';
import { expectDifference, expectNoDifferences, finding, prefixed, type Differences } from '../differences.ts';
import { apiServersBehind, controlPlaneNodes, onNode } from '../observations.ts';
import {
  ADMIN_CONF,
  adminConfExpectation,
  adminCredentialExpectation,
  endpointExpectation,
  etcKubernetes,
  readAdminConf,
} from './observe.ts';

describe('§3 kube-apiserver', () => {
  describe('§3.2 /etc/kubernetes/admin.conf and its neighbours', () => {
    claim('API-05', async ({ record, note, cluster, kube, apiServer }) => {
      const { text, kc } = await readAdminConf(cluster);
      const expectation = await adminConfExpectation({ cluster, kube, apiServer });
      record(`${ADMIN_CONF} (structure; credentials redacted)`, redactedKubeconfig(kc));
      const endpoint = await endpointExpectation({ cluster, kube });
      record(
        'expected from the cluster (kubeadm-config ClusterConfiguration, node InternalIP, kube-apiserver --secure-port)',
        expectation,
      );
      record(
        "what the server must resolve to (the nodes' InternalIPs; on kind HA, its load balancer container)",
        endpoint,
      );
      if (endpoint.controlPlaneAddresses.length > 1)
        note(
          "admin.conf's server is the node's own address on port 6443",
          `this cluster has ${endpoint.controlPlaneAddresses.length} control planes: admin.conf names the control-plane endpoint ${expectation.server}, ${endpoint.loadBalancerAddresses ? `kind's load balancer (${endpoint.loadBalancerAddresses.join(', ')})` : 'what fronts them'}, which forwards to every API server`,
        );
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
      const resolved = [
        ...new Set(
          (await nodeExec(cluster, ['getent', 'ahosts', host])).stdout
            .split('\n')
            .map((l) => l.split(/\s+/)[0])
            .filter(Boolean),
        ),
      ] as string[];
      record(`getent ahosts ${host} (on the node)`, resolved.join('\n'));
      // As the article runs it: kubectl on the node, with admin.conf, reaches the API server at that server URL.
      const onNode = await nodeExec(cluster, ['env', `KUBECONFIG=${ADMIN_CONF}`, 'kubectl', 'version', '-v', '8']);
      const nodeClient = JSON.parse(await nodeExecOk(cluster, ['kubectl', 'version', '--client', '-o', 'json']))
        .clientVersion as { gitVersion: string; gitCommit: string; platform: string };
      record(`KUBECONFIG=${ADMIN_CONF} kubectl version -v 8 (on the node, stderr)`, onNode.stderr);
      // Several control planes: the endpoint forwards to each API server (told apart by its serving certificate).
      const cps = controlPlaneNodes(cluster).map((n) => n.name);
      const behind = cps.length > 1 ? await apiServersBehind(kube, cps) : undefined;
      if (behind)
        record(
          `API servers reached by ${behind.connections.length} fresh TLS connections to ${cluster.server} (the node named in each serving certificate)`,
          behind.reached.join('\n'),
        );
      expectNoDifferences([
        ...(behind ? checkEveryApiServerReached(behind.connections, cps) : []),
        ...checkAdminConf(kc, expectation),
        ...compareWithClientNode(kc, view),
        ...checkServerIsEndpoint(server, resolved, endpoint),
        ...(onNode.exitCode
          ? [
              finding('node-kubectl-exit', `kubectl on the node exited ${onNode.exitCode}`, {
                expected: 0,
                actual: onNode.exitCode,
              }),
            ]
          : []),
        ...prefixed(
          'kubectl on the node: ',
          checkVerboseVersionLog(onNode.stderr, {
            kubeconfig: ADMIN_CONF,
            server,
            userAgent: expectedUserAgent({
              command: 'kubectl',
              version: nodeClient.gitVersion,
              platform: nodeClient.platform,
              commit: nodeClient.gitCommit,
            }),
            versionBody: await apiServer.serverVersion(),
          }),
        ),
      ]);
    });

    negativeControl(
      'API-05',
      'the live admin.conf with another port and context name',
      'copy',
      async ({ cluster, kube, apiServer }) => {
        // Rewriting admin.conf on the node would change the cluster for everyone: deviate the parsed copy.
        const { kc } = await readAdminConf(cluster);
        const deviated = structuredClone(kc);
        const expectation = await adminConfExpectation({ cluster, kube, apiServer });
        const other = new URL(deviated.clusters![0]!.cluster.server!);
        other.port = String(Number(expectation.port) + 2000);
        deviated.clusters![0]!.cluster.server = other.origin;
        deviated.contexts![0]!.name = 'admin';
        deviated['current-context'] = 'admin';
        const diffs = checkAdminConf(deviated, expectation);
        expect(expectDifference(diffs, 'server').actual).toBe(other.origin);
        expect(expectDifference(diffs, 'server-port').expected).toBe(`https: port ${expectation.port}`);
        expect(expectDifference(diffs, 'current-context').actual).toBe('admin');
      },
    );

    claim('API-06', async ({ record, cluster, apiServer }) => {
      const { kc } = await readAdminConf(cluster);
      const insp = inspectCredentials(contextCredentials(resolveContext(kc)));
      record('admin.conf credentials, decoded (no key material)', insp);
      expectNoDifferences(checkAdminCredentials(insp, await adminCredentialExpectation({ cluster, apiServer })));
    });

    negativeControl(
      'API-06',
      "admin.conf's certificate with the key of another key pair",
      'copy',
      async ({ cluster, apiServer }) => {
        const { kc } = await readAdminConf(cluster);
        const pem = contextCredentials(resolveContext(kc));
        // A fresh key pair, made here and kept in memory only.
        const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString();
        const insp = inspectCredentials({ ...pem, key: other });
        const diffs = checkAdminCredentials(insp, await adminCredentialExpectation({ cluster, apiServer }));
        expectDifference(diffs, 'key-matches-certificate');
      },
    );

    negativeControl(
      'API-06',
      "admin.conf's certificate checked against the cluster's front-proxy CA",
      'copy',
      async ({ cluster, apiServer }) => {
        const { kc } = await readAdminConf(cluster);
        const pem = contextCredentials(resolveContext(kc));
        const frontProxyCa = await kubeadmFileOf(cluster, FRONT_PROXY_CA);
        const insp = inspectCredentials({ ...pem, ca: frontProxyCa });
        const diffs = checkAdminCredentials(insp, await adminCredentialExpectation({ cluster, apiServer }));
        expectDifference(diffs, 'certificate-signed-by-ca');
        expectDifference(diffs, 'ca-fingerprint');
      },
    );

    claim('API-07', async ({ record, note, cluster, apiServer }) => {
      const preferences = apiServer.lineProfile().line.behaviour.kubeconfigPreferences;
      const diffs: Differences = [];
      const holders: string[] = [];
      const cps = controlPlaneNodes(cluster);
      for (const node of cps) {
        const { stats, kubeconfigs, listing, readAt } = await etcKubernetes(onNode(cluster, node), '/etc/kubernetes');
        record(`ls -la /etc/kubernetes (on ${node.name}, the run's observation at ${readAt})`, listing);
        if (stats.some((s) => s.path.endsWith('/super-admin.conf'))) holders.push(node.name);
        // kubeadm writes super-admin.conf on the init node only; where nothing says which node that was, exactly one
        // has it.
        const superAdmin = cluster.initNode
          ? node.name === cluster.initNode
            ? 'present'
            : 'absent'
          : cps.length === 1
            ? 'present'
            : 'either';
        const found = checkEtcKubernetes('/etc/kubernetes', stats, kubeconfigs, preferences, superAdmin);
        diffs.push(...(cps.length > 1 ? prefixed(`${node.name}: `, found) : found));
      }
      if (cps.length > 1) {
        if (!cluster.initNode && holders.length !== 1)
          diffs.push(
            finding(
              'super-admin-nodes',
              `super-admin.conf is on ${holders.length} control-plane nodes (${holders.join(', ') || 'none'}); kubeadm writes it on the one that ran kubeadm init`,
              { expected: 1, actual: holders.length },
            ),
          );
        note(
          '/etc/kubernetes holds admin.conf, controller-manager.conf, kubelet.conf, scheduler.conf and super-admin.conf',
          `on this cluster of ${cps.length} control planes, super-admin.conf is on ${holders.join(', ') || 'no node'}${cluster.initNode ? `, the node that ran kubeadm init (${cluster.initNode})` : ''}: kubeadm join --control-plane writes the other four only`,
        );
      }
      expectNoDifferences(diffs);
    });

    negativeControl(
      'API-07',
      'a staged copy of the layout on the node: scheduler.conf mode 644, no pki/',
      'beside',
      async ({ record, cluster, run }) => {
        // Staged in a run-named folder under /tmp on the node, with credential-free kubeconfigs; removed afterwards.
        await withNodeTempDir({ cluster, run }, 'etc-kubernetes', async (dir) => {
          for (const name of ETC_KUBERNETES_KUBECONFIGS)
            await writeNodeFile(
              cluster,
              `${dir}/${name}`,
              credentialFreeKubeconfig(name),
              name === 'scheduler.conf' ? '644' : '600',
            );
          await nodeExecOk(cluster, ['mkdir', '-m', '755', `${dir}/manifests`]);
          const { stats, kubeconfigs, listing } = await etcKubernetes(cluster, dir);
          record(`ls -la ${dir} (on the node)`, listing);
          const diffs = checkEtcKubernetes(dir, stats, kubeconfigs);
          expect(expectDifference(diffs, 'file-mode').actual).toBe('scheduler.conf: 644');
          expect(expectDifference(diffs, 'dir-present').expected).toBe('pki/');
        });
      },
    );
  });
});
