// Commands in a pod's container through the API server (pods/exec over a WebSocket, as `kubectl exec` does),
// with @kubernetes/client-node's Exec. No shell strings are built from data: argv goes as argv, and the few
// `sh -c` scripts here pass their data as positional parameters.
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { PassThrough, Writable } from 'node:stream';
import type WebSocket from 'isomorphic-ws';

export interface PodRef {
  namespace: string;
  pod: string;
  container: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** 0 on Success, the ExitCode cause on NonZeroExitCode, -1 when the command did not run at all. */
  exitCode: number;
  /** The pods/exec status, where the command ran as an exec of its own (not in a long-lived shell, ./shell.ts). */
  status?: V1Status;
  /** What ran, for messages (argv joined; never contains key material: only file paths are passed). */
  command: string;
}

export class ExecTimeout extends Error {
  override name = 'ExecTimeout';
}

/** The exit code a pods/exec V1Status stands for. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = Number(cause?.message);
  return cause && Number.isInteger(code) ? code : -1;
}

/** A Writable that keeps what it is given, in order. */
export class Collector extends Writable {
  private readonly chunks: Buffer[] = [];
  private readonly dataListeners = new Set<() => void>();
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    for (const l of this.dataListeners) l();
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  /** The last `bytes` bytes (a frame marker at the end is looked for there, not in all the output). */
  tail(bytes: number): string {
    const parts: Buffer[] = [];
    let n = 0;
    for (let i = this.chunks.length - 1; i >= 0 && n < bytes; i--) {
      parts.unshift(this.chunks[i]!);
      n += this.chunks[i]!.length;
    }
    const b = Buffer.concat(parts);
    return b.subarray(Math.max(0, b.length - bytes)).toString('utf8');
  }
  /** Forgets what it kept (a long-lived shell's output, once a command's frame is read). */
  clear(): void {
    this.chunks.length = 0;
  }
  onData(listener: () => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }
}

/** One shell word for `s`, quoted so that the shell takes it as it is. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `sh -c SCRIPT sh ARGS...`: the script refers to its data as "$@", never by interpolation. */
export function shArgv(script: string, args: string[] = []): string[] {
  return ['sh', '-c', script, 'sh', ...args];
}

/** `export K=V; ` lines for a fixed set of environment variables (names are checked, values quoted). */
export function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`not an environment variable name: ${k}`);
      return `export ${k}=${shellQuote(v)}; `;
    })
    .join('');
}

export interface Running {
  ws: WebSocket.WebSocket;
  stdout: Collector;
  stderr: Collector;
  stdin?: PassThrough;
  done: Promise<ExecResult>;
}

export async function openExec(kc: KubeConfig, ref: PodRef, argv: string[], withStdin = false): Promise<Running> {
  const stdout = new Collector();
  const stderr = new Collector();
  const stdin = withStdin ? new PassThrough() : undefined;
  const command = argv.join(' ');
  let settle!: (r: ExecResult) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<ExecResult>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // awaited elsewhere: observed by whoever awaits it; never an unhandled rejection
  done.catch(() => undefined);
  const ws = await new Exec(kc).exec(
    ref.namespace,
    ref.pod,
    ref.container,
    argv,
    stdout,
    stderr,
    stdin ?? null,
    false,
    (status) => {
      settle({ stdout: stdout.text(), stderr: stderr.text(), exitCode: exitCodeOf(status), status, command });
    },
  );
  ws.on('close', () =>
    fail(
      new Error(
        `exec ${command}: the WebSocket closed before the command's status arrived (stdout: ${stdout.text().slice(-300)}; stderr: ${stderr.text().slice(-300)})`,
      ),
    ),
  );
  ws.on('error', (e: Error) => fail(new Error(`exec ${command}: ${e.message}`)));
  return { ws, stdout, stderr, stdin, done };
}

/** Runs argv in the container and waits for its exit status (a non-zero exit is an answer, not an error). */
export async function podExec(
  kc: KubeConfig,
  ref: PodRef,
  argv: string[],
  options: { timeoutMs?: number } = {},
): Promise<ExecResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const run = await openExec(kc, ref, argv);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run.done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ExecTimeout(
                `exec ${argv.join(' ')} gave no exit status within ${timeoutMs / 1000}s (stdout so far: ${run.stdout.text().slice(-300)}; stderr: ${run.stderr.text().slice(-300)})`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    run.ws.close();
  }
}

/** A command left running in the pod (etcdctl watch, etcdctl lock); stop() it in a finally. */
export interface LongRunning {
  /** PID of the command (not of its `sh`) inside the container's PID namespace. */
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with stdout once it matches; rejects when the command exits first or the time is up. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Set once the command has exited. */
  result(): ExecResult | undefined;
  /**
   * Ends the command (stdin closed and SIGTERM to its PID, SIGKILL if it lingers), waits for the exit status, closes
   * the WebSocket. Idempotent.
   */
  stop(): Promise<ExecResult | undefined>;
}

const PID_LINE = /^kube-claims-pid (\d+)\n/;

/**
 * The wrapper of a long-running command, in shell builtins only: upstream's etcd image has bash as /bin/sh
 * and no other tool (no cat, sleep, kill or ps binary). Closing an exec's WebSocket does not end the process
 * it started (containerd keeps it, and keeps its stdin open when the client just disappears), so the command
 * runs as a child of this shell, which ends it when the first of these happens: the command exits, or the
 * reader job ends, which it does when stdin closes (stop() closes it) or after maxSeconds without input (the
 * client died). The shell reaps all its children, so nothing is left to the container's PID 1 (etcd, which
 * reaps nothing: an orphan there stays a zombie). Background jobs of a non-interactive shell read /dev/null,
 * hence the original stdin kept on fd 3.
 */
const supervisor = (maxSeconds: number) =>
  [
    'exec 3<&0',
    '"$@" & c=$!',
    'echo "kube-claims-pid $c"',
    `{ read -r -t ${Math.ceil(maxSeconds)} -u 3 _; } & r=$!`,
    'wait -n',
    'kill -TERM $c $r 2>/dev/null',
    'wait $c; rc=$?',
    'wait',
    'exit $rc',
  ].join('\n');

/** Starts argv in the container under the supervisor and returns once it runs. */
export async function startInPod(
  kc: KubeConfig,
  ref: PodRef,
  argv: string[],
  options: { prelude?: string; maxSeconds?: number } = {},
): Promise<LongRunning> {
  const run = await openExec(
    kc,
    ref,
    shArgv(`${options.prelude ?? ''}${supervisor(options.maxSeconds ?? 60)}`, argv),
    true,
  );
  let result: ExecResult | undefined;
  // awaited elsewhere: a failure reaches whoever waits for the command (until, stop)
  run.done.then(
    (r) => {
      result = r;
    },
    () => undefined,
  );
  const strip = (s: string) => s.replace(PID_LINE, '');
  const what = argv.join(' ');

  /** Resolves with `found()`'s value once it has one, on each stdout chunk; rejects on exit or timeout. */
  const until = <T>(found: () => T | undefined, timeoutMs: number, describe: () => string) =>
    new Promise<T>((resolve, reject) => {
      let off = () => {};
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        off();
        fn();
      };
      const check = () => {
        const v = found();
        if (v !== undefined) finish(() => resolve(v));
      };
      off = run.stdout.onData(check);
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new ExecTimeout(
                `${what}: ${describe()} within ${timeoutMs / 1000}s (stdout: ${JSON.stringify(strip(run.stdout.text()).slice(-300))}; stderr: ${JSON.stringify(run.stderr.text().slice(-300))})`,
              ),
            ),
          ),
        timeoutMs,
      );
      // awaited elsewhere: both ways out settle the promise being built here
      run.done.then(
        (r) => {
          check();
          finish(() =>
            reject(
              new Error(
                `${what} exited ${r.exitCode} with ${describe()} (stdout: ${JSON.stringify(strip(r.stdout).slice(-300))}; stderr: ${JSON.stringify(r.stderr.slice(-300))})`,
              ),
            ),
          );
        },
        (e: Error) => finish(() => reject(e)),
      );
      check();
    });

  let pid: number;
  try {
    pid = await until(
      () => {
        const m = PID_LINE.exec(run.stdout.text());
        return m ? Number(m[1]) : undefined;
      },
      15_000,
      () => 'no start',
    );
  } catch (error) {
    run.ws.terminate();
    throw error;
  }

  const exited = async (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      // awaited elsewhere: a failed command is its status's business (stop() reports it); here only whether it ended
      return await Promise.race([
        run.done.then(
          (r) => r,
          () => undefined,
        ),
        new Promise<'timeout'>((r) => {
          timer = setTimeout(() => r('timeout'), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
  let stopping: Promise<ExecResult | undefined> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      try {
        if (!result) {
          // Closing stdin ends the supervisor only where the exec protocol carries the close (not every
          // API server does): the command is also sent SIGTERM at once, then SIGKILL if it lingers.
          run.stdin?.end();
          // best-effort: stopping our own command; the supervisor ends it anyway once stdin closes
          await podExec(kc, ref, shArgv('kill -TERM "$1" 2>/dev/null', [String(pid)]), { timeoutMs: 15_000 }).catch(
            () => undefined,
          );
          if ((await exited(5_000)) === 'timeout') {
            // best-effort: as above
            await podExec(kc, ref, shArgv('kill -KILL "$1" 2>/dev/null', [String(pid)]), { timeoutMs: 15_000 }).catch(
              () => undefined,
            );
            await exited(5_000);
          }
        }
        return result;
      } finally {
        run.ws.close();
      }
    })());

  return {
    pid,
    stdout: () => strip(run.stdout.text()),
    stderr: () => run.stderr.text(),
    waitFor: (pattern, timeoutMs) =>
      until(
        () => (pattern.test(strip(run.stdout.text())) ? strip(run.stdout.text()) : undefined),
        timeoutMs,
        () => `no output matching ${pattern}`,
      ),
    result: () => result,
    stop,
  };
}

/**
 * The container's processes, read from /proc with shell builtins (no ps in upstream's images): "PID STATE
 * ARGV…" lines, the lister itself left out.
 */
const LIST_PROCESSES = [
  'for d in /proc/[0-9]*; do',
  '  p=${d#/proc/}',
  '  [ "$p" = "$$" ] && continue',
  '  [ -r "$d/stat" ] || continue',
  '  read -r st < "$d/stat" 2>/dev/null || continue',
  '  st=${st##*) }; st=${st%% *}',
  '  mapfile -d "" -t a < "$d/cmdline" 2>/dev/null || a=()',
  '  echo "$p $st ${a[*]}"',
  'done',
].join('\n');

export interface ContainerProcess {
  pid: number;
  /** R, S, Z (zombie), ... from /proc/PID/stat. */
  state: string;
  command: string;
}

export function parseProcessList(stdout: string): ContainerProcess[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      const m = /^(\d+) (\S+) ?(.*)$/.exec(line);
      return m ? [{ pid: Number(m[1]), state: m[2]!, command: m[3]! }] : [];
    });
}

/** The container's processes whose command line contains `marker`. */
export async function processesMatching(
  kc: KubeConfig,
  ref: PodRef,
  marker: string,
): Promise<{ lines: string[]; table: string }> {
  const r = await podExec(kc, ref, shArgv(LIST_PROCESSES), { timeoutMs: 15_000 });
  if (r.exitCode !== 0) throw new Error(`listing the processes of ${ref.pod} exited ${r.exitCode}: ${r.stderr.trim()}`);
  const lines = parseProcessList(r.stdout)
    .filter((p) => p.command.includes(marker))
    .map((p) => `${p.pid} ${p.state} ${p.command}`);
  return { lines, table: r.stdout };
}
