// Where kube-claims keeps what it builds and makes on this machine. The values come from the run's
// configuration (app/config.ts, the one place that reads KUBE_CLAIMS_*) and are handed down as a value.
import { join } from 'node:path';

export interface KindSettings {
  /** Build outputs that survive between runs: Go-built binaries, rootfs, stamps (KUBE_CLAIMS_CACHE). */
  cacheDir: string;
  /**
   * Kubeconfig files and kind configs of the kind clusters kube-claims makes; never ~/.kube/config (KUBE_CLAIMS_STATE).
   */
  stateDir: string;
  /** Repository of the offline node image (KUBE_CLAIMS_NODE_REPO), for two checkouts side by side on one engine. */
  nodeRepo: string;
  /** The Debian mirror debootstrap and apt use for the offline images (KUBE_CLAIMS_DEBIAN_MIRROR). */
  debianMirror: string;
}

/** Where the host's capability shim is installed (see kind/host/runc-capshim.sh), and its runtime name in Docker. */
export const SHIM = { path: '/usr/local/lib/kube-claims/runc-capshim', runtimeName: 'kube-claims-runc' } as const;

export const binDir = (s: Pick<KindSettings, 'cacheDir'>) => join(s.cacheDir, 'bin');
export const kubeconfigPath = (s: Pick<KindSettings, 'stateDir'>, cluster: string) =>
  join(s.stateDir, `${cluster}.kubeconfig`);
/** Go module sources fetched without the go command (helpers/go-proxy.ts), as Go's module cache keeps them. */
export const moduleCacheDir = (s: Pick<KindSettings, 'cacheDir'>) => join(s.cacheDir, 'go-modules');
export const logsDir = (s: Pick<KindSettings, 'stateDir'>) => join(s.stateDir, 'logs');
