// kubectl proxy as a lifecycle: start on a free port, wait for its "Starting to serve on HOST:PORT" line,
// stop it (and wait for it to exit). `await using proxy = await KubectlProxy.start(...)` stops it on every path.
import { createServer } from 'node:net';
import type { ResultPromise } from 'execa';
import type { Kubectl } from './kubectl.ts';

export interface ProxyOptions {
  /** --address; kubectl's default is 127.0.0.1. */
  address?: string;
  /** --port; a free port on 127.0.0.1 is chosen when absent; 'default' passes no --port (kubectl's own default). */
  port?: number | 'default';
  /** --accept-hosts (a regular expression); kubectl's default accepts localhost, 127.0.0.1 and [::1] only. */
  acceptHosts?: string;
  /** More kubectl arguments (-v 8, --reject-paths, ...). */
  extraArgs?: string[];
  startTimeoutMs?: number;
}

/** A TCP port nothing listens on right now (the OS picks it); kubectl proxy is then told to use it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** kubectl prints it to stdout once it listens; the line end makes sure the port is complete. */
const BANNER = /Starting to serve on (\S+):(\d+)\r?\n/;

export class ProxyStartError extends Error {
  override name = 'ProxyStartError';
}

export class KubectlProxy implements AsyncDisposable {
  /** The argv given to kubectl (after its --kubeconfig). */
  readonly args: string[];
  /** The line kubectl printed: "Starting to serve on 127.0.0.1:PORT". */
  readonly banner: string;
  /** Host and port from the banner ("[::]" when it listens on every address). */
  readonly host: string;
  readonly port: number;
  private readonly child: ResultPromise;
  private readonly out: string[];
  private stopped?: Promise<void>;

  private constructor(child: ResultPromise, args: string[], banner: RegExpExecArray, out: string[]) {
    this.child = child;
    this.args = args;
    this.banner = banner[0].trim();
    this.host = banner[1]!;
    this.port = Number(banner[2]);
    this.out = out;
  }

  /** http://127.0.0.1:PORT for a proxy on loopback (or on every address), else http://HOST:PORT. */
  get url(): string {
    const local = ['[::]', '0.0.0.0', '127.0.0.1'].includes(this.host);
    return `http://${local ? '127.0.0.1' : this.host}:${this.port}`;
  }

  /** Everything the proxy wrote so far, stdout and stderr interleaved as received. */
  output(): string {
    return this.out.join('');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Starts kubectl proxy and resolves once it serves; on any failure the process is stopped before rejecting. */
  static async start(kubectl: Kubectl, options: ProxyOptions = {}): Promise<KubectlProxy> {
    const attempts = options.port === undefined ? 3 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await KubectlProxy.startOnce(kubectl, { ...options, port: options.port ?? (await freePort()) });
      } catch (e) {
        // Another process may take the free port between freePort() and kubectl's bind: try another one.
        if (attempt >= attempts || !/address already in use/.test((e as Error).message)) throw e;
      }
    }
  }

  private static async startOnce(
    kubectl: Kubectl,
    options: ProxyOptions & { port: number | 'default' },
  ): Promise<KubectlProxy> {
    const args = [
      'proxy',
      ...(options.port === 'default' ? [] : ['--port', String(options.port)]),
      ...(options.address ? ['--address', options.address] : []),
      ...(options.acceptHosts ? ['--accept-hosts', options.acceptHosts] : []),
      ...(options.extraArgs ?? []),
    ];
    const child = kubectl.spawn(args);
    const out: string[] = [];
    let stdout = '';
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const banner = await new Promise<RegExpExecArray>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          out.push(chunk.toString('utf8'));
          stdout += chunk.toString('utf8');
          const m = BANNER.exec(stdout);
          if (m) resolve(m);
        });
        child.stderr?.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
        child.then(
          (r) =>
            reject(
              new ProxyStartError(
                `kubectl ${args.join(' ')} exited (${r.exitCode ?? r.signal}) before serving: ${out.join('').trim().split('\n').at(-1) ?? ''}`,
              ),
            ),
          reject,
        );
        timer = setTimeout(
          () =>
            reject(
              new ProxyStartError(
                `kubectl ${args.join(' ')} printed no "Starting to serve on" within ${timeoutMs} ms: ${out.join('').trim()}`,
              ),
            ),
          timeoutMs,
        );
      });
      return new KubectlProxy(child, args, banner, out);
    } catch (e) {
      await stopChild(child);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the proxy and waits until the process has exited; calling it again is harmless. */
  stop(): Promise<void> {
    this.stopped ??= stopChild(this.child);
    return this.stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

async function stopChild(child: ResultPromise, graceMs = 5000): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  // awaited elsewhere: how the proxy ended is its output's business; here only whether it did
  const exited = child.then(
    () => true,
    () => true,
  );
  const inTime = await Promise.race([
    exited,
    new Promise<false>((r) => {
      timer = setTimeout(() => r(false), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (!inTime) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Runs fn with a started proxy and stops the proxy afterwards, whatever fn does. */
export async function withKubectlProxy<T>(
  kubectl: Kubectl,
  options: ProxyOptions,
  fn: (proxy: KubectlProxy) => Promise<T>,
): Promise<T> {
  await using proxy = await KubectlProxy.start(kubectl, options);
  return await fn(proxy);
}
