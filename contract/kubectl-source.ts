// How the run's kubectl is described to the report and to the claims that judge it (API-01, API-02): which one
// ran, whence it came, and where API-02's Client Version expectation comes from. Pure functions of ClusterInfo,
// shared by the providers (kind/providers/kubectl.ts chooses the kubectl) and the suites.
import type { ClusterInfo } from './cluster.ts';

export const KUBECTL_FLAG = '--kubectl (KUBE_CLAIMS_KUBECTL)';
const FLAG = KUBECTL_FLAG;

/** "kubectl v1.33.3 from PATH /usr/local/bin/kubectl": which kubectl ran and where it came from. */
export function describeKubectl(c: Pick<ClusterInfo, 'kubectl' | 'kubectlVersion' | 'kubectlSource'>): string {
  const where = { flag: `given by ${FLAG}`, path: 'from PATH', built: 'built by kube-claims' }[c.kubectlSource.origin];
  return `kubectl ${c.kubectlVersion} ${where} ${c.kubectl}`;
}

/** What API-02 expects kubectl version to print as its Client Version, and where that expectation comes from. */
export function clientVersionExpectation(
  c: Pick<ClusterInfo, 'kubectl' | 'kubectlVersion' | 'kubectlSource' | 'requestedVersion'>,
): { version: string; source: string } {
  if (c.kubectlSource.origin === 'built') {
    return {
      version: c.kubectlVersion,
      source: `the release kube-claims built kubectl for (${c.requestedVersion === c.kubectlVersion ? 'the version asked for' : "the patch release of the server's line profile, contract/lines.ts"})`,
    };
  }
  return {
    version: c.kubectlVersion,
    source: `what ${c.kubectl} (${c.kubectlSource.origin === 'flag' ? `given by ${FLAG}` : 'from PATH'}) reported of itself (\`kubectl version -o json\` against this cluster) when kube-claims chose it: kube-claims did not build it, so nothing independent of kubectl says which release it is; the comparison shows that \`kubectl version\` prints the version its build reports`,
  };
}

/** The report's line: which kubectl, whence, and API-02's Client Version expectation. */
export function kubectlFact(
  c: Pick<ClusterInfo, 'kubectl' | 'kubectlVersion' | 'kubectlSource' | 'requestedVersion'>,
): string {
  const e = clientVersionExpectation(c);
  return `${describeKubectl(c)}; API-02's Client Version expectation: ${e.version}, ${e.source}`;
}
