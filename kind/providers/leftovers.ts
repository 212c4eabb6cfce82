// A run's footprint, and what a killed run left behind.
// Every run holds a Lease (coordination.k8s.io) in a namespace of its own, renewed while it lives; everything
// it creates carries its hash (helpers/run-id.ts): in a label, a name, an annotation, an etcd key, a process's
// environment. At its start a run removes what runs no longer alive left, whatever its age, and puts back
// what they moved (a parked static pod manifest, a scaled Deployment, the rules taken from a role).
import { hostname } from 'node:os';
import { readFile, readdir } from 'node:fs/promises';
import { ApiextensionsV1Api, CoordinationV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import type { ClusterInfo } from '../../contract/cluster.ts';
import { ETCD_PKI } from '../../helpers/etcd/etcdctl.ts';
import { podExec } from '../../helpers/etcd/exec.ts';
import type { KubeClients } from '../../helpers/kube.ts';
import { PROCESS_MARKER } from '../../helpers/kubectl.ts';
import { log } from '../../helpers/log.ts';
import { createRunNamespace } from '../../helpers/namespace.ts';
import { restoreScaled } from '../../helpers/scaled.ts';
import { untilSettled } from './settle.ts';
import { restoreRestricted } from '../../helpers/restricted-role.ts';
import {
  DOCKER_OWNER_PROCESS_LABEL,
  DOCKER_RUN_LABEL,
  OWNER_LABEL,
  OWNER_PROCESS_ENV,
  REPLICAS_BEFORE,
  RUN_LABEL,
  SCALED_BY,
  RESTRICTED_BY,
} from '../../contract/marks.ts';
import { inOwnPidNamespace, processAlive, processIdentity } from '../../helpers/host-process.ts';
import { nodeExec } from '../../helpers/node.ts';
import { removeStoppedSandboxes } from '../../helpers/static-pod.ts';
import { hashOfRunName, runHash, runName } from '../../contract/run-id.ts';
import { isNotFound, unlessNotFound } from '../../helpers/not-found.ts';

const LEASE = 'run';
const LEASE_SECONDS = 30;
const RENEW_MS = 10_000;

async function identity(): Promise<string> {
  return `${hostname()}:${processIdentity()}`;
}

export interface RunLease {
  namespace: string;
  stop(): Promise<void>;
}

/** Creates the run's namespace and Lease and renews it until stop(). */
export async function holdRunLease(k: KubeClients, runId: string): Promise<RunLease> {
  const namespace = runName(runId, 'run');
  const leases = k.make(CoordinationV1Api);
  await createRunNamespace(k, runId, namespace);
  // A Lease's times are MicroTime (six fractional digits), which client-node's Date serialisation cannot
  // write: the lease is created without them and its renewTime set by a JSON patch, as a string.
  const microNow = () => new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const renew = () =>
    leases.patchNamespacedLease({
      namespace,
      name: LEASE,
      body: [{ op: 'add', path: '/spec/renewTime', value: microNow() }],
    });
  await leases.createNamespacedLease({
    namespace,
    body: {
      metadata: { name: LEASE },
      spec: { holderIdentity: await identity(), leaseDurationSeconds: LEASE_SECONDS },
    },
  });
  await renew();
  const timer = setInterval(() => {
    // reported: a lease not renewed once is renewed on the next tick; the failure is logged
    renew().catch((e: Error) => log.detail(`renewing the run lease failed: ${e.message}`));
  }, RENEW_MS);
  timer.unref();
  return {
    namespace,
    stop: async () => {
      clearInterval(timer);
    },
  };
}

/** Whether the run of `hash` still lives: its lease is fresh (and, when it ran on this host, its process exists). */
export async function runAlive(k: KubeClients, hash: string): Promise<boolean> {
  let lease;
  try {
    lease = await k.make(CoordinationV1Api).readNamespacedLease({ namespace: `kc-run-${hash}`, name: LEASE });
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
  const [host, pid, start] = (lease.spec?.holderIdentity ?? '').split(':');
  if (host === hostname() && pid) return processAlive(`${pid}:${start}`);
  const renewed = new Date(lease.spec?.renewTime ?? 0).getTime();
  return Date.now() - renewed < (lease.spec?.leaseDurationSeconds ?? LEASE_SECONDS) * 1000;
}

interface Found {
  hash: string;
  what: string;
  remove: () => Promise<unknown>;
  /**
   * For what a run started on this host (processes, containers): whether the process that started it still
   * runs. Judged here, not by the run's lease in this cluster: a run on this host against another cluster has
   * no lease here, and what it started is not ours to remove.
   */
  ownerAlive?: boolean;
  /** Putting it back moves the control plane (a static pod, a process, replicas): the run waits for it to settle. */
  moves?: boolean;
}

async function clusterObjects(k: KubeClients): Promise<Found[]> {
  const found: Found[] = [];
  const labelSelector = RUN_LABEL;
  const hashOf = (m?: { labels?: Record<string, string> }) => m?.labels?.[RUN_LABEL] ?? '';
  for (const ns of (await k.core.listNamespace({ labelSelector })).items) {
    const name = ns.metadata!.name!;
    found.push({
      hash: hashOf(ns.metadata),
      what: `namespace ${name}`,
      remove: () => unlessNotFound(k.core.deleteNamespace({ name })),
    });
  }
  for (const r of (await k.rbac.listClusterRoleBinding({ labelSelector })).items) {
    const name = r.metadata!.name!;
    found.push({
      hash: hashOf(r.metadata),
      what: `ClusterRoleBinding ${name}`,
      remove: () => k.rbac.deleteClusterRoleBinding({ name }),
    });
  }
  for (const r of (await k.rbac.listClusterRole({ labelSelector })).items) {
    const name = r.metadata!.name!;
    found.push({
      hash: hashOf(r.metadata),
      what: `ClusterRole ${name}`,
      remove: () => k.rbac.deleteClusterRole({ name }),
    });
  }
  // Roles of a run in kube-system (the test command's read-only account is granted there as `kube-claims rbac` says).
  for (const r of (await k.rbac.listNamespacedRoleBinding({ namespace: 'kube-system', labelSelector })).items) {
    const name = r.metadata!.name!;
    found.push({
      hash: hashOf(r.metadata),
      what: `RoleBinding kube-system/${name}`,
      remove: () => unlessNotFound(k.rbac.deleteNamespacedRoleBinding({ name, namespace: 'kube-system' })),
    });
  }
  for (const r of (await k.rbac.listNamespacedRole({ namespace: 'kube-system', labelSelector })).items) {
    const name = r.metadata!.name!;
    found.push({
      hash: hashOf(r.metadata),
      what: `Role kube-system/${name}`,
      remove: () => unlessNotFound(k.rbac.deleteNamespacedRole({ name, namespace: 'kube-system' })),
    });
  }
  for (const s of (await k.apps.listStatefulSetForAllNamespaces({ labelSelector })).items) {
    const { name, namespace } = s.metadata as { name: string; namespace: string };
    found.push({
      hash: hashOf(s.metadata),
      what: `StatefulSet ${namespace}/${name}`,
      remove: () => k.apps.deleteNamespacedStatefulSet({ name, namespace }),
    });
  }
  for (const s of (await k.core.listServiceForAllNamespaces({ labelSelector })).items) {
    const { name, namespace } = s.metadata as { name: string; namespace: string };
    found.push({
      hash: hashOf(s.metadata),
      what: `Service ${namespace}/${name}`,
      remove: () => k.core.deleteNamespacedService({ name, namespace }),
    });
  }
  for (const crd of (await k.make(ApiextensionsV1Api).listCustomResourceDefinition({ labelSelector })).items) {
    const name = crd.metadata!.name!;
    found.push({
      hash: hashOf(crd.metadata),
      what: `CustomResourceDefinition ${name}`,
      remove: () => k.make(ApiextensionsV1Api).deleteCustomResourceDefinition({ name }),
    });
  }
  for (const d of (await k.apps.listDeploymentForAllNamespaces({})).items) {
    const a = d.metadata?.annotations ?? {};
    if (!a[SCALED_BY]) continue;
    const { name, namespace } = d.metadata as { name: string; namespace: string };
    const replicas = Number(a[REPLICAS_BEFORE]);
    found.push({
      hash: a[SCALED_BY]!,
      what: `Deployment ${namespace}/${name} scaled by the run (back to ${replicas})`,
      moves: true,
      remove: () => restoreScaled(k, namespace, name),
    });
  }
  for (const r of (await k.rbac.listClusterRole({})).items) {
    const by = r.metadata?.annotations?.[RESTRICTED_BY];
    if (!by) continue;
    const name = r.metadata!.name!;
    found.push({
      hash: by,
      what: `ClusterRole ${name} without rules taken by the run (put back)`,
      remove: () => restoreRestricted(k, name),
    });
  }
  return found;
}

/**
 * What runs left on the nodes: on every node there is a shell on (a control of a cluster of several control planes
 * works on any of them).
 */
async function nodeFiles(cluster: ClusterInfo): Promise<Found[]> {
  const nodes = cluster.nodes.length
    ? cluster.nodes
    : [{ name: cluster.nodeName, role: 'control-plane' as const, access: cluster.nodeAccess }];
  return (
    await Promise.all(nodes.map((n) => filesOnNode({ ...cluster, nodeName: n.name, nodeAccess: n.access })))
  ).flat();
}

async function filesOnNode(cluster: ClusterInfo): Promise<Found[]> {
  if (cluster.nodeAccess.kind === 'none') return [];
  const found: Found[] = [];
  // One exec for the three kinds of leftovers (parked manifests, stopped processes' markers, node folders).
  const listed = await nodeExec(cluster, [
    'find',
    '/etc/kubernetes',
    '/tmp',
    '-maxdepth',
    '1',
    '(',
    '-name',
    '*.kc-parked-*',
    '-o',
    '-name',
    '*.pid.kc-stopped-*',
    '-o',
    '-name',
    'kc-*',
    ')',
  ]);
  const paths = listed.stdout.split('\n').filter(Boolean);
  for (const path of paths) {
    const m = /^\/etc\/kubernetes\/([^/]+\.yaml)\.kc-parked-([0-9a-f]{6})$/.exec(path);
    if (!m) continue;
    const manifest = `/etc/kubernetes/manifests/${m[1]}`;
    found.push({
      hash: m[2]!,
      what: `static pod manifest ${m[1]} parked at ${path} on ${cluster.nodeName} (put back)`,
      moves: true,
      // Put back unless a manifest is there again (someone restored it): then the parked copy goes.
      remove: async () => {
        const present = (await nodeExec(cluster, ['test', '-e', manifest])).exitCode === 0;
        // As the control itself does before putting it back: no exited container left to back off from.
        // best-effort: without it kubelet only backs off longer before starting the pod again
        if (!present)
          await removeStoppedSandboxes(cluster, `${m[1]!.replace(/\.yaml$/, '')}-${cluster.nodeName}`, 15_000).catch(
            () => [],
          );
        await nodeExec(cluster, present ? ['rm', '-f', '--', path] : ['mv', '--', path, manifest]);
      },
    });
  }
  for (const path of paths) {
    const m = /^\/etc\/kubernetes\/([^/]+)\.pid\.kc-stopped-([0-9a-f]{6})$/.exec(path);
    if (!m) continue;
    found.push({
      hash: m[2]!,
      what: `process of container ${m[1]} stopped by the run on ${cluster.nodeName} (let go on)`,
      moves: true,
      // SIGCONT to the PID it stopped: harmless if that process ended meanwhile (kubelet restarted the container).
      remove: () => nodeExec(cluster, ['sh', '-c', 'kill -CONT "$(cat "$1")" 2>/dev/null; rm -f "$1"', 'resume', path]),
    });
  }
  for (const path of paths.filter((p) => p.startsWith('/tmp/kc-'))) {
    const hash = hashOfRunName(path.slice('/tmp/'.length));
    if (hash)
      found.push({
        hash,
        what: `node folder ${path} on ${cluster.nodeName}`,
        remove: () => nodeExec(cluster, ['rm', '-rf', '--', path]),
      });
  }
  return found;
}

async function etcdKeys(k: KubeClients, cluster: ClusterInfo): Promise<Found[]> {
  const ref = { namespace: 'kube-system', pod: `etcd-${cluster.nodeName}`, container: 'etcd' };
  const tls = [
    '--endpoints=https://127.0.0.1:2379',
    `--cacert=${ETCD_PKI}/ca.crt`,
    `--cert=${ETCD_PKI}/server.crt`,
    `--key=${ETCD_PKI}/server.key`,
  ];
  // best-effort: where etcd cannot be exec'd into (external etcd, no pod) its keys are not looked for, and not removed
  // /kube-claims/RUN-ID/… (the runs' key operations) and /kube-claims-stray/RUN-ID (ETCD-10's key outside /registry/).
  const r = await podExec(k.kc, ref, ['etcdctl', ...tls, 'get', '/kube-claims', '--prefix', '--keys-only'], {
    timeoutMs: 15_000,
  }).catch(() => undefined);
  if (!r || r.exitCode !== 0) return [];
  const prefixes = new Map<string, string>();
  for (const key of r.stdout.split('\n')) {
    const m = /^\/(kube-claims(?:-stray)?)\/([^/]+)/.exec(key);
    if (m) prefixes.set(`/${m[1]}/${m[2]}`, m[2]!);
  }
  return [...prefixes].map(([prefix, id]) => ({
    hash: runHash(id),
    what: `etcd keys ${prefix}`,
    remove: () => podExec(k.kc, ref, ['etcdctl', ...tls, 'del', '--prefix', prefix], { timeoutMs: 15_000 }),
  }));
}

/**
 * Containers (testcontainers' etcd) and processes (kubectl proxy, port-forward) of runs that ran on this host,
 * each with whether the process that started it still runs. Processes inside containers (kind's nodes: an etcd
 * pod's etcdctl of a run on any cluster) are not this host's and are left alone.
 */
async function localLeftovers(): Promise<Found[]> {
  const found: Found[] = [];
  const ps = await execa(
    'docker',
    [
      'ps',
      '-a',
      '--filter',
      `label=${OWNER_LABEL}`,
      '--filter',
      `label=${DOCKER_RUN_LABEL}`,
      '--format',
      `{{.ID}} {{.Label "${DOCKER_RUN_LABEL}"}} {{.Label "${DOCKER_OWNER_PROCESS_LABEL}"}}`,
    ],
    { reject: false },
  );
  for (const line of ps.stdout.split('\n').filter(Boolean)) {
    const [id, hash, owner] = line.split(' ');
    if (id && hash)
      found.push({
        hash,
        what: `container ${id}`,
        ownerAlive: owner ? processAlive(owner) : undefined,
        remove: () => execa('docker', ['rm', '-f', id], { reject: false }),
      });
  }
  // absent is the truth: without /proc (not Linux) there are no processes of runs to find
  for (const pid of (await readdir('/proc').catch(() => [] as string[])).filter((p) => /^\d+$/.test(p))) {
    if (!inOwnPidNamespace(Number(pid))) continue;
    // absent is the truth: a process that ended meanwhile (or another user's) carries no run's mark
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    const variable = (name: string) => new RegExp(`(?:^|\\0)${name}=([^\\0]*)`).exec(environ)?.[1];
    const hash = variable(PROCESS_MARKER);
    if (!hash || !/^[0-9a-f]{6}$/.test(hash)) continue;
    const owner = variable(OWNER_PROCESS_ENV);
    found.push({
      hash,
      what: `process ${pid}`,
      ownerAlive: owner ? processAlive(owner) : undefined,
      remove: async () => {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* gone */
        }
      },
    });
  }
  return found;
}

/**
 * Finds what runs no longer alive left in the cluster, on its node, in its etcd and on this host, and removes
 * it (restoring what they moved). Returns one line per thing removed. Failures are reported, not thrown: a
 * leftover that cannot be removed does not stop the run.
 */
export async function removeLeftovers(k: KubeClients, cluster: ClusterInfo, ownRunId: string): Promise<string[]> {
  const own = runHash(ownRunId);
  const sources = await Promise.all([
    // best-effort: without a shell on the node its files are not looked for
    clusterObjects(k),
    nodeFiles(cluster).catch(() => []),
    etcdKeys(k, cluster),
    localLeftovers(),
  ]);
  const found = sources.flat().filter((f) => f.hash !== own);
  const alive = new Map<string, boolean>();
  for (const hash of new Set(found.map((f) => f.hash))) alive.set(hash, await runAlive(k, hash));
  const removed: string[] = [];
  let moved = false;
  for (const f of found.filter((x) => !(x.ownerAlive ?? alive.get(x.hash)))) {
    try {
      await f.remove();
      removed.push(`${f.what} (run ${f.hash})`);
      moved ||= !!f.moves;
    } catch (e) {
      log.warn(`could not remove ${f.what} left by run ${f.hash}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (removed.length) log.step(`removed what ended runs left: ${removed.join('; ')}`);
  // Bounded: a control plane that does not settle is what the claims then report.
  if (moved) {
    log.step('waiting (at most 120 s) for the control plane to settle after the restoration');
    const settled = await untilSettled(k, cluster).catch(
      // reported: a read refused or failed leaves the settling unknown, said in the report; the claims judge
      (e: Error) => `whether the control plane settled could not be read: ${e.message.split('\n')[0]}`,
    );
    log.step(settled);
    removed.push(settled);
  }
  return removed;
}
