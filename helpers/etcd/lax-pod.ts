// The throw-away etcd of helpers/etcd/container.ts as a pod of the run on the control-plane node, for hosts whose
// Docker has not got the cluster's etcd image (a cluster kube-claims did not make, no registry): the node
// has it, since its etcd static pod runs from it. Not privileged, no host network, data in an emptyDir;
// etcdctl through pods/exec, the plain-http port through a port-forward. Always deleted by its stop().
import { randomBytes } from 'node:crypto';
import type { KubeClients } from '../kube.ts';
import { RUN_LABEL } from '../../contract/marks.ts';
import { runHash } from '../../contract/run-id.ts';
import { awaitPodRunning } from '../pod-running.ts';
import { laxEtcdCommand, laxEtcdHandle, type StartedLaxEtcd } from './container.ts';
import { podExec } from './exec.ts';
import { portForward } from './port-forward.ts';

// etcd makes its data dir itself (mode 0700) inside the emptyDir's mount.
const MOUNT = '/var/lib/etcd-lax';
const DATA_DIR = `${MOUNT}/data`;

export interface LaxEtcdPodRequest {
  k: KubeClients;
  /** A namespace of the run (removed with it, also by the next run if this one was killed). */
  namespace: string;
  nodeName: string;
  image: string;
  runId: string;
  startupTimeoutMs?: number;
}

export async function startLaxEtcdPod(r: LaxEtcdPodRequest): Promise<StartedLaxEtcd> {
  // Unique: controls of several test files may each start one at the same time.
  const name = `etcd-lax-${randomBytes(3).toString('hex')}`;
  const ref = { namespace: r.namespace, pod: name, container: 'etcd' };
  await r.k.core.createNamespacedPod({
    namespace: r.namespace,
    body: {
      metadata: { name, labels: { [RUN_LABEL]: runHash(r.runId) } },
      spec: {
        nodeName: r.nodeName,
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        automountServiceAccountToken: false,
        tolerations: [{ operator: 'Exists' }],
        // What Pod Security's "restricted" level asks, so that a cluster enforcing it by default admits the pod.
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          fsGroup: 65532,
          seccompProfile: { type: 'RuntimeDefault' },
        },
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'etcd',
            image: r.image,
            imagePullPolicy: 'IfNotPresent',
            command: laxEtcdCommand(DATA_DIR),
            volumeMounts: [{ name: 'data', mountPath: MOUNT }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    },
  });
  let forwarding: Awaited<ReturnType<typeof portForward>> | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await forwarding?.close();
      // best-effort: the run's own pod; one that lingers is removed by the next run (kind/providers/leftovers.ts)
      await r.k.core
        .deleteNamespacedPod({ namespace: r.namespace, name, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    })());
  try {
    // Serving when etcd answers on its plain-http URL inside the pod (the pod has no readiness probe).
    const serving = async () =>
      (
        await podExec(
          r.k.kc,
          ref,
          ['etcdctl', '--endpoints=http://127.0.0.1:2379', '--dial-timeout=1s', 'endpoint', 'health'],
          { timeoutMs: 10_000 },
        )
      ).exitCode === 0;
    await awaitPodRunning(r.k, r.namespace, name, {
      timeoutMs: r.startupTimeoutMs ?? 30_000,
      what: `the lax etcd pod ${r.namespace}/${name}`,
      ready: { as: 'serving', check: serving },
    });
    forwarding = await portForward(r.k.kc, ref, 2379);
  } catch (error) {
    await stop();
    throw error;
  }
  return laxEtcdHandle({
    where: `pod ${r.namespace}/${name} on ${r.nodeName}`,
    name,
    image: r.image,
    plainHostPort: `127.0.0.1:${forwarding.port}`,
    dataDir: DATA_DIR,
    exec: (argv) => podExec(r.k.kc, ref, argv, { timeoutMs: 30_000 }),
    stop,
  });
}
