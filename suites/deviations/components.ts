// Deviations staged on the live cluster for negative controls of §2; each is undone before it returns, and
// each is recorded where a later run finds it if this one is killed (kind/providers/leftovers.ts):
// a parked manifest carries the run's hash in its name, a scaled Deployment says so in its annotations.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parkedSuffix, stoppedSuffix } from '../../contract/marks.ts';
import { restoreScaled, scaleRecorded, untilRolledOut } from '../../helpers/scaled.ts';
import { Kubectl } from '../../helpers/kubectl.ts';
import { nodeExec, nodeExecOk } from '../../helpers/node.ts';
import { removeStoppedSandboxes, runningContainerId } from '../../helpers/static-pod.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { runName } from '../../contract/run-id.ts';
import { randomBytes } from 'node:crypto';
import { NotStaged } from '../differences.ts';
import { redisCli } from '../components/observe.ts';
import { checkKubeSystemPods, podReady } from '../checks/components.ts';
import type { Live } from '../live.ts';
import { controlPlaneContainers, podExpectations } from '../observations.ts';
import { eventually, settledNote } from '../eventually.ts';
import { finding } from '../differences.ts';

/**
 * How the control plane deviates: COMP-01's check on its containers and COMP-02's on its pods, both at once
 * (the `controlPlaneDeviations` fixture: once per file, before either disruptive control stages anything).
 * A failed observation is a deviation too. Observed until nothing deviates or the run's settle time has passed,
 * as the claims themselves do: the disruptive controls run first in the pool, and on a cluster created a moment
 * ago coredns is often not Ready yet (a CI run on 2026-12-07 held both controls back for "coredns … found 0").
 */
/** How the disruptive controls found the control plane: what deviates (nothing, to stage), and how long that took. */
export interface ControlPlaneAsFound {
  deviations: string[];
  note: string;
}

export async function controlPlaneDeviations({
  cluster,
  kube,
  run,
}: Pick<Live, 'cluster' | 'kube' | 'run'>): Promise<ControlPlaneAsFound> {
  // reported: a failed observation is a deviation, named, that keeps the disruptive controls from staging
  const differencesNow = (observe: () => Promise<string[]>) =>
    observe().catch((e: Error) => [`the observation failed: ${e.message.split('\n')[0]}`]);
  const observe = async () =>
    (
      await Promise.all([
        differencesNow(async () => (await controlPlaneContainers(cluster, kube)).differences.map((f) => f.message)),
        differencesNow(async () =>
          checkKubeSystemPods(
            (await kube.core.listNamespacedPod({ namespace: 'kube-system' })).items,
            await podExpectations(cluster, kube),
          ).map((f) => f.message),
        ),
      ])
    ).flat();
  const s = await eventually(observe, (live) => live.map((message) => finding('control-plane', message)), {
    deadline: run.settleBy,
  });
  const note = `COMP-01's and COMP-02's checks on the control plane, before this file's controls staged anything: ${settledNote(s)}`;
  return { deviations: s.differences.length ? [...s.observation, settledNote(s)] : [], note };
}

/**
 * Moves a static pod manifest off /etc/kubernetes/manifests, runs fn, puts it back and waits until its pod is Ready
 * again.
 */
export async function withStaticPodRemoved(
  { cluster: c, kube, run }: Pick<Live, 'cluster' | 'kube' | 'run'>,
  component: string,
  fn: () => Promise<void>,
  restoreTimeoutMs = 90_000,
): Promise<void> {
  const manifest = `/etc/kubernetes/manifests/${component}.yaml`;
  const parked = `/etc/kubernetes/${component}.yaml${parkedSuffix(run.runId)}`;
  const pod = `${component}-${c.nodeName}`;
  await nodeExecOk(c, ['mv', manifest, parked]);
  try {
    await waitUntil(
      `${component} container to stop`,
      async () => {
        const r = await nodeExec(c, ['crictl', 'ps', '--name', `^${component}$`, '-q']);
        return r.exitCode === 0 && r.stdout.trim() === '';
      },
      90_000,
    );
    await fn();
  } finally {
    // Without the stopped pod's exited container, kubelet starts the restored pod at once instead of under a
    // back-off that grows run after run (helpers/static-pod.ts).
    // best-effort: without it kubelet only backs off longer
    await removeStoppedSandboxes(c, pod).catch(() => []);
    await nodeExecOk(c, ['mv', parked, manifest]);
    // Undoing our own deviation: back to how the run found it, boundedly. Ready is read off the new container
    // (the mirror pod may still show the old one's status for a moment). The API is asked first and the node
    // only once the API says Ready: kubeadm's startup probe keeps the pod unready 10-20 s, and an exec on every
    // poll cost the files running beside it the CPU of a runtime exec each time.
    await waitUntil(
      `${pod} to be Ready again`,
      async () => {
        // retried: the mirror pod may be gone for a moment; the wait asks again until its deadline
        const status = await kube.core
          .readNamespacedPod({ namespace: 'kube-system', name: pod })
          .catch(() => undefined);
        const current = status?.status?.containerStatuses?.find((s) => s.name === component);
        if (!status || !podReady(status) || !current?.containerID) return false;
        const running = await runningContainerId(c, component);
        return !!running && current.containerID.endsWith(running);
      },
      restoreTimeoutMs,
      500,
    );
  }
}

/**
 * Stops (SIGSTOP) the main process of a running container on the node, runs fn, and lets it go on (SIGCONT): a
 * member that no longer answers, without the container ending. kubelet then restarts nothing and no startup
 * probe is waited for, where a moved manifest costs a restart, kubeadm's startup probe (10 s, then every 10 s)
 * and the back-off of what depends on it. The PID is kept in a marker beside the manifests, so that the next run
 * lets a killed run's stopped process go on (kind/providers/leftovers.ts); kubelet's liveness probe would
 * restart it within minutes anyway.
 */
export async function withProcessStopped(
  { cluster: c, run }: Pick<Live, 'cluster' | 'run'>,
  container: string,
  fn: () => Promise<void>,
): Promise<void> {
  const id = await runningContainerId(c, container);
  if (!id) throw new Error(`no running ${container} container on ${c.nodeName} to stop`);
  const pid = (
    await nodeExecOk(c, ['crictl', 'inspect', '--output', 'go-template', '--template', '{{.info.pid}}', id])
  ).trim();
  if (!/^[1-9]\d*$/.test(pid))
    throw new Error(`crictl inspect gave no process ID for ${container} on ${c.nodeName}: ${pid}`);
  const marker = `/etc/kubernetes/${container}.pid${stoppedSuffix(run.runId)}`;
  await nodeExecOk(c, ['sh', '-c', 'echo "$1" > "$2" && kill -STOP "$1"', 'stop', pid, marker]);
  try {
    await fn();
  } finally {
    await nodeExecOk(c, ['sh', '-c', 'kill -CONT "$1"; rm -f "$2"', 'resume', pid, marker]);
  }
}

/**
 * Scales a Deployment (recording the replicas before, on the object), runs fn, scales back and waits for the rollout.
 */
export async function withDeploymentScaled(
  { kube, run }: Pick<Live, 'kube' | 'run'>,
  namespace: string,
  name: string,
  selector: string,
  replicas: number,
  fn: () => Promise<void>,
): Promise<void> {
  await scaleRecorded(kube, namespace, name, replicas, run.runId);
  try {
    await waitUntil(
      `${name} to have ${replicas} pod(s)`,
      async () => {
        const pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
        return pods.filter((p) => !p.metadata?.deletionTimestamp).length === replicas;
      },
      40_000,
    );
    await fn();
  } finally {
    await restoreScaled(kube, namespace, name);
    // Bounded: on a cluster that deviates (no controller-manager, say) the rollout may never finish, and the
    // control then fails saying so rather than holding the run.
    await untilRolledOut(kube, namespace, name, 40_000);
    // The pod scaled away is gone from the API only once kubelet has stopped its containers (coredns: lameduck 5 s);
    // until then a node runs one more container than the API places there, which the next observation would judge.
    await waitUntil(
      `the ${name} pod scaled away to be gone`,
      async () => {
        const pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: selector })).items;
        return pods.every((p) => !p.metadata?.deletionTimestamp);
      },
      40_000,
    );
  }
}

/** A copy of the run's kubeconfig whose current context names another namespace (removed afterwards). */
export async function withContextNamespace(
  { kubectl: base, run }: Pick<Live, 'kubectl' | 'run'>,
  namespace: string,
  fn: (k: Kubectl) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), `${runName(run.runId, 'kubeconfig')}-`));
  try {
    const kc = parse(await readFile(base.kubeconfig, 'utf8')) as {
      'current-context': string;
      contexts: Array<{ name: string; context: Record<string, string> }>;
    };
    const current = base.context ?? kc['current-context'];
    for (const ctx of kc.contexts) if (ctx.name === current) ctx.context.namespace = namespace;
    const file = join(dir, 'kubeconfig');
    await writeFile(file, stringify(kc), { mode: 0o600 });
    await fn(new Kubectl(base.binary, file, base.context));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A password required by one replica of the run's redis StatefulSet (CONFIG SET requirepass) while fn runs. */
export async function withRedisPassword(
  live: Pick<Live, 'cluster' | 'kube'>,
  pod: string,
  fn: () => Promise<void>,
): Promise<void> {
  const password = `kc-${randomBytes(9).toString('base64url')}`;
  const set = await redisCli(live, pod, ['CONFIG', 'SET', 'requirepass', password]);
  if (set !== 'OK') throw new NotStaged(`redis-cli CONFIG SET requirepass in ${pod} answered ${set}`);
  const unset = async () => {
    const answer = await redisCli(live, pod, ['-a', password, '--no-auth-warning', 'CONFIG', 'SET', 'requirepass', '']);
    if (answer !== 'OK') throw new Error(`the password of ${pod} could not be removed: redis-cli answered ${answer}`);
  };
  try {
    await fn();
  } finally {
    await unset();
  }
}
