// kubectl built for the cluster's Kubernetes version (a kubectl already on the machine may be another build),
// always pointed at the run's kubeconfig: never ~/.kube/config.
import { execa, type ResultPromise } from 'execa';
import { OWNER_PROCESS_ENV } from '../contract/marks.ts';
import { processIdentity } from './host-process.ts';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  command: string;
}

/** Environment variable set on long-running kubectl processes (proxy, port-forward): a killed run's are found by it. */
export const PROCESS_MARKER = 'KUBE_CLAIMS_RUN_HASH';

export class Kubectl {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly context?: string;
  /** Marks spawned processes with the run (helpers/run-id.ts runHash). */
  readonly runHash?: string;

  constructor(binary: string, kubeconfig: string, context?: string, runHash?: string) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.context = context;
    this.runHash = runHash;
  }

  private baseArgs(): string[] {
    return ['--kubeconfig', this.kubeconfig, ...(this.context ? ['--context', this.context] : [])];
  }

  async run(
    args: string[],
    options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<KubectlResult> {
    const r = await execa(this.binary, [...this.baseArgs(), ...args], {
      reject: false,
      input: options.input,
      timeout: options.timeoutMs ?? 30_000,
      env: options.env,
    });
    const stderr = r.timedOut
      ? `${r.stderr}\n(kubectl did not finish within ${(options.timeoutMs ?? 30_000) / 1000}s)`
      : r.stderr;
    return { stdout: r.stdout, stderr, exitCode: r.exitCode ?? -1, command: `kubectl ${args.join(' ')}` };
  }

  /** Runs and fails with kubectl's own message on a non-zero exit. */
  async ok(
    args: string[],
    options: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {},
  ): Promise<KubectlResult> {
    const r = await this.run(args, options);
    if (r.exitCode !== 0) throw new Error(`${r.command} exited ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1)}`);
    return r;
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse((await this.ok([...args, '-o', 'json'])).stdout) as T;
  }

  /** A long-running kubectl (proxy, port-forward, watch); the caller stops it. */
  spawn(args: string[]): ResultPromise {
    return execa(this.binary, [...this.baseArgs(), ...args], {
      reject: false,
      buffer: false,
      cleanup: true,
      env: this.runHash ? { [PROCESS_MARKER]: this.runHash, [OWNER_PROCESS_ENV]: processIdentity() } : undefined,
    });
  }
}

const GOARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  s390x: 's390x',
  ppc64: 'ppc64le',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/** This host's platform as Go names it (GOOS/GOARCH): kubectl runs here, so its /version and User-Agent say it. */
export function goPlatform(): string {
  return `${process.platform}/${GOARCH[process.arch] ?? process.arch}`;
}
