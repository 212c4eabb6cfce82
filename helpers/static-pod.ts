// Static pods on the node, as a negative control moves one away and back.
import type { ClusterInfo } from '../contract/cluster.ts';
import { nodeExec } from './node.ts';
import { sleep, waitUntil } from './wait.ts';

/** kubelet's generic PLEG relist period (pkg/kubelet/kubelet.go genericPlegRelistPeriod: 1 s). */
const PLEG_RELIST_MS = 1000;

const sandboxes = async (cluster: ClusterInfo, pod: string, ready: boolean) =>
  (
    await nodeExec(cluster, ['crictl', 'pods', '--name', `^${pod}$`, ...(ready ? ['--state', 'ready'] : []), '-q'])
  ).stdout
    .split('\n')
    .filter(Boolean);

/**
 * Removes the stopped sandboxes of a static pod whose manifest was moved away, with their exited containers.
 * A manifest put back with the same content is the same pod (its UID hashes the file and its content), and
 * kubelet restarts its container under the back-off of the exited one it finds ("CrashLoopBackOff: back-off
 * 10s restarting failed container", doubling run after run up to 5 min): with no exited container left,
 * the pod starts at once. Returns the sandboxes removed; best effort (kubelet may be removing them too).
 */
export async function removeStoppedSandboxes(cluster: ClusterInfo, pod: string, timeoutMs = 30_000): Promise<string[]> {
  await waitUntil(
    `the sandbox of ${pod} to stop`,
    async () => (await sandboxes(cluster, pod, true)).length === 0,
    timeoutMs,
    250,
  );
  const stopped = await sandboxes(cluster, pod, false);
  for (const id of stopped) await nodeExec(cluster, ['crictl', 'rmp', id]);
  // kubelet reads the runtime's containers on its PLEG relist, every second: until then it still holds the
  // exited one and would back off from it (seen: 2 of 5 runs without this pause).
  if (stopped.length) await sleep(PLEG_RELIST_MS * 2);
  return stopped;
}

/** The ID of the running container named `container` on the node, if one runs. */
export async function runningContainerId(cluster: ClusterInfo, container: string): Promise<string | undefined> {
  const r = await nodeExec(cluster, ['crictl', 'ps', '--name', `^${container}$`, '-q']);
  return r.exitCode === 0 ? r.stdout.split('\n').find(Boolean) : undefined;
}
