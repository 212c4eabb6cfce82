// What the §4 etcd test files share: the etcd under test, what a run writes to it, and its clean-up.
// Commands in the pod go through the API server's pods/exec; the etcd3 client of the test process reaches
// etcd through a pods/portforward with the API server's own etcd client certificate.
// Every key written is under /kube-claims/RUN-ID/ and removed in afterAll (useEtcdCleanup), whatever happened.
// Files of a worker share this module (vitest isolate: false) and run one after another: each opens its
// connection on first use and closes it, with its keys, in its own afterAll.
import type { V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { connectThroughPortForward, readClientCredentials, type EtcdConnection } from '../../helpers/etcd/client.ts';
import { EtcdPod, ETCDCTL_ENV, type EtcdctlResult } from '../../helpers/etcd/etcdctl.ts';
import type { LongRunning, PodRef } from '../../helpers/etcd/exec.ts';
import { parseFlags, type CommandOutcome } from '../checks/etcd/common.ts';
import { runHash } from '../../contract/run-id.ts';
import { cluster, kube, run } from '../env.ts';

// ---------------------------------------------------------------------------------------------------------------
// The etcd under test, and what this run writes to it

export const NAMESPACE = 'kube-system';
export const etcdPodName = () => `etcd-${cluster().nodeName}`;
export const etcdRef = (): PodRef => ({ namespace: NAMESPACE, pod: etcdPodName(), container: 'etcd' });

let pod: EtcdPod | undefined;
/** The etcd pod, reached through the API server (pods/exec). */
export function etcdPod(): EtcdPod {
  pod ??= new EtcdPod(kube().kc, etcdRef(), runHash(run().runId));
  return pod;
}

/** etcdctl in the etcd pod: with the article's TLS flags (default), or with `env` exported and flags 'none'. */
export function etcdctlInPod(argv: string[], options: { env?: Record<string, string>; flags?: 'tls' | 'none'; timeoutMs?: number } = {}): Promise<EtcdctlResult> {
  return etcdPod().etcdctl(argv, options);
}

/** The article's way after its "export" tip: the ETCDCTL_* variables and no flags. */
export const withEnv = { env: { ...ETCDCTL_ENV }, flags: 'none' as const };

/**
 * The root of everything this test file writes: /kube-claims/RUN-ID/FILE/. Files run in parallel, and each
 * removes its own keys when it ends (a later run removes what a killed one left under /kube-claims/RUN-ID/).
 */
const fileTag = randomBytes(3).toString('hex');
const runPrefix = () => `/kube-claims/${run().runId}/${fileTag}/`;
export const runKey = (name: string) => `${runPrefix()}${name}`;

const started = new Set<LongRunning>();
/** etcdctl left running in the pod (watch, lock); stopped by the test, or at the latest in afterAll. */
export async function startInEtcdPod(argv: string[], options: { env?: Record<string, string>; flags?: 'tls' | 'none' } = {}): Promise<LongRunning> {
  const run = await etcdPod().startEtcdctl(argv, { ...options, maxSeconds: 60 });
  started.add(run);
  return run;
}
export async function stopRun(run: LongRunning): Promise<void> {
  try { await run.stop(); } finally { started.delete(run); }
}

export async function etcdPodSpec(): Promise<V1Pod> {
  return kube().core.readNamespacedPod({ namespace: NAMESPACE, name: etcdPodName() });
}

export async function etcdImage(): Promise<string> {
  const spec = await etcdPodSpec();
  const image = spec.spec?.containers.find((c) => c.name === 'etcd')?.image;
  if (!image) throw new Error(`pod ${etcdPodName()} has no etcd container image`);
  return image;
}

export async function nodeInternalIp(): Promise<string> {
  const node = await kube().core.readNode({ name: cluster().nodeName });
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw new Error(`node ${cluster().nodeName} has no InternalIP`);
  return ip;
}

export async function staticPodCommand(component: string): Promise<string[]> {
  const name = `${component}-${cluster().nodeName}`;
  const p = await kube().core.readNamespacedPod({ namespace: NAMESPACE, name }).catch((e: { code?: number }) => {
    if (e.code === 404) throw new Error(`static pod ${NAMESPACE}/${name} not found: the ${component} command line cannot be read (COMP-01 and COMP-02 report the missing pod)`);
    throw e;
  });
  const c = p.spec?.containers.find((x) => x.name === component) ?? p.spec?.containers[0];
  return [...(c?.command ?? []), ...(c?.args ?? [])];
}

// The etcd3 client: one mTLS connection for the file, opened on first use, closed in afterAll.
let connection: Promise<EtcdConnection> | undefined;

/** The CA and client certificate the API server itself uses for etcd (its --etcd-* flags), read from the node. */
export async function apiServerEtcdCredentials() {
  const flags = parseFlags(await staticPodCommand('kube-apiserver'));
  const files = { ca: flags.get('etcd-cafile') ?? '', cert: flags.get('etcd-certfile') ?? '', key: flags.get('etcd-keyfile') ?? '' };
  if (!files.ca || !files.cert || !files.key) throw new Error('kube-apiserver has no --etcd-cafile/--etcd-certfile/--etcd-keyfile to borrow');
  return readClientCredentials(cluster(), files);
}

export function etcd3(): Promise<EtcdConnection> {
  connection ??= apiServerEtcdCredentials().then((credentials) => connectThroughPortForward(kube().kc, etcdRef(), { kind: 'mtls', credentials }));
  return connection;
}

/** Call once at the top level of each etcd test file: after its tests, stops the etcdctl still running,
 *  removes the run's keys and closes the etcd3 connection, whatever happened. */
export function useEtcdCleanup(): void {
  afterAll(async () => {
    const problems: string[] = [];
    for (const run of [...started]) await stopRun(run).catch((e: Error) => problems.push(`stopping ${run.pid}: ${e.message}`));
    // Remove the run's keys through the pod, which works even when the port-forward does not.
    const del = await etcdctlInPod(['del', '--prefix', runPrefix()]).catch((e: Error) => ({ exitCode: -1, stderr: e.message }) as EtcdctlResult);
    if (del.exitCode !== 0) problems.push(`removing ${runPrefix()}: ${del.stderr.trim().split('\n').at(-1)}`);
    if (connection) await connection.then((c) => c.close(), () => undefined);
    // Files may share this module (vitest isolate: false): the next file opens its own connection.
    connection = undefined;
    if (problems.length) throw new Error(`etcd suite clean-up: ${problems.join('; ')}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Small utilities

export const outcome = (r: { exitCode: number; stdout: string; stderr: string }): CommandOutcome => ({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });

export async function attempt<T>(fn: () => Promise<T>): Promise<CommandOutcome & { value?: T }> {
  try {
    const value = await fn();
    return { exitCode: 0, stdout: '', stderr: '', value };
  } catch (e) {
    return { exitCode: 1, stdout: '', stderr: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
