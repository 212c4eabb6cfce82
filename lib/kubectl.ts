// kubectl built for the cluster's Kubernetes version (a kubectl already on the machine may be another build),
// always pointed at the run's kubeconfig: never ~/.kube/config.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { config } from '../app/config.ts';
import { buildKubectl } from '../environment/image/components.ts';

export interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  command: string;
}

export class Kubectl {
  readonly binary: string;
  readonly kubeconfig: string;
  readonly context?: string;

  constructor(binary: string, kubeconfig: string, context?: string) {
    this.binary = binary;
    this.kubeconfig = kubeconfig;
    this.context = context;
  }

  private baseArgs(): string[] {
    return ['--kubeconfig', this.kubeconfig, ...(this.context ? ['--context', this.context] : [])];
  }

  async run(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
    const r = await execa(this.binary, [...this.baseArgs(), ...args], { reject: false, input: options.input, timeout: options.timeoutMs ?? 60_000 });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1, command: `kubectl ${args.join(' ')}` };
  }

  /** Runs and fails with kubectl's own message on a non-zero exit. */
  async ok(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
    const r = await this.run(args, options);
    if (r.exitCode !== 0) throw new Error(`${r.command} exited ${r.exitCode}: ${r.stderr.trim().split('\n').at(-1)}`);
    return r;
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse((await this.ok([...args, '-o', 'json'])).stdout) as T;
  }

  /** A long-running kubectl (proxy, port-forward, watch); the caller stops it. */
  spawn(args: string[]): ResultPromise {
    return execa(this.binary, [...this.baseArgs(), ...args], { reject: false, buffer: false, cleanup: true });
  }
}

/** The kubectl of this Kubernetes version, built from its module when missing. */
export async function kubectlBinary(kubernetesVersion: string): Promise<string> {
  const built = join(config.cacheDir, 'bin', 'kubernetes', kubernetesVersion, 'kubectl');
  if (existsSync(built)) return built;
  return buildKubectl(kubernetesVersion);
}
