// What the §3 suites share: the API server's URL and the run's admin credentials, and GETs made with them —
// the `apiServer` fixture of suites/fixtures.ts, one per worker (what it reads once holds for the whole run).
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { readFile } from 'node:fs/promises';
import { clientCertificate, jsonBody, request, type HttpAuth, type HttpResponse } from '../../helpers/http.ts';
import { contextCredentials, parseKubeconfig, resolveContext, type PemCredentials } from '../../helpers/kubeconfig.ts';
import { profileFor } from '../../contract/lines.ts';
import { loggedExchanges, parseKlog } from '../../helpers/klog.ts';
import { observedPodListPath } from '../checks/apiserver/verbosity.ts';
import type { Live } from '../live.ts';

export class ApiServer {
  /** https://HOST:PORT of the API server, from the run's kubeconfig. */
  readonly server: string;
  private readonly live: Pick<Live, 'cluster' | 'kube' | 'kubectl'>;
  // Observations, gathered live on first use. Credentials stay in memory and never reach evidence.
  private hostCreds?: Promise<PemCredentials>;
  private podList?: Promise<string>;

  constructor(live: Pick<Live, 'cluster' | 'kube' | 'kubectl'>) {
    this.live = live;
    this.server = live.kube.server.replace(/\/+$/, '');
  }

  hostCredentials(): Promise<PemCredentials> {
    const { cluster } = this.live;
    this.hostCreds ??= readFile(cluster.kubeconfig, 'utf8').then((text) => contextCredentials(resolveContext(parseKubeconfig(text), cluster.context)));
    return this.hostCreds;
  }

  async asAdmin(): Promise<HttpAuth> {
    return clientCertificate(await this.hostCredentials());
  }

  /** GET on the API server, like `curl` (-k when anonymous). */
  async get(path: string, auth: HttpAuth): Promise<HttpResponse> {
    return request(`${this.server}${path}`, { auth });
  }

  async serverVersion(): Promise<Record<string, unknown>> {
    const r = await this.get('/version?timeout=32s', await this.asAdmin());
    if (r.status !== 200) throw new Error(`authenticated GET /version answered ${r.status}: ${r.body.slice(0, 200)}`);
    return jsonBody<Record<string, unknown>>(r)!;
  }

  /**
   * The version the cluster is expected to run, from the configuration: the version the run asked for (the
   * offline build of a line, the upstream image's release, --kubernetes with an existing cluster), else the
   * version kubeadm was asked to install (kubeadm-config's ClusterConfiguration.kubernetesVersion). Never the
   * server's own answer.
   */
  async expectedVersion(): Promise<{ version: string; source: string }> {
    const { cluster, kube } = this.live;
    if (cluster.requestedVersion) return { version: cluster.requestedVersion, source: 'the version kube-claims was asked to run' };
    const cm = await kube.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' });
    const version = /kubernetesVersion:\s*(\S+)/.exec(cm.data?.ClusterConfiguration ?? '')?.[1];
    if (!version) throw new Error('no version was asked for (--kubernetes) and kubeadm-config names none');
    return { version, source: 'kube-system/kubeadm-config ClusterConfiguration.kubernetesVersion (what kubeadm was asked to install)' };
  }

  /**
   * The API server's command line, from its static pod in kube-system (kubeadm's kube-apiserver-NODE), with
   * where it was read; undefined where there is no such pod (not a kubeadm control plane).
   */
  async ownArgs(): Promise<{ args: string[]; source: string } | undefined> {
    const { cluster, kube } = this.live;
    const name = `kube-apiserver-${cluster.nodeName}`;
    const pod = await kube.core.readNamespacedPod({ namespace: 'kube-system', name }).catch(() => undefined);
    const container = pod?.spec?.containers.find((c) => c.name === 'kube-apiserver');
    if (!container) return undefined;
    return { args: [...(container.command ?? []), ...(container.args ?? [])], source: `the command line of kube-system/${name}` };
  }

  /** The line profile of the cluster's version (contract/lines.ts). */
  lineProfile() {
    return profileFor(this.live.cluster.serverVersion);
  }

  /** kubectl get's default --chunk-size, from its own --help (the limit of its list requests). */
  async defaultChunkSize(): Promise<number> {
    const help = (await this.live.kubectl.ok(['get', '--help'])).stdout;
    const m = /--chunk-size=(\d+)/.exec(help);
    if (!m) throw new Error('kubectl get --help names no default --chunk-size');
    return Number(m[1]);
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
