// One long-lived shell in a pod's container for many commands, as the article works (`kubectl exec -it … -- sh`,
// then the etcdctl commands): one pods/exec (one runc exec on the node) instead of one per command. Shell
// builtins only (upstream's etcd image has bash as /bin/sh and no other tool). Each command is one line on the
// shell's stdin, run in a subshell with stdin from /dev/null (it cannot read the commands that follow, nor
// change the shell), followed by a frame marker on stdout with its exit status and one on stderr: its stdout,
// stderr and exit status come back exactly. Commands run one at a time. A shell no command reaches for
// IDLE_SECONDS exits by itself (the client died: nothing is left in the container).
import type { KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import {
  openExec,
  ExecTimeout,
  exportLines,
  shArgv,
  shellQuote,
  type ExecResult,
  type PodRef,
  type Running,
} from './exec.ts';

const IDLE_SECONDS = 120;

/** Whether argv fits on one command line (a newline in an argument would end the line early). */
export function framable(argv: readonly string[]): boolean {
  return argv.every((a) => !a.includes('\n') && !a.includes('\r'));
}

/** The command line for argv: exported variables, then argv quoted word by word, in a subshell. */
export function commandLine(argv: readonly string[], env: Record<string, string>, mark: string): string {
  const words = argv.map(shellQuote).join(' ');
  return `( ${exportLines(env)}exec ${words} ) </dev/null; printf '\\n%s %d\\n' ${mark} $?; printf '\\n%s\\n' ${mark} >&2`;
}

/** The command's output and exit status, once both frame markers have arrived; else undefined. */
export function unframe(
  stdout: string,
  stderr: string,
  mark: string,
): { stdout: string; stderr: string; exitCode: number } | undefined {
  const out = new RegExp(`\\n${mark} (\\d+)\\n$`).exec(stdout);
  const errEnd = `\n${mark}\n`;
  if (!out || !stderr.endsWith(errEnd)) return undefined;
  return { stdout: stdout.slice(0, out.index), stderr: stderr.slice(0, -errEnd.length), exitCode: Number(out[1]) };
}

/** The driver: reads one command line at a time and runs it; ends on EOF or after IDLE_SECONDS without one. */
export const DRIVER = `while IFS= read -r -t ${IDLE_SECONDS} line; do eval "$line"; done`;

export class PodShell {
  private queue: Promise<unknown> = Promise.resolve();

  private readonly session = randomBytes(6).toString('hex');
  private count = 0;

  private readonly run: Running;
  readonly what: string;

  private constructor(run: Running, what: string) {
    this.run = run;
    this.what = what;
  }

  /** Opens `sh` in the container with `env` exported in it (the run's marker: a dead run's shell is found by it). */
  static async open(kc: KubeConfig, ref: PodRef, env: Record<string, string> = {}): Promise<PodShell> {
    const run = await openExec(kc, ref, shArgv(`${exportLines(env)}${DRIVER}`), true);
    return new PodShell(run, `sh in ${ref.namespace}/${ref.pod}`);
  }

  /** Whether the shell still runs (it ends on a timeout, when the client closed it, or on its own when idle). */
  alive(): boolean {
    return this.run.ws.readyState === this.run.ws.OPEN;
  }

  /** Runs argv in the shell, after the commands before it; a non-zero exit is an answer, not an error. */
  exec(argv: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ExecResult> {
    const next = this.queue.then(() => this.runOne(argv, options.env ?? {}, options.timeoutMs ?? 30_000));
    // awaited elsewhere: the command's failure is its caller's; the queue only waits for it to end
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runOne(argv: string[], env: Record<string, string>, timeoutMs: number): Promise<ExecResult> {
    if (!framable(argv))
      throw new Error(`${argv.join(' ')}: an argument holds a newline, which one command line cannot carry`);
    const mark = `kube-claims-frame-${this.session}-${++this.count}`;
    const command = argv.join(' ');
    // Commands run one at a time: what the shell printed so far belongs to commands before this one.
    this.run.stdout.clear();
    this.run.stderr.clear();
    const outEnd = new RegExp(`\\n${mark} \\d+\\n$`);
    const ends = () => {
      const tail = 2 * mark.length + 16;
      return outEnd.test(this.run.stdout.tail(tail)) && this.run.stderr.tail(tail).endsWith(`\n${mark}\n`);
    };
    const framed = () => (ends() ? unframe(this.run.stdout.text(), this.run.stderr.text(), mark) : undefined);
    const result = new Promise<ExecResult>((resolve, reject) => {
      const offs: Array<() => void> = [];
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        for (const off of offs) off();
        fn();
      };
      const check = () => {
        const f = framed();
        if (f) finish(() => resolve({ ...f, command }));
      };
      offs.push(this.run.stdout.onData(check), this.run.stderr.onData(check));
      const timer = setTimeout(
        () =>
          finish(() => {
            // The shell is stuck in the command: it is given up (closed), and the next command opens another.
            this.close();
            reject(new ExecTimeout(`${command} (in ${this.what}) gave no exit status within ${timeoutMs / 1000}s`));
          }),
        timeoutMs,
      );
      // awaited elsewhere: a shell that ended before the frame fails the command waiting for it
      this.run.done.then(
        () => finish(() => reject(new Error(`${this.what} ended before ${command} finished`))),
        (e: Error) => finish(() => reject(e)),
      );
    });
    this.run.stdin!.write(`${commandLine(argv, env, mark)}\n`);
    return result;
  }

  /** Ends the shell: its stdin closed (it exits at EOF), the WebSocket closed. Idempotent. */
  close(): void {
    this.run.stdin?.end();
    setTimeout(() => this.run.ws.close(), 1000).unref();
  }
}
