// Live observations more than one suite file makes.
import { nodeExecOk } from '../helpers/node.ts';
import type { ClusterInfo } from '../contract/cluster.ts';
import type { CrictlContainer } from './checks/components.ts';

/** crictl ps on the control-plane node, as JSON and as the table the article shows. */
export async function crictlContainers(c: ClusterInfo): Promise<{ containers: CrictlContainer[]; table: string }> {
  const json = JSON.parse(await nodeExecOk(c, ['crictl', 'ps', '-o', 'json'])) as { containers: CrictlContainer[] };
  const table = await nodeExecOk(c, ['crictl', 'ps']);
  return { containers: json.containers, table };
}
