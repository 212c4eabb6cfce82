// Where kube-claims keeps what it builds and makes on this machine, and how it marks what is its own.
// Shared by host preparation, the image recipe and the providers; the run's own configuration is app/config.ts.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const env = process.env;

export const settings = {
  /** Build outputs that survive between runs: Go-built binaries, rootfs, stamps. */
  cacheDir: env.KUBE_CLAIMS_CACHE ?? join(homedir(), '.cache', 'kube-claims'),
  /** Project-local state: kubeconfig files of the kind clusters kube-claims makes. Never ~/.kube/config. */
  stateDir: env.KUBE_CLAIMS_STATE ?? join(PROJECT_ROOT, '.kube-claims'),
  /** Label put on every Docker object kube-claims creates, so it never touches anything else. */
  ownerLabel: 'io.kube-claims.owner',
  /** Where the host's capability shim is installed (see environment/host/runc-capshim.sh). */
  shimPath: '/usr/local/lib/kube-claims/runc-capshim',
  shimRuntimeName: 'kube-claims-runc',
} as const;

export const paths = {
  bin: join(settings.cacheDir, 'bin'),
  kubeconfig: (cluster: string) => join(settings.stateDir, `${cluster}.kubeconfig`),
  logs: join(settings.stateDir, 'logs'),
};
