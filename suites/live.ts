// The cluster under test, the run, and clients of the cluster: what the suites' helpers are handed as values
// (the fixtures of suites/fixtures.ts give them to the claims).
import type { ClusterInfo, RunContext } from '../contract/cluster.ts';
import type { KubeClients } from '../helpers/kube.ts';
import type { Kubectl } from '../helpers/kubectl.ts';

/** The cluster under test, the run, and clients of the cluster: what helpers of the suites are handed. */
export interface Live {
  cluster: ClusterInfo;
  run: RunContext;
  /** @kubernetes/client-node clients for the run's kubeconfig. */
  kube: KubeClients;
  /** kubectl built for the server's version, on the run's kubeconfig; marks what it spawns with the run. */
  kubectl: Kubectl;
}
