// What the §3 suites share: the API server's URL and the run's kubeconfig credentials, and GETs made with them —
// the `apiServer` fixture of suites/fixtures.ts, one per worker (what it reads once holds for the whole run).
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Unobservable } from '../../contract/errors.ts';
import { credentialKinds, describeCredentials, type CredentialKind } from '../../helpers/credentials.ts';
import { asKubeconfigUser, jsonBody, request, type HttpAuth, type HttpResponse } from '../../helpers/http.ts';
import { parseKubeconfig, resolveContext } from '../../helpers/kubeconfig.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';
import { profileFor } from '../../contract/lines.ts';
import { loggedExchanges, parseKlog } from '../../helpers/klog.ts';
import { observedPodListPath } from '../checks/apiserver/verbosity.ts';
import type { Live } from '../live.ts';
import { reading } from '../../helpers/touches.ts';

export class ApiServer {
  /** https://HOST:PORT of the API server, from the run's kubeconfig. */
  readonly server: string;
  private readonly live: Pick<Live, 'cluster' | 'kube' | 'kubectl'>;
  // Observations, gathered live on first use. Credentials stay in client-node's KubeConfig and never reach evidence.
  private user?: Promise<{ kinds: CredentialKind[]; description: string }>;
  private podList?: Promise<string>;

  constructor(live: Pick<Live, 'cluster' | 'kube' | 'kubectl'>) {
    this.live = live;
    this.server = live.kube.server.replace(/\/+$/, '');
  }

  /** Which credentials the kubeconfig's user holds (helpers/credentials.ts), without the secrets: for evidence. */
  credentials(): Promise<{ kinds: CredentialKind[]; description: string }> {
    const { cluster } = this.live;
    this.user ??= readFile(cluster.kubeconfig, 'utf8').then((text) => {
      const { user } = resolveContext(parseKubeconfig(text), cluster.context);
      return { kinds: credentialKinds(user), description: describeCredentials(user, dirname(cluster.kubeconfig)) };
    });
    return this.user;
  }

  /** As the kubeconfig's user, with its credentials of whatever kind (client certificate, token, exec plugin, …). */
  asKubeconfigUser(): HttpAuth {
    return asKubeconfigUser(this.live.kube.kc);
  }

  /** The kubeconfig's check of the server (its CA), without any credentials. */
  serverCheckOnly(): HttpAuth {
    return { kind: 'kubeconfig-server-only', kc: this.live.kube.kc };
  }

  /** GET on the API server, like `curl` (-k when anonymous). */
  async get(path: string, auth: HttpAuth): Promise<HttpResponse> {
    if (auth.kind.startsWith('anonymous') && path.startsWith('/version')) reading('anonymous-version');
    return request(`${this.server}${path}`, { auth });
  }

  async serverVersion(): Promise<Record<string, unknown>> {
    const r = await this.get('/version?timeout=32s', this.asKubeconfigUser());
    if (r.status !== 200)
      throw new Unobservable(
        `GET ${r.url} as the kubeconfig's user`,
        `${r.status} ${r.statusText}: ${r.body.slice(0, 200)}`,
      );
    const body = jsonBody<Record<string, unknown>>(r);
    if (!body || typeof body !== 'object')
      throw new Error(`GET ${r.url} answered 200 with a body that is not a JSON object: ${r.body.slice(0, 200)}`);
    return body;
  }

  /**
   * The version the cluster is expected to run, from the configuration: the version the run asked for (the
   * offline build of a line, the upstream image's release, --kubernetes with an existing cluster), else the
   * version kubeadm was asked to install (kubeadm-config's ClusterConfiguration.kubernetesVersion). Never the
   * server's own answer.
   */
  async expectedVersion(): Promise<{ version: string; source: string }> {
    const { cluster, kube } = this.live;
    if (cluster.requestedVersion)
      return { version: cluster.requestedVersion, source: 'the version kube-claims was asked to run' };
    const cm = await kube.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' });
    const version = /kubernetesVersion:\s*(\S+)/.exec(cm.data?.ClusterConfiguration ?? '')?.[1];
    if (!version) throw new Error('no version was asked for (--kubernetes) and kubeadm-config names none');
    return {
      version,
      source: 'kube-system/kubeadm-config ClusterConfiguration.kubernetesVersion (what kubeadm was asked to install)',
    };
  }

  /**
   * The API server's command line, from its static pod in kube-system (kubeadm's kube-apiserver-NODE), with
   * where it was read; undefined where there is no such pod (not a kubeadm control plane).
   */
  async ownArgs(): Promise<{ args: string[]; source: string } | undefined> {
    const { cluster, kube } = this.live;
    const name = `kube-apiserver-${cluster.nodeName}`;
    // absent is the truth: a 404 means no such static pod (not a kubeadm control plane); a refusal is rethrown
    const pod = await unlessNotFound(kube.core.readNamespacedPod({ namespace: 'kube-system', name }));
    const container = pod?.spec?.containers.find((c) => c.name === 'kube-apiserver');
    if (!container) return undefined;
    return {
      args: [...(container.command ?? []), ...(container.args ?? [])],
      source: `the command line of kube-system/${name}`,
    };
  }

  /** The line profile of the cluster's version (contract/lines.ts). */
  lineProfile() {
    return profileFor(this.live.cluster.serverVersion);
  }

  /** The path and query kubectl get pods -v 8 requests (§3.3's premise): the §3.3 claims request what was observed. */
  podListPath(): Promise<string> {
    this.podList ??= this.live.kubectl.ok(['get', 'pods', '-v', '8']).then((r) => {
      const path = observedPodListPath(loggedExchanges(parseKlog(r.stderr).entries));
      if (!path) throw new Error('kubectl get pods -v 8 logged no pod list request');
      return path;
    });
    return this.podList;
  }
}
