// Node diagnostics for a run whose claims failed (e2e-framework's ExportLogs, sonobuoy's podlogs/): the
// kubelet and containerd journals, the containers and the last lines of each kube-system container's log,
// the static pod manifests' names and the cluster's events. Every file is redacted before it is written.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterInfo } from '../../contract/cluster.ts';
import { Kubectl } from '../../helpers/kubectl.ts';
import { nodeExec } from '../../helpers/node.ts';
import { redact } from '../../helpers/redact.ts';

interface CrictlContainer {
  id: string;
  metadata: { name: string };
  labels: Record<string, string>;
}

async function collect(cluster: ClusterInfo, dir: string, withNode: boolean): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const save = async (name: string, text: string) => {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), redact(text));
    written.push(name);
  };
  const onNode = async (name: string, argv: string[]) => {
    // not judged: diagnostics for the report; a command that cannot run is written down as such
    const r = await nodeExec(cluster, argv, undefined, 60_000).catch((e: Error) => ({
      stdout: '',
      stderr: e.message,
      exitCode: -1,
    }));
    await save(name, r.exitCode === 0 ? r.stdout : `${argv.join(' ')} exited ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
  };
  const kubectl = new Kubectl(cluster.kubectl, cluster.kubeconfig, cluster.context);
  const events = await kubectl.run(['get', 'events', '-A', '--sort-by=.lastTimestamp', '-o', 'wide'], {
    timeoutMs: 30_000,
  });
  await save('events.txt', events.exitCode === 0 ? events.stdout : events.stderr);
  const pods = await kubectl.run(['get', 'pods', '-A', '-o', 'wide'], { timeoutMs: 30_000 });
  await save('pods.txt', pods.exitCode === 0 ? pods.stdout : pods.stderr);
  if (!withNode || cluster.nodeAccess.kind === 'none') return written;
  await onNode('kubelet.log', ['journalctl', '-u', 'kubelet', '--no-pager', '-n', '3000']);
  await onNode('containerd.log', ['journalctl', '-u', 'containerd', '--no-pager', '-n', '1000']);
  await onNode('containers.txt', ['crictl', 'ps', '-a']);
  await onNode('manifests.txt', ['ls', '-l', '/etc/kubernetes/manifests']);
  // not judged: diagnostics; without crictl's list there are no container logs to collect
  const list = await nodeExec(cluster, ['crictl', 'ps', '-a', '-o', 'json']).catch(() => undefined);
  const containers =
    list?.exitCode === 0 ? (JSON.parse(list.stdout) as { containers: CrictlContainer[] }).containers : [];
  for (const c of containers.filter((x) => x.labels['io.kubernetes.pod.namespace'] === 'kube-system')) {
    await onNode(`containers/${c.labels['io.kubernetes.pod.name']}_${c.metadata.name}_${c.id.slice(0, 12)}.log`, [
      'crictl',
      'logs',
      '--tail',
      '300',
      c.id,
    ]);
  }
  return written;
}

/**
 * Diagnostics of a cluster kube-claims made (kind: through `docker exec` into its node). Nothing is read from other
 * clusters' nodes.
 */
export async function exportDiagnostics(cluster: ClusterInfo, dir: string): Promise<string[]> {
  return collect(cluster, dir, cluster.madeByKubeClaims);
}
