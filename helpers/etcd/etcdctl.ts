// etcdctl in the etcd pod, as §4.1 runs it: with the TLS flags on the command line, or with the ETCDCTL_*
// variables exported in `sh`. Everything goes through the API server's pods/exec (helpers/etcd/exec.ts).
import type { KubeConfig } from '@kubernetes/client-node';
import { PROCESS_MARKER } from '../kubectl.ts';
import { framable, PodShell } from './shell.ts';
import { exportLines, podExec, shArgv, startInPod, type ExecResult, type LongRunning, type PodRef } from './exec.ts';

/** Where kubeadm puts etcd's certificates; the etcd pod mounts the folder at the same path. */
export const ETCD_PKI = '/etc/kubernetes/pki/etcd';

/**
 * The article's command-line settings (§4.1): the local client URL and the server's own certificate as client
 * certificate.
 */
export const TLS_FLAGS: readonly string[] = [
  '--endpoints=https://127.0.0.1:2379',
  `--cacert=${ETCD_PKI}/ca.crt`,
  `--cert=${ETCD_PKI}/server.crt`,
  `--key=${ETCD_PKI}/server.key`,
];

/** The same settings as the article's `export` lines. */
export const ETCDCTL_ENV: Readonly<Record<string, string>> = {
  ETCDCTL_API: '3',
  ETCDCTL_ENDPOINTS: 'https://127.0.0.1:2379',
  ETCDCTL_CACERT: `${ETCD_PKI}/ca.crt`,
  ETCDCTL_CERT: `${ETCD_PKI}/server.crt`,
  ETCDCTL_KEY: `${ETCD_PKI}/server.key`,
};

export interface EtcdctlOptions {
  /** Variables exported in `sh` before etcdctl runs (the article's "export" tip). */
  env?: Record<string, string>;
  /** 'tls' (default) puts TLS_FLAGS on the command line; 'none' adds no flag at all. */
  flags?: 'tls' | 'none';
  /** Client-side limit for the exec (etcdctl's own timeouts end it earlier). */
  timeoutMs?: number;
}

export interface EtcdctlResult extends ExecResult {
  /** The etcdctl command as typed (exported variables by name only), for evidence. */
  typed: string;
}

/** The most long-lived shells one EtcdPod opens (commands beyond wait in the least busy). */
const SHELLS = 4;

function etcdctlArgv(argv: string[], flags: 'tls' | 'none'): string[] {
  return ['etcdctl', ...(flags === 'tls' ? TLS_FLAGS : []), ...argv];
}

/** Runs etcdctl in the etcd pod and returns its output and exit code (a refusal is an answer, not an error). */
export class EtcdPod {
  readonly kc: KubeConfig;
  readonly ref: PodRef;
  /**
   * The run's hash, exported as KUBE_CLAIMS_RUN_HASH into every etcdctl it starts: the node's sockets tell its clients
   * from others by it.
   */
  readonly runHash?: string;

  /** Whether etcdctl runs in one long-lived shell of the pod (close() ends it) or in an exec per command. */
  readonly longLived: boolean;

  constructor(kc: KubeConfig, ref: PodRef, runHash?: string, options: { longLivedShell?: boolean } = {}) {
    this.kc = kc;
    this.ref = ref;
    this.runHash = runHash;
    this.longLived = options.longLivedShell ?? false;
  }

  private marked(env: Record<string, string> | undefined): Record<string, string> {
    return { ...(this.runHash ? { [PROCESS_MARKER]: this.runHash } : {}), ...env };
  }

  /** Any argv in the etcd container (sh and its builtins: upstream's image has no other tool). */
  exec(argv: string[], timeoutMs = 30_000): Promise<ExecResult> {
    return podExec(this.kc, this.ref, argv, { timeoutMs });
  }

  /**
   * The long-lived shells the etcdctl commands run in: one, and another while each is busy (commands a check runs
   * side by side, such as refusal probes that each wait for etcdctl's dial timeout), at most SHELLS. A slot is
   * chosen before anything is awaited, so that commands started together spread over the shells.
   */
  private slots: Array<{ shell: Promise<PodShell>; busy: number }> = [];

  private async inShell(cmd: string[], env: Record<string, string>, timeoutMs: number): Promise<ExecResult> {
    const open = () => {
      const opening = PodShell.open(this.kc, this.ref, this.marked(undefined));
      // awaited elsewhere: the command that uses the slot next sees the failure (never an unhandled rejection)
      opening.catch(() => undefined);
      return opening;
    };
    let slot = this.slots.find((s) => s.busy === 0);
    if (!slot && this.slots.length < SHELLS) this.slots.push((slot = { shell: open(), busy: 0 }));
    slot ??= this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    try {
      let shell: PodShell;
      try {
        shell = await slot.shell;
      } catch (error) {
        // A shell that could not open is opened again by the next command; this one fails with the error.
        slot.shell = open();
        throw error;
      }
      // It ended (a command timed out, or it was idle): a new one in its slot.
      if (!shell.alive()) shell = await (slot.shell = open());
      return await shell.exec(cmd, { env, timeoutMs });
    } finally {
      slot.busy--;
    }
  }

  async etcdctl(argv: string[], options: EtcdctlOptions = {}): Promise<EtcdctlResult> {
    const cmd = etcdctlArgv(argv, options.flags ?? 'tls');
    const env = this.marked(options.env);
    const timeoutMs = options.timeoutMs ?? 30_000;
    // No `timeout` wrapper (upstream's image has none): etcdctl bounds itself (--dial-timeout 2s, --command-timeout 5s
    // by default). In the pod's one long-lived shell, as the article types them; an argument with a newline in an
    // exec of its own.
    const r =
      this.longLived && framable(cmd)
        ? await this.inShell(cmd, env, timeoutMs)
        : await podExec(
            this.kc,
            this.ref,
            Object.keys(env).length ? shArgv(`${exportLines(env)}exec "$@"`, cmd) : cmd,
            {
              timeoutMs,
            },
          );
    const shown = Object.keys(options.env ?? {});
    const prefix = shown.length ? `${shown.map((k) => `${k}=…`).join(' ')} ` : '';
    return { ...r, typed: `${prefix}${cmd.join(' ')}` };
  }

  /** Ends the long-lived shells, if any were opened. */
  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    // best-effort: a shell that never opened has nothing to end
    for (const s of await Promise.all(slots.map((x) => x.shell.catch(() => undefined)))) s?.close();
  }

  /** etcdctl left running (watch, lock); stop() it in a finally. */
  startEtcdctl(
    argv: string[],
    options: { env?: Record<string, string>; flags?: 'tls' | 'none'; maxSeconds?: number } = {},
  ): Promise<LongRunning> {
    return startInPod(this.kc, this.ref, etcdctlArgv(argv, options.flags ?? 'tls'), {
      prelude: exportLines(this.marked(options.env)),
      maxSeconds: options.maxSeconds ?? 60,
    });
  }
}

/** Fails with etcdctl's own message on a non-zero exit. */
export function ok(r: EtcdctlResult): EtcdctlResult {
  if (r.exitCode !== 0)
    throw new Error(`${r.typed} exited ${r.exitCode}: ${(r.stderr.trim().split('\n').at(-1) ?? '').slice(0, 400)}`);
  return r;
}
