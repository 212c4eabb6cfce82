// What the §4 etcd test files share: the etcd under test, what a file writes to it, and its clean-up — the
// `etcd` fixture of suites/fixtures.ts, one per test file (vitest tears it down after the file's last test).
// Commands in the pod go through the API server's pods/exec; the etcd3 client of the test process reaches
// etcd through a pods/portforward with the API server's own etcd client certificate.
// Every key a file writes is under /kube-claims/RUN-ID/FILE/ and removed when the file ends, whatever happened.
import type { V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import {
  connectThroughPortForward,
  readClientCredentials,
  type EtcdClientCredentials,
  type EtcdConnection,
} from '../../helpers/etcd/client.ts';
import { EtcdPod, ETCDCTL_ENV, type EtcdctlResult } from '../../helpers/etcd/etcdctl.ts';
import type { LongRunning, PodRef } from '../../helpers/etcd/exec.ts';
import { parseFlags, type CommandOutcome } from '../checks/etcd/common.ts';
import type { MemberExpectation } from '../checks/etcd/members.ts';
import { runHash } from '../../contract/run-id.ts';
import type { Live } from '../live.ts';
import { staticPodCommand } from '../observations.ts';

export const NAMESPACE = 'kube-system';

/** The article's way after its "export" tip: the ETCDCTL_* variables and no flags. */
export const withEnv = { env: { ...ETCDCTL_ENV }, flags: 'none' as const };

/** Where kube-claims runs write their own keys: /kube-claims/RUN-ID/…, removed after each file (and as leftovers). */
export const RUNS_KEY_PREFIX = '/kube-claims/';

/** The etcd under test as one test file uses it; `close()` (the fixture's teardown) undoes what the file left. */
export class EtcdUnderTest {
  /** etcd-NODE, the etcd static pod of the control-plane node. */
  readonly podName: string;
  readonly ref: PodRef;
  /** The etcd pod, reached through the API server (pods/exec). */
  readonly pod: EtcdPod;
  /**
   * The root of everything this test file writes: /kube-claims/RUN-ID/FILE/. Files run in parallel, and each
   * removes its own keys when it ends (a later run removes what a killed one left under /kube-claims/RUN-ID/).
   */
  readonly prefix: string;
  private readonly live: Pick<Live, 'cluster' | 'kube'>;
  /** etcdctl left running in the pod (watch, lock): stopped by the test, or at the latest by close(). */
  private readonly started = new Set<LongRunning>();
  /** The etcd3 client: one mTLS connection for the file, opened on first use, closed by close(). */
  private connection?: Promise<EtcdConnection>;
  /** Whether the file reached etcd at all: a file whose tests were all skipped (unchecked) has nothing to clean up. */
  private used = false;

  constructor({ cluster, kube, run }: Pick<Live, 'cluster' | 'kube' | 'run'>) {
    this.live = { cluster, kube };
    this.podName = `etcd-${cluster.nodeName}`;
    this.ref = { namespace: NAMESPACE, pod: this.podName, container: 'etcd' };
    // The file's etcdctl commands in one long-lived shell of the pod (closed by close()), as the article types them.
    this.pod = new EtcdPod(kube.kc, this.ref, runHash(run.runId), { longLivedShell: true });
    this.prefix = `${RUNS_KEY_PREFIX}${run.runId}/${randomBytes(3).toString('hex')}/`;
  }

  /** A key of this file: PREFIX/NAME. */
  runKey(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** etcdctl in the etcd pod: with the article's TLS flags (default), or with `env` exported and flags 'none'. */
  etcdctl(
    argv: string[],
    options: { env?: Record<string, string>; flags?: 'tls' | 'none'; timeoutMs?: number } = {},
  ): Promise<EtcdctlResult> {
    this.used = true;
    return this.pod.etcdctl(argv, options);
  }

  /** etcdctl left running in the pod (watch, lock); stopped with stop(), or at the latest when the file ends. */
  async start(
    argv: string[],
    options: { env?: Record<string, string>; flags?: 'tls' | 'none' } = {},
  ): Promise<LongRunning> {
    this.used = true;
    const running = await this.pod.startEtcdctl(argv, { ...options, maxSeconds: 60 });
    this.started.add(running);
    return running;
  }

  async stop(running: LongRunning): Promise<void> {
    try {
      await running.stop();
    } finally {
      this.started.delete(running);
    }
  }

  async spec(): Promise<V1Pod> {
    return this.live.kube.core.readNamespacedPod({ namespace: NAMESPACE, name: this.podName });
  }

  async image(): Promise<string> {
    const spec = await this.spec();
    const image = spec.spec?.containers.find((c) => c.name === 'etcd')?.image;
    if (!image) throw new Error(`pod ${this.podName} has no etcd container image`);
    return image;
  }

  /** The CA and client certificate the API server itself uses for etcd (its --etcd-* flags), read from the node. */
  async apiServerCredentials(): Promise<EtcdClientCredentials> {
    const flags = parseFlags(await staticPodCommand(this.live, 'kube-apiserver'));
    const files = {
      ca: flags.get('etcd-cafile') ?? '',
      cert: flags.get('etcd-certfile') ?? '',
      key: flags.get('etcd-keyfile') ?? '',
    };
    if (!files.ca || !files.cert || !files.key)
      throw new Error('kube-apiserver has no --etcd-cafile/--etcd-certfile/--etcd-keyfile to borrow');
    return readClientCredentials(this.live.cluster, files);
  }

  /** The file's etcd3 connection (mTLS through a port-forward), opened on first use. */
  etcd3(): Promise<EtcdConnection> {
    this.used = true;
    this.connection ??= this.apiServerCredentials().then((credentials) =>
      connectThroughPortForward(this.live.kube.kc, this.ref, { kind: 'mtls', credentials }),
    );
    return this.connection;
  }

  /** The fixture's teardown: stops the etcdctl still running, removes the file's keys and closes etcd3. */
  async close(): Promise<void> {
    // External etcd: no pod, and the file's claims were reported unchecked before writing anything.
    if (this.live.cluster.externalEtcd || !this.used) return;
    const problems: string[] = [];
    // reported: each failure is a problem close() throws at the end, after the rest is cleaned up
    for (const running of [...this.started])
      await this.stop(running).catch((e: Error) => problems.push(`stopping ${running.pid}: ${e.message}`));
    // Remove the file's keys through the pod, which works even when the port-forward does not.
    // reported: as above
    const del = await this.etcdctl(['del', '--prefix', this.prefix]).catch(
      (e: Error) => ({ exitCode: -1, stderr: e.message }) as EtcdctlResult,
    );
    if (del.exitCode !== 0) problems.push(`removing ${this.prefix}: ${del.stderr.trim().split('\n').at(-1)}`);
    // The pod's long-lived shell of etcdctl commands, last: the keys were removed through it.
    await this.pod.close();
    const connection = this.connection;
    this.connection = undefined;
    // best-effort: a connection that never opened has nothing to close
    if (connection)
      await connection.then(
        (c) => c.close(),
        () => undefined,
      );
    if (problems.length) throw new Error(`etcd suite clean-up: ${problems.join('; ')}`);
  }
}

/** One etcd member per control-plane node (kubeadm's stacked etcd): its name and InternalIP, from the Node objects. */
export async function memberExpectations({
  cluster,
  kube,
}: Pick<Live, 'cluster' | 'kube'>): Promise<MemberExpectation[]> {
  const nodes = new Map((await kube.core.listNode()).items.map((n) => [n.metadata?.name, n]));
  return cluster.nodes
    .filter((n) => n.role === 'control-plane')
    .map(({ name }) => {
      const ip = nodes.get(name)?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      if (!ip) throw new Error(`node ${name} has no InternalIP`);
      return { name, ip };
    });
}

export { staticPodCommand };

export interface MemberReader {
  name: string;
  get: (key: string) => Promise<CommandOutcome>;
}

/** etcdctl get in each control-plane node's etcd pod, at its own local client URL (the ETCDCTL_* of the article). */
export function memberPods(
  { cluster, kube, run }: Pick<Live, 'cluster' | 'kube' | 'run'>,
  timeoutMs?: number,
): MemberReader[] {
  return cluster.nodes
    .filter((n) => n.role === 'control-plane')
    .map((n) => {
      const pod = new EtcdPod(
        kube.kc,
        { namespace: NAMESPACE, pod: `etcd-${n.name}`, container: 'etcd' },
        runHash(run.runId),
      );
      return {
        name: `etcd-${n.name}`,
        get: async (key: string) => outcome(await pod.etcdctl(['get', key], { ...withEnv, timeoutMs })),
      };
    });
}

/** Each reader's answer for `key`; a reader that fails (a stopped member's pod is gone) answers with the error. */
export async function readThroughMembers(
  readers: MemberReader[],
  key: string,
): Promise<Record<string, CommandOutcome>> {
  const reads: Record<string, CommandOutcome> = {};
  // reported: a member that cannot answer (its pod stopped) is an answer the check judges by its error
  for (const r of readers)
    reads[r.name] = await r.get(key).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
  return reads;
}

// ---------------------------------------------------------------------------------------------------------------
// Small utilities

export const outcome = (r: { exitCode: number; stdout: string; stderr: string }): CommandOutcome => ({
  exitCode: r.exitCode,
  stdout: r.stdout,
  stderr: r.stderr,
});

export async function attempt<T>(fn: () => Promise<T>): Promise<CommandOutcome & { value?: T }> {
  try {
    const value = await fn();
    return { exitCode: 0, stdout: '', stderr: '', value };
  } catch (e) {
    return { exitCode: 1, stdout: '', stderr: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
