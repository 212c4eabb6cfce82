// The files of /etc/kubernetes the node-level claims read (API-05, API-06, API-07, API-15), observed once per
// control-plane node per run: read when the session opens (app/session.ts), before any negative control moves
// anything, and handed to every worker. A claim reads the run's observation; a control that stages files of its
// own reads those live. Where the run has none for a node (no access then, a read that failed), it is read live.
import type { ClusterInfo } from '../contract/cluster.ts';
import type { NodeFiles, RunNodeFiles } from '../contract/node-files.ts';
import { readNodeFiles } from '../helpers/node-files.ts';
import { ETC_KUBERNETES_DIRS, ETC_KUBERNETES_KUBECONFIGS } from './checks/apiserver/admin-conf.ts';
import { perReachableControlPlane } from './run-observations.ts';

export const ETC_KUBERNETES = '/etc/kubernetes';
export const CLUSTER_CA = `${ETC_KUBERNETES}/pki/ca.crt`;
export const FRONT_PROXY_CA = `${ETC_KUBERNETES}/pki/front-proxy-ca.crt`;

/** The layout under `root` (stat of its kubeconfigs and folders, its listing) and the kubeconfigs' texts. */
export function readKubeadmFiles(c: ClusterInfo, root: string, extra: string[] = []): Promise<NodeFiles> {
  const names = [...ETC_KUBERNETES_KUBECONFIGS, ...ETC_KUBERNETES_DIRS].map((n) => `${root}/${n}`);
  const files = [...ETC_KUBERNETES_KUBECONFIGS.map((n) => `${root}/${n}`), ...extra];
  return readNodeFiles(c, c.nodeName, root, names, files);
}

/** /etc/kubernetes as the claims read it: the layout, the kubeconfigs and the two CAs. */
export const readEtcKubernetes = (c: ClusterInfo) => readKubeadmFiles(c, ETC_KUBERNETES, [CLUSTER_CA, FRONT_PROXY_CA]);

/** The run's one observation of each control-plane node that kube-claims can reach (for the session). */
export const observeRunNodeFiles = (cluster: ClusterInfo): Promise<RunNodeFiles> =>
  perReachableControlPlane(cluster, readEtcKubernetes);
