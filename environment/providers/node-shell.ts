// Node access on a cluster kind did not make: a privileged pod on the control-plane node, in a
// namespace of the run, whose exec enters the node's namespaces (nsenter -t 1). Removed at the end.
import { config } from '../../app/config.ts';
import { kubeClients } from '../../lib/kube.ts';
import { log } from '../../lib/log.ts';
import { createRunNamespace, deleteNamespace } from '../../lib/namespace.ts';
import { runName } from '../../lib/run-id.ts';
import { sleep } from '../../lib/wait.ts';

export interface NodeShell {
  namespace: string;
  pod: string;
}

/** Starts the node-shell pod; undefined (with the reason) when the cluster does not allow it. */
export async function startNodeShell(kubeconfig: string, context: string | undefined, nodeName: string): Promise<{ shell?: NodeShell; reason?: string }> {
  const k = kubeClients(kubeconfig, context);
  const namespace = runName('node-shell');
  const pod = 'node-shell';
  try {
    // The pod must run privileged: allow it in this namespace only (Pod Security Admission).
    await createRunNamespace(k, namespace, { 'pod-security.kubernetes.io/enforce': 'privileged' });
    await k.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: pod },
        spec: {
          nodeName, hostPID: true, hostNetwork: true, restartPolicy: 'Never', terminationGracePeriodSeconds: 0,
          tolerations: [{ operator: 'Exists' }],
          containers: [{
            name: 'shell', image: config.nodeShellImage, imagePullPolicy: 'IfNotPresent',
            command: ['sleep', '86400'], securityContext: { privileged: true },
          }],
        },
      },
    });
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const p = await k.core.readNamespacedPod({ namespace, name: pod });
      if (p.status?.phase === 'Running') return { shell: { namespace, pod } };
      const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting && /ErrImagePull|ImagePullBackOff|InvalidImageName|CreateContainerError/.test(waiting.reason ?? '')) {
        throw new Error(`${waiting.reason}: ${waiting.message ?? config.nodeShellImage}`);
      }
      await sleep(1000);
    }
    throw new Error('the node-shell pod did not start within 120s');
  } catch (error) {
    await deleteNamespace(k, namespace).catch(() => undefined);
    const reason = `no shell on node ${nodeName}: a privileged pod (${config.nodeShellImage}) could not run (${(error as Error).message.split('\n')[0]})`;
    log.warn(reason);
    return { reason };
  }
}

export async function stopNodeShell(kubeconfig: string, context: string | undefined, shell: NodeShell): Promise<void> {
  await deleteNamespace(kubeClients(kubeconfig, context), shell.namespace);
}
