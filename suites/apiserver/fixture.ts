// What the §3 suites share: the API server's URL and the run's admin credentials, and GETs made with them.
// Expectations come from the cluster under test (server URL, versions, node), never from the article's values.
import { readFile } from 'node:fs/promises';
import { clientCertificate, jsonBody, request, type HttpAuth, type HttpResponse } from '../../lib/http.ts';
import { contextCredentials, parseKubeconfig, resolveContext, type PemCredentials } from '../../lib/kubeconfig.ts';
import { cluster, kube } from '../env.ts';

/** https://HOST:PORT of the API server, from the run's kubeconfig. */
export const server = () => kube().server.replace(/\/+$/, '');

// Observations, gathered live. Credentials stay in memory and never reach evidence.

let hostCreds: Promise<PemCredentials> | undefined;
export function hostCredentials(): Promise<PemCredentials> {
  hostCreds ??= readFile(cluster().kubeconfig, 'utf8').then((text) => contextCredentials(resolveContext(parseKubeconfig(text), cluster().context)));
  return hostCreds;
}

export async function asAdmin(): Promise<HttpAuth> {
  return clientCertificate(await hostCredentials());
}

/** GET on the API server, like `curl` (-k when anonymous). */
export async function get(path: string, auth: HttpAuth): Promise<HttpResponse> {
  return request(`${server()}${path}`, { auth });
}

export async function serverVersion(): Promise<Record<string, unknown>> {
  const r = await get('/version?timeout=32s', await asAdmin());
  if (r.status !== 200) throw new Error(`authenticated GET /version answered ${r.status}: ${r.body.slice(0, 200)}`);
  return jsonBody<Record<string, unknown>>(r)!;
}
