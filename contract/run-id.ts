// One ID per run names everything the run creates (etcd keys, namespaces, processes, containers) and its
// report folder. The ID is chosen once by the configuration and handed down as a value.
import { createHash, randomBytes } from 'node:crypto';

/** A new run ID: UTC time and a random suffix, e.g. 20261125-184003-a1b2c3. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Six hex digits of the run ID's hash: a DNS label whatever the run ID looks like (matrix IDs end in "-v1.33"). */
export function runHash(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 6);
}

/** A name for a thing the run creates: `kc-PURPOSE-HASH`. The hash ties leftovers to their run. */
export function runName(runId: string, purpose: string): string {
  return `kc-${purpose}-${runHash(runId)}`.toLowerCase();
}

/** The hash in a name made by runName, if it is one. */
export function hashOfRunName(name: string): string | undefined {
  return /^kc-[a-z0-9-]+-([0-9a-f]{6})(?:$|[.-])/.exec(name)?.[1];
}
