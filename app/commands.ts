// The CLI's small commands: the catalogue, and kind clusters by hand (cluster up/down).
import { CATALOGUE } from '../contract/catalogue.ts';
import { DEFAULT_LINE, describeLine, LINE_IDS, LINES } from '../contract/lines.ts';
import { prepareHost } from '../kind/host/host.ts';
import { deleteKindCluster } from '../kind/providers/kind-provider.ts';
import { EXIT } from '../contract/exit-codes.ts';
import type { RunConfig } from './config.ts';
import { providerFor } from './session.ts';

export function listClaims(): void {
  for (const c of CATALOGUE) console.log(`${c.id.padEnd(8)} ${c.section.padEnd(5)} ${c.title}`);
  // The lines they are checked on (--kubernetes), each with the release it builds; a pre-release says so.
  console.log(
    `\nKubernetes lines: ${LINE_IDS.map((l) => `${describeLine(LINES[l])}${l === DEFAULT_LINE ? ' default' : ''}`).join(', ')}`,
  );
}

/** A kind cluster kube-claims made, kept running: its kubeconfig is printed for `verify --kubeconfig` or kubectl. */
export async function clusterUp(config: RunConfig): Promise<typeof EXIT.PASSED> {
  await prepareHost();
  const cluster = await providerFor({ ...config, kubeconfig: undefined, keep: true }).create();
  console.log(
    `cluster ${cluster.name} (${cluster.serverVersion}, node ${cluster.nodeName}) is ready\nexport KUBECONFIG=${cluster.kubeconfig}`,
  );
  return EXIT.PASSED;
}

export async function clusterDown(config: RunConfig): Promise<typeof EXIT.PASSED> {
  console.log(
    (await deleteKindCluster(config.clusterName, config.kind))
      ? `deleted kind cluster ${config.clusterName}`
      : `no kind cluster ${config.clusterName}`,
  );
  return EXIT.PASSED;
}
