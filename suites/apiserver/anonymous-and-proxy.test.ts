// §3.3 of the article: anonymous requests, requests with the admin's certificate, and kubectl proxy.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { networkInterfaces } from 'node:os';
import { execa } from 'execa';
import { beforeAll, describe } from 'vitest';
import { anonymous, describeExchange, probeTcp, request } from '../../lib/http.ts';
import { configLoadedFrom, parseKlog } from '../../lib/klog.ts';
import { KubectlProxy } from '../../lib/proxy.ts';
import { claim, negativeControl } from '../claim.ts';
import { checkAnonymousPodListForbidden, checkLoopbackOnly, checkPodListResponse, checkProxyBanner } from '../checks/apiserver/access.ts';
import { withAnonymousPodReader } from '../deviations/apiserver.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import { cluster, kubectl } from '../env.ts';
import { asAdmin, get, hostCredentials } from './fixture.ts';

const PODS_PATH = '/api/v1/namespaces/default/pods?limit=500';

/** Addresses of this host other than 127.0.0.1 on which a proxy must not answer: 127.0.0.2 and the kind network's gateways. */
async function otherAddresses(): Promise<string[]> {
  const out = ['127.0.0.2'];
  const c = cluster();
  if (c.nodeAccess.kind !== 'docker') return out;
  const r = await execa('docker', ['inspect', c.nodeAccess.container, '--format', '{{json .NetworkSettings.Networks}}']);
  const networks = JSON.parse(r.stdout) as Record<string, { Gateway?: string; IPv6Gateway?: string }>;
  // Only addresses of this host's own bridges (a remote Docker's gateway is not ours to probe).
  const local = new Set(Object.values(networkInterfaces()).flat().map((i) => i?.address));
  for (const n of Object.values(networks)) for (const g of [n.Gateway, n.IPv6Gateway]) if (g && local.has(g)) out.push(g);
  return out;
}

// ------------------------------------------------------------------------------------------------------------

describe('§3 kube-apiserver', () => {
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
    }, { timeout: 90_000 });

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
