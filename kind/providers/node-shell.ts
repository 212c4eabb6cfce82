// Node access on a cluster kube-claims did not make, without a registry: a privileged pod of the run on each
// node, from an image the node already has (every kubeadm node has its pause image, the
// sandbox of every pod), or one the user names. The image needs no shell and no libc: the pod mounts the
// node's root at /host, and its exec runs the node's own nsenter through the node's own dynamic loader,
// entering PID 1's namespaces. The pod's namespace is the run's; it goes when the run releases the cluster.
import type { V1ContainerImage } from '@kubernetes/client-node';
import type { NodeAccess } from '../../contract/cluster.ts';
import type { KubeClients } from '../../helpers/kube.ts';
import { Kubectl } from '../../helpers/kubectl.ts';
import { log } from '../../helpers/log.ts';
import { NSENTER_ARGS } from '../../helpers/node.ts';
import { createRunNamespace, deleteNamespace } from '../../helpers/namespace.ts';
import { awaitPodRunning } from '../../helpers/pod-running.ts';
import { runName } from '../../contract/run-id.ts';

const HOST = '/host';
/** Dynamic loaders of common node distributions (glibc and musl, amd64 and arm64), as real files. */
const LOADERS = [
  'lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  'usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2',
  'usr/lib64/ld-linux-x86-64.so.2',
  'lib64/ld-linux-x86-64.so.2',
  'lib/aarch64-linux-gnu/ld-linux-aarch64.so.1',
  'usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1',
  'lib/ld-linux-aarch64.so.1',
  'lib/ld-musl-x86_64.so.1',
  'lib/ld-musl-aarch64.so.1',
];
const LIBRARY_DIRS = [
  'lib/x86_64-linux-gnu',
  'usr/lib/x86_64-linux-gnu',
  'lib/aarch64-linux-gnu',
  'usr/lib/aarch64-linux-gnu',
  'usr/lib64',
  'lib64',
  'usr/lib',
  'lib',
];
const NSENTERS = ['usr/bin/nsenter', 'bin/nsenter', 'usr/sbin/nsenter', 'sbin/nsenter'];

/** The image names a node reports, best first: pause (tiny, static, runs /pause), then the other kubeadm images. */
export function chooseShellImage(images: V1ContainerImage[]): { image: string; command: string[] } | undefined {
  const names = images.flatMap((i) => i.names ?? []).filter((n) => !n.includes('@'));
  const pause = names.find((n) => /(^|\/)pause:/.test(n));
  return pause ? { image: pause, command: ['/pause'] } : undefined;
}

/** The argv prefix that runs the node's nsenter from the pod: [loader, --library-path, dirs, nsenter] or [nsenter]. */
export function launchers(): string[][] {
  const libs = LIBRARY_DIRS.map((d) => `${HOST}/${d}`).join(':');
  const out: string[][] = [];
  for (const n of NSENTERS) {
    for (const l of LOADERS) out.push([`${HOST}/${l}`, '--library-path', libs, `${HOST}/${n}`]);
    out.push([`${HOST}/${n}`]); // a static nsenter
  }
  return out;
}

export interface NodeShellRequest {
  k: KubeClients;
  kubectl: Kubectl;
  runId: string;
  nodeNames: string[];
  /** An image the user named; its command is `sleep infinity`. */
  image?: string;
  startTimeoutMs?: number;
}

/**
 * Starts a node-shell pod on each node, side by side, in the run's node-shell namespace; each node's access or `{ kind:
 * 'none', reason }`.
 */
export async function openNodeShells(r: NodeShellRequest): Promise<Map<string, NodeAccess>> {
  const namespace = runName(r.runId, 'node-shell');
  try {
    // Privileged in this namespace only (Pod Security Admission); labelled with the run.
    await createRunNamespace(r.k, r.runId, namespace, { 'pod-security.kubernetes.io/enforce': 'privileged' });
  } catch (error) {
    const reason = `no shell on the nodes: the run's namespace ${namespace} could not be created (${(error as Error).message.split('\n')[0]})`;
    log.warn(reason);
    return new Map(r.nodeNames.map((n) => [n, { kind: 'none', reason }]));
  }
  // One pod per node, named by its position (node names may be longer than a pod's hostname allows).
  const accesses = await Promise.all(
    r.nodeNames.map((nodeName, i) => openNodeShell(r, namespace, nodeName, `node-shell-${i}`)),
  );
  // Nothing usable: the namespace goes now (not waited for: on a cluster that deviates it may not finalize; the next
  // run removes it).
  // best-effort: a namespace that lingers is removed by the next run
  if (accesses.every((a) => a.kind === 'none')) await deleteNamespace(r.k, namespace, 0).catch(() => undefined);
  return new Map(r.nodeNames.map((n, i) => [n, accesses[i]!]));
}

async function openNodeShell(
  r: NodeShellRequest,
  namespace: string,
  nodeName: string,
  pod: string,
): Promise<NodeAccess> {
  const container = 'shell';
  let image = r.image;
  try {
    const node = await r.k.core.readNode({ name: nodeName });
    const chosen = r.image
      ? { image: r.image, command: ['sleep', 'infinity'] }
      : chooseShellImage(node.status?.images ?? []);
    if (!chosen)
      throw new Error('the node reports no pause image to start the pod from; name one with --node-shell-image');
    image = chosen.image;
    await r.k.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: pod },
        spec: {
          nodeName,
          hostPID: true,
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 0,
          tolerations: [{ operator: 'Exists' }],
          automountServiceAccountToken: false,
          volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
          containers: [
            {
              name: container,
              image: chosen.image,
              imagePullPolicy: r.image ? 'IfNotPresent' : 'Never',
              command: chosen.command,
              securityContext: { privileged: true, runAsUser: 0 },
              volumeMounts: [{ name: 'host', mountPath: HOST, readOnly: true }],
            },
          ],
        },
      },
    });
    await awaitPodRunning(r.k, namespace, pod, {
      timeoutMs: r.startTimeoutMs ?? 60_000,
      what: `pod ${namespace}/${pod}`,
    });
    for (const launcher of launchers()) {
      const probe = await r.kubectl.run(
        ['-n', namespace, 'exec', pod, '-c', container, '--', ...launcher, ...NSENTER_ARGS, 'true'],
        { timeoutMs: 15_000 },
      );
      if (probe.exitCode === 0) {
        log.step(
          `node shell on ${nodeName}: pod ${namespace}/${pod} (${chosen.image}), the node's ${launcher.at(-1)!.slice(HOST.length)}`,
        );
        return { kind: 'pod', namespace, pod, container, image: chosen.image, launcher };
      }
    }
    throw new Error(
      "no nsenter the pod can run was found on the node (looked for util-linux's nsenter and a glibc or musl loader)",
    );
  } catch (error) {
    // best-effort: the pod that could not serve goes with its namespace, or with the next run
    await r.k.core.deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 }).catch(() => undefined);
    const reason = `no shell on node ${nodeName}: a privileged pod${image ? ` from ${image}` : ''} could not enter it (${(error as Error).message.split('\n')[0]})`;
    log.warn(reason);
    return { kind: 'none', reason };
  }
}
