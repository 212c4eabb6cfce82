// Why a pod will not run, from pod objects as the API server returns them (statuses the kubelet and the
// scheduler write), and the wait that fails fast on it.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import type { KubeClients } from './kube.ts';
import { awaitPodRunning, podStartFailure } from './pod-running.ts';

const IMAGE = 'registry.k8s.io/etcd:3.5.21-0';

/** A single-container pod as readNamespacedPod returns it, with the status given. */
function pod(status: V1Pod['status'], containers = ['etcd']): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'etcd-lax',
      namespace: 'kc-20250101-000000-abcdef-run',
      uid: '0b7c2d5e-1f0a-4c7e-9d4b-3a2f1e6c8b90',
      creationTimestamp: new Date('2025-01-01T00:00:00Z'),
    },
    spec: {
      nodeName: 'kube-claims-control-plane',
      restartPolicy: 'Never',
      containers: containers.map((name) => ({ name, image: IMAGE, imagePullPolicy: 'IfNotPresent' })),
    },
    status,
  };
}

const scheduled = [
  { type: 'PodReadyToStartContainers', status: 'True' },
  { type: 'Initialized', status: 'True' },
  { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [etcd]' },
  {
    type: 'ContainersReady',
    status: 'False',
    reason: 'ContainersNotReady',
    message: 'containers with unready status: [etcd]',
  },
  { type: 'PodScheduled', status: 'True' },
];

const container = (state: V1ContainerStatus['state'], extra: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({
  name: 'etcd',
  image: IMAGE,
  imageID: '',
  ready: false,
  restartCount: 0,
  started: false,
  state,
  ...extra,
});

const pending = (...statuses: V1ContainerStatus[]) =>
  pod({
    phase: 'Pending',
    hostIP: '172.18.0.2',
    podIP: '10.244.0.7',
    conditions: scheduled,
    containerStatuses: statuses,
  });

describe('podStartFailure', () => {
  test.each([
    ['being created', pending(container({ waiting: { reason: 'ContainerCreating' } }))],
    [
      'without container statuses yet',
      pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] }),
    ],
    ['without a status at all', pod(undefined)],
    [
      'running',
      pod({
        phase: 'Running',
        conditions: scheduled,
        containerStatuses: [container({ running: { startedAt: new Date() } }, { ready: true, started: true })],
      }),
    ],
    [
      'not yet scheduled (no verdict yet)',
      pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] }),
    ],
  ])('none while the pod is %s', (_what, p) => {
    expect(podStartFailure(p)).toBeUndefined();
  });

  test.each([
    [
      'ErrImageNeverPull',
      container({
        waiting: {
          reason: 'ErrImageNeverPull',
          message: `Container image "${IMAGE}" is not present with pull policy of Never`,
        },
      }),
      `ErrImageNeverPull: Container image "${IMAGE}" is not present with pull policy of Never`,
    ],
    [
      'ImagePullBackOff',
      container({
        waiting: {
          reason: 'ImagePullBackOff',
          message: `Back-off pulling image "${IMAGE}": ErrImagePull: failed to pull and unpack image "${IMAGE}": failed to resolve reference`,
        },
      }),
      `ImagePullBackOff: Back-off pulling image "${IMAGE}": ErrImagePull: failed to pull and unpack image "${IMAGE}": failed to resolve reference`,
    ],
    [
      'ErrImagePull without a message (the image named instead)',
      container({ waiting: { reason: 'ErrImagePull' } }),
      `ErrImagePull: ${IMAGE}`,
    ],
    [
      'InvalidImageName',
      container({
        waiting: {
          reason: 'InvalidImageName',
          message:
            'Failed to apply default image tag "Etcd:x": couldn\'t parse image name "Etcd:x": invalid reference format: repository name (library/Etcd) must be lowercase',
        },
      }),
      /^InvalidImageName: Failed to apply default image tag/,
    ],
    [
      'CreateContainerConfigError',
      container({
        waiting: {
          reason: 'CreateContainerConfigError',
          message:
            'container has runAsNonRoot and image will run as root (pod: "etcd-lax_kc-run(0b7c2d5e)", container: etcd)',
        },
      }),
      'CreateContainerConfigError: container has runAsNonRoot and image will run as root (pod: "etcd-lax_kc-run(0b7c2d5e)", container: etcd)',
    ],
    [
      'CreateContainerError',
      container({
        waiting: {
          reason: 'CreateContainerError',
          message: 'failed to generate container spec:\nno such file or directory',
        },
      }),
      'CreateContainerError: failed to generate container spec: no such file or directory',
    ],
    [
      'RunContainerError',
      container({
        waiting: { reason: 'RunContainerError', message: 'exec: "/pause2": stat /pause2: no such file or directory' },
      }),
      /^RunContainerError: exec:/,
    ],
    [
      'CrashLoopBackOff',
      container(
        {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: 'back-off 10s restarting failed container=etcd pod=etcd-lax_kc-run(0b7c2d5e)',
          },
        },
        {
          restartCount: 1,
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: new Date(), finishedAt: new Date() } },
        },
      ),
      'CrashLoopBackOff: back-off 10s restarting failed container=etcd pod=etcd-lax_kc-run(0b7c2d5e) (last exit 1: Error)',
    ],
  ])('a container waiting with %s', (_what, status, expected) => {
    const why = podStartFailure(pending(status));
    if (typeof expected === 'string') expect(why).toBe(expected);
    else expect(why).toMatch(expected);
  });

  test('a pod of several containers names the one that cannot start, init containers included', () => {
    const p = pod({
      phase: 'Pending',
      conditions: scheduled,
      initContainerStatuses: [
        container(
          {
            waiting: {
              reason: 'ErrImageNeverPull',
              message: 'Container image "busybox:1.36" is not present with pull policy of Never',
            },
          },
          { name: 'init', image: 'busybox:1.36' },
        ),
      ],
      containerStatuses: [container({ waiting: { reason: 'PodInitializing' } })],
    });
    expect(podStartFailure(p)).toBe(
      'container init: ErrImageNeverPull: Container image "busybox:1.36" is not present with pull policy of Never',
    );
  });

  test('a pod the node rejected (kubelet admission): its reason and message', () => {
    const p = pod({
      phase: 'Failed',
      reason: 'OutOfcpu',
      message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 4000, used: 950, capacity: 2000",
      startTime: new Date(),
    });
    expect(podStartFailure(p)).toBe(
      "it failed: OutOfcpu: Pod was rejected: Node didn't have enough resource: cpu, requested: 4000, used: 950, capacity: 2000",
    );
  });

  test('a pod whose container exited: failed, or ended with exit 0, named by how it ended', () => {
    const terminated = (exitCode: number, reason: string, message?: string) =>
      container({ terminated: { exitCode, reason, message, startedAt: new Date(), finishedAt: new Date() } });
    expect(
      podStartFailure(
        pod({
          phase: 'Failed',
          conditions: scheduled,
          containerStatuses: [terminated(2, 'Error', 'flag provided but not defined:\n-bogus')],
        }),
      ),
    ).toBe('it failed: exited 2 (Error): flag provided but not defined: -bogus');
    expect(
      podStartFailure(
        pod({ phase: 'Succeeded', conditions: scheduled, containerStatuses: [terminated(0, 'Completed')] }),
      ),
    ).toBe('it ended: exited 0 (Completed)');
    expect(podStartFailure(pod({ phase: 'Failed' }))).toBe('it failed: no reason given');
  });

  test('a pod the scheduler cannot place', () => {
    const p = pod({
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message:
            '0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
        },
      ],
    });
    expect(podStartFailure(p)).toBe(
      'unschedulable: 0/1 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
    );
  });
});

describe('awaitPodRunning', () => {
  /** Clients whose readNamespacedPod answers with `pods` in turn (the last one from then on). */
  function clients(...pods: V1Pod[]) {
    const reads: Array<{ namespace: string; name: string }> = [];
    const k = {
      core: {
        readNamespacedPod: async (r: { namespace: string; name: string }) => {
          reads.push(r);
          return pods[Math.min(reads.length, pods.length) - 1]!;
        },
      },
    } as unknown as KubeClients;
    return { k, reads };
  }
  const creating = pending(container({ waiting: { reason: 'ContainerCreating' } }));
  const running = pod({
    phase: 'Running',
    conditions: scheduled,
    containerStatuses: [container({ running: { startedAt: new Date() } }, { ready: true, started: true })],
  });

  test('returns the pod once it runs', async () => {
    const { k, reads } = clients(creating, creating, running);
    await expect(
      awaitPodRunning(k, 'ns', 'etcd-lax', { timeoutMs: 5000, what: 'the pod', intervalMs: 1 }),
    ).resolves.toBe(running);
    expect(reads).toEqual(Array(3).fill({ namespace: 'ns', name: 'etcd-lax' }));
  });

  test('fails fast, naming the pod and why', async () => {
    const { k, reads } = clients(
      creating,
      pending(
        container({
          waiting: {
            reason: 'ErrImageNeverPull',
            message: `Container image "${IMAGE}" is not present with pull policy of Never`,
          },
        }),
      ),
      running,
    );
    await expect(
      awaitPodRunning(k, 'ns', 'etcd-lax', { timeoutMs: 60_000, what: 'the lax etcd pod ns/etcd-lax', intervalMs: 1 }),
    ).rejects.toThrow(
      `the lax etcd pod ns/etcd-lax cannot run: ErrImageNeverPull: Container image "${IMAGE}" is not present with pull policy of Never`,
    );
    expect(reads).toHaveLength(2);
  });

  test('waits for readiness once it runs, within the same bound, and says what it was not at the bound', async () => {
    let checks = 0;
    const { k } = clients(creating, running);
    const ready = { as: 'serving', check: async () => ++checks >= 3 };
    await expect(
      awaitPodRunning(k, 'ns', 'etcd-lax', { timeoutMs: 5000, what: 'the pod', ready, intervalMs: 1 }),
    ).resolves.toBe(running);
    expect(checks).toBe(3);
    await expect(
      awaitPodRunning(clients(running).k, 'ns', 'etcd-lax', {
        timeoutMs: 30,
        what: 'the lax etcd pod ns/etcd-lax',
        ready: { as: 'serving', check: async () => false },
        intervalMs: 5,
      }),
    ).rejects.toThrow('the lax etcd pod ns/etcd-lax was not serving within 0.03s (Running)');
  });

  test('at the bound, names the state it was stuck in', async () => {
    await expect(
      awaitPodRunning(clients(creating).k, 'ns', 'node-shell', {
        timeoutMs: 20,
        what: 'pod ns/node-shell',
        intervalMs: 5,
      }),
    ).rejects.toThrow('pod ns/node-shell was not running within 0.02s (ContainerCreating)');
  });
});
