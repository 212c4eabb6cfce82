// One ID per run names everything the run creates (etcd keys, namespaces, processes) and its report folder.
import { randomBytes } from 'node:crypto';

/** The run's ID, fixed for the whole process tree once chosen (vitest workers inherit the environment). */
export function runId(): string {
  if (!process.env.KUBE_CLAIMS_RUN_ID) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    process.env.KUBE_CLAIMS_RUN_ID = `${stamp}-${randomBytes(3).toString('hex')}`;
  }
  return process.env.KUBE_CLAIMS_RUN_ID;
}

/** A name for a thing this run creates: lower-case, DNS-label safe. */
export function runName(purpose: string): string {
  return `kc-${purpose}-${runId().slice(-6)}`.toLowerCase();
}
