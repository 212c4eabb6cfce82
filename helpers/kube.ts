// One place that builds the KubeConfig and hands out typed @kubernetes/client-node clients.
// A kubeconfig that cannot work (unreadable, malformed, a context, cluster or user missing) is refused here,
// naming what is wrong, before any request is made.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  RbacAuthorizationV1Api,
  VersionApi,
  type ApiType,
  type KubeConfig,
} from '@kubernetes/client-node';
import { UsageError } from '../contract/errors.ts';
import { impersonationProblems, RunKubeConfig } from './credentials.ts';
import { parseKubeconfig, type KubeconfigUser } from './kubeconfig.ts';

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

/**
 * Loads and checks a kubeconfig: the context (given or current) must exist and name a cluster with a server, and a
 * user. Every request made with it carries the user's credentials, whatever their kind (helpers/credentials.ts);
 * relative paths in it are relative to its folder, as for kubectl.
 */
export function loadKubeconfig(kubeconfig: string, context?: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(kubeconfig, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read kubeconfig ${kubeconfig}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const kc = new RunKubeConfig();
  try {
    kc.loadFromString(text);
    kc.complete(parseKubeconfig(text), dirname(kubeconfig));
  } catch (e) {
    throw new UsageError(`kubeconfig ${kubeconfig} is not a valid kubeconfig: ${(e as Error).message.split('\n')[0]}`);
  }
  const names = kc.getContexts().map((c) => c.name);
  const name = context ?? kc.getCurrentContext();
  if (!name)
    throw new UsageError(
      `kubeconfig ${kubeconfig} has no current-context; give --context (contexts: ${names.join(', ') || 'none'})`,
    );
  const ctx = kc.getContextObject(name);
  if (!ctx)
    throw new UsageError(`kubeconfig ${kubeconfig} has no context "${name}" (contexts: ${names.join(', ') || 'none'})`);
  kc.setCurrentContext(name);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster)
    throw new UsageError(
      `context "${name}" of ${kubeconfig} names cluster "${ctx.cluster}", which the file does not define`,
    );
  if (!cluster.server) throw new UsageError(`cluster "${ctx.cluster}" of ${kubeconfig} has no server`);
  if (!URL.canParse(cluster.server))
    throw new UsageError(`cluster "${ctx.cluster}" of ${kubeconfig} has an invalid server URL`);
  if (ctx.user && !kc.getUser(ctx.user))
    throw new UsageError(`context "${name}" of ${kubeconfig} names user "${ctx.user}", which the file does not define`);
  const raw = parseKubeconfig(text).users?.find((u) => u.name === ctx.user)?.user as KubeconfigUser | undefined;
  const problems = raw ? impersonationProblems(raw) : [];
  if (problems.length) throw new UsageError(`user "${ctx.user}" of ${kubeconfig}: ${problems.join('; ')}`);
  return kc;
}

export function kubeClients(kubeconfig: string, context?: string): KubeClients {
  const kc = loadKubeconfig(kubeconfig, context);
  const server = kc.getCurrentCluster()!.server;
  const make = <T extends ApiType>(api: new (...args: never[]) => T): T => kc.makeApiClient(api as never) as T;
  return {
    kc,
    server,
    make,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    rbac: kc.makeApiClient(RbacAuthorizationV1Api),
    version: kc.makeApiClient(VersionApi),
  };
}
