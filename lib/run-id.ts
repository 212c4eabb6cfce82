// One ID per run names everything the run creates (etcd keys, namespaces, processes) and its report folder.
import { createHash, randomBytes } from 'node:crypto';

/** The run's ID, fixed for the whole process tree once chosen (vitest workers inherit the environment). */
export function runId(): string {
  if (!process.env.KUBE_CLAIMS_RUN_ID) {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    process.env.KUBE_CLAIMS_RUN_ID = `${stamp}-${randomBytes(3).toString('hex')}`;
  }
  return process.env.KUBE_CLAIMS_RUN_ID;
}

/**
 * A name for a thing this run creates (namespaces, etcd keys, bindings): `kc-PURPOSE-XXXXXX`, where XXXXXX
 * is a hash of the run ID, so it is a DNS label whatever the run ID looks like (matrix IDs end in "-v1.33").
 */
export function runName(purpose: string): string {
  return `kc-${purpose}-${createHash('sha256').update(runId()).digest('hex').slice(0, 6)}`.toLowerCase();
}
