// One place that builds the KubeConfig and hands out typed @kubernetes/client-node clients.
import { AppsV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, VersionApi, type ApiType } from '@kubernetes/client-node';

export interface KubeClients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  rbac: RbacAuthorizationV1Api;
  version: VersionApi;
  /** https://HOST:PORT of the API server, from the kubeconfig. */
  server: string;
  make<T extends ApiType>(api: new (...args: never[]) => T): T;
}

export function kubeClients(kubeconfig: string, context?: string): KubeClients {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  if (context) kc.setCurrentContext(context);
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error(`kubeconfig ${kubeconfig} has no server for its current context`);
  const make = <T extends ApiType>(api: new (...args: never[]) => T): T => kc.makeApiClient(api as never) as T;
  return {
    kc, server, make,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    version: kc.makeApiClient(VersionApi),
  };
}
