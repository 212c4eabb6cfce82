// HA (three control planes behind kind's load balancer, or any load balancer in front of several API
// servers): the endpoint kubectl and admin.conf name reaches every API server. Pure functions of observations.
import { finding, type Differences } from '../../differences.ts';

/** Which control-plane node's API server a connection reached: the node named among its certificate's DNS names. */
export function serverOf(dnsNames: string[], controlPlanes: string[]): string | undefined {
  return controlPlanes.find((n) => dnsNames.includes(n));
}

/** Fresh connections through the endpoint reach the API server of every control-plane node, and no other server. */
export function checkEveryApiServerReached(connections: string[][], controlPlanes: string[]): Differences {
  const reached = connections.map((names) => serverOf(names, controlPlanes));
  const diffs: Differences = [];
  const unknown = connections.filter((_, i) => !reached[i]);
  if (unknown.length)
    diffs.push(
      finding(
        'unknown-server',
        `${unknown.length} of ${connections.length} connections reached a server whose certificate names no control-plane node (${unknown[0]!.join(', ')})`,
        { expected: 0, actual: unknown.length },
      ),
    );
  for (const node of controlPlanes) {
    if (!reached.includes(node))
      diffs.push(
        finding(
          'server-reached',
          `the API server of ${node} is not reached through the endpoint (${connections.length} connections reached ${[...new Set(reached.filter(Boolean))].join(', ') || 'none'})`,
          { expected: node, actual: [...new Set(reached.filter(Boolean))].join(', ') || 'none' },
        ),
      );
  }
  return diffs;
}
