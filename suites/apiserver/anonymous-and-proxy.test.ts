// §3.3 of the article: anonymous requests, requests with the kubeconfig's credentials (the admin's certificate on
// the clusters kube-claims makes), and kubectl proxy.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { describe, expect } from 'vitest';
import { anonymous, describeExchange, probeTcp, request } from '../../helpers/http.ts';
import { configLoadedFrom, parseKlog } from '../../helpers/klog.ts';
import { KubectlProxy } from '../../helpers/proxy.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkAnonymousPodListForbidden,
  checkHostFilter,
  checkLoopbackOnly,
  checkPodListResponse,
  checkProxyBanner,
} from '../checks/apiserver/access.ts';
import { withAnonymousPodReader } from '../deviations/apiserver.ts';
import { expectDifference, expectNoDifferences, finding, NotStaged } from '../differences.ts';
import type { ApiServer } from './fixture.ts';
import { FOREIGN_HOST, hostFilterProbe, otherAddresses, workloadIn } from './observe.ts';

/**
 * §3.3 requests the pods of the namespace kubectl get pods does, the kubeconfig context's: say so where it is not
 * default.
 */
function noteContextNamespace(note: (article: string, cluster: string) => void, namespace: string): void {
  if (namespace !== 'default')
    note(
      'the pod list of namespace default (/api/v1/namespaces/default/pods)',
      `this kubeconfig's context names namespace ${namespace}: kubectl get pods -v 8 requests /api/v1/namespaces/${namespace}/pods, and so do these requests`,
    );
}

const DEFAULT_PROXY = { host: '127.0.0.1', port: 8001 };

// ------------------------------------------------------------------------------------------------------------

describe('§3 kube-apiserver', () => {
  describe('§3.3 anonymous requests and kubectl proxy', () => {
    const anonymousMayListPods = (apiServer: ApiServer) => async () =>
      (await apiServer.get(await apiServer.podListPath(), anonymous())).status === 200;

    claim('API-08', async ({ record, note, apiServer, namespace }) => {
      const PODS_PATH = await apiServer.podListPath();
      const r = await apiServer.get(PODS_PATH, anonymous());
      record(`anonymous GET ${PODS_PATH} (curl -k)`, describeExchange(r));
      noteContextNamespace(note, namespace);
      expectNoDifferences(checkAnonymousPodListForbidden(r, namespace));
    });

    negativeControl(
      'API-08',
      'system:anonymous is granted list on pods (a run-named ClusterRoleBinding)',
      'live',
      async ({ record, kube, run, apiServer, namespace }) => {
        const PODS_PATH = await apiServer.podListPath();
        await withAnonymousPodReader({ kube, run }, anonymousMayListPods(apiServer), async () => {
          const r = await apiServer.get(PODS_PATH, anonymous());
          record(`anonymous GET ${PODS_PATH} while the grant is in force`, describeExchange(r));
          const diffs = checkAnonymousPodListForbidden(r, namespace);
          expect(expectDifference(diffs, 'http-status').actual).toBe('200 OK');
        });
        // The grant is gone again: the claim holds as before.
        expectNoDifferences(
          checkAnonymousPodListForbidden(await apiServer.get(PODS_PATH, anonymous()), namespace),
          'after the clean-up',
        );
      },
      { timeout: 90_000, disruptive: true },
    );

    claim('API-09', async ({ record, note, skip, cluster, apiServer, namespace }) => {
      const PODS_PATH = await apiServer.podListPath();
      const { kinds, description } = await apiServer.credentials();
      // The claim's point is a request with credentials: a user without any, or with basic auth only (which
      // the API server has not accepted since 1.19), cannot show it.
      if (!kinds.length)
        skip(
          `unchecked: the kubeconfig's user holds no credentials (${description}): there is no authenticated request to make`,
        );
      if (kinds.every((k) => k === 'basic'))
        skip(
          `unchecked: the kubeconfig's user holds basic auth only (${description}), which kube-apiserver no longer accepts (removed in 1.19)`,
        );
      // On a cluster kube-claims made, the kubeconfig is kind's: the admin's client certificate, as in the article.
      const as = cluster.madeByKubeClaims ? 'with the admin credentials' : "with the kubeconfig's credentials";
      const r = await apiServer.get(PODS_PATH, apiServer.asKubeconfigUser());
      record(`GET ${PODS_PATH} ${as}: ${description}`, describeExchange(r));
      noteContextNamespace(note, namespace);
      if (!cluster.madeByKubeClaims)
        note(
          'the request is made with the admin credentials',
          `this cluster was not made by kube-claims: the request is made with the kubeconfig's credentials, ${description}`,
        );
      expectNoDifferences(checkPodListResponse(r, `${as} (${description})`, namespace, workloadIn(cluster, namespace)));
    });

    negativeControl(
      'API-09',
      "the same request without the kubeconfig's credentials (server still verified by its CA)",
      'live',
      async ({ record, apiServer }) => {
        const PODS_PATH = await apiServer.podListPath();
        const { kinds, description } = await apiServer.credentials();
        if (!kinds.length)
          throw new NotStaged(
            `the kubeconfig's user holds no credentials (${description}): the request without them is the claim's own`,
          );
        const r = await apiServer.get(PODS_PATH, apiServer.serverCheckOnly());
        record(
          `GET ${PODS_PATH} without credentials (the kubeconfig's user holds ${description})`,
          describeExchange(r),
        );
        const diffs = checkPodListResponse(r, 'without credentials');
        expect(expectDifference(diffs, 'http-status').actual).toMatch(/^403 Forbidden\b/);
      },
    );

    claim('API-10', async ({ record, note, cluster, kubectl: k, apiServer, namespace }) => {
      note(
        'kubectl proxy bypasses authentication (绕过认证)',
        `it does not: the proxy authenticates every request it forwards with the kubeconfig's credentials (here ${(await apiServer.credentials()).description}); what it removes is the need for the caller to present any. The negative control shows the same proxy impersonating system:anonymous gets the 403.`,
      );
      const PODS_PATH = await apiServer.podListPath();
      await using proxy = await KubectlProxy.start(k, { extraArgs: ['-v', '6'] });
      const r = await request(`${proxy.url}${PODS_PATH}`);
      record(`kubectl ${proxy.args.join(' ')}`, proxy.output());
      record(`GET ${proxy.url}${PODS_PATH} (plain HTTP, no credentials)`, describeExchange(r));
      const loaded = configLoadedFrom(parseKlog(proxy.output()).entries);
      expectNoDifferences([
        ...checkProxyBanner(proxy.output(), '127.0.0.1', proxy.port),
        ...(loaded === k.kubeconfig
          ? []
          : [
              finding(
                'proxy-kubeconfig',
                `kubectl proxy loaded ${loaded ?? 'no kubeconfig'}, expected ${k.kubeconfig}`,
                { expected: k.kubeconfig, actual: loaded ?? 'none' },
              ),
            ]),
        ...checkPodListResponse(r, 'through kubectl proxy', namespace, workloadIn(cluster, namespace)),
      ]);
    });

    negativeControl(
      'API-10',
      "kubectl proxy --as=system:anonymous: it forwards without the admin's rights",
      'live',
      async ({ record, kubectl, apiServer }) => {
        const PODS_PATH = await apiServer.podListPath();
        // The proxy still authenticates with the kubeconfig, but impersonates the anonymous user.
        await using proxy = await KubectlProxy.start(kubectl, { extraArgs: ['--as=system:anonymous'] });
        const r = await request(`${proxy.url}${PODS_PATH}`);
        record(`GET ${proxy.url}${PODS_PATH} through kubectl ${proxy.args.join(' ')}`, describeExchange(r));
        const diffs = checkPodListResponse(r, 'through kubectl proxy');
        expect(expectDifference(diffs, 'http-status').actual).toMatch(
          /^403 Forbidden: pods is forbidden: User "system:anonymous"/,
        );
      },
    );

    claim('API-11', async ({ record, cluster, kubectl }) => {
      await using proxy = await KubectlProxy.start(kubectl);
      const own = await probeTcp('127.0.0.1', proxy.port);
      const others = await Promise.all((await otherAddresses(cluster)).map((a) => probeTcp(a, proxy.port)));
      record(`TCP connections to port ${proxy.port} while ${proxy.banner}`, [own, ...others]);
      expectNoDifferences(checkLoopbackOnly(own, others));
    });

    negativeControl(
      'API-11',
      'kubectl proxy --address 0.0.0.0 (every address of this host, for a few seconds)',
      'live',
      async ({ record, cluster, kubectl }) => {
        // The default --accept-hosts stays: TCP connections are accepted, but requests naming another host are refused.
        await using proxy = await KubectlProxy.start(kubectl, { address: '0.0.0.0' });
        const own = await probeTcp('127.0.0.1', proxy.port);
        const others = await Promise.all((await otherAddresses(cluster)).map((a) => probeTcp(a, proxy.port)));
        await proxy.stop();
        record(`TCP connections to port ${proxy.port} while ${proxy.banner}`, [own, ...others]);
        const diffs = checkLoopbackOnly(own, others);
        expect(expectDifference(diffs, 'other-address-refused').actual).toBe(`127.0.0.2:${proxy.port} connected`);
      },
    );

    claim('API-16', async ({ record, skip, kubectl }) => {
      // kubectl proxy's defaults: the claim needs 127.0.0.1:8001 free on this host (nothing of kube-claims uses it
      // otherwise).
      const before = await probeTcp(DEFAULT_PROXY.host, DEFAULT_PROXY.port);
      if (before.outcome !== 'refused')
        skip(
          `unchecked: ${DEFAULT_PROXY.host}:${DEFAULT_PROXY.port} is taken on this host (${before.outcome}), so kubectl proxy's default cannot be observed`,
        );
      await using proxy = await KubectlProxy.start(kubectl, { port: 'default' });
      const { local, foreign } = await hostFilterProbe(proxy);
      record(`kubectl ${proxy.args.join(' ')}`, proxy.output());
      record(
        `GET ${proxy.url}/version with Host ${DEFAULT_PROXY.host}:${DEFAULT_PROXY.port} / with Host ${FOREIGN_HOST}`,
        `${describeExchange(local, 300)}\n\n---\n\n${describeExchange(foreign, 300)}`,
      );
      expectNoDifferences([
        ...checkProxyBanner(proxy.output(), DEFAULT_PROXY.host, DEFAULT_PROXY.port),
        ...checkHostFilter(local, foreign, FOREIGN_HOST),
      ]);
    });

    negativeControl('API-16', "kubectl proxy --accept-hosts='.*' on another port", 'live', async ({ kubectl }) => {
      await using proxy = await KubectlProxy.start(kubectl, { acceptHosts: '.*' });
      const { local, foreign } = await hostFilterProbe(proxy);
      const diffs = [
        ...checkProxyBanner(proxy.output(), DEFAULT_PROXY.host, DEFAULT_PROXY.port),
        ...checkHostFilter(local, foreign, FOREIGN_HOST),
      ];
      expect(expectDifference(diffs, 'foreign-host-status').actual).toBe('200 OK');
      expect(expectDifference(diffs, 'proxy-banner').expected).toBe(
        `Starting to serve on ${DEFAULT_PROXY.host}:${DEFAULT_PROXY.port}`,
      );
    });
  });
});
