// Live observations of §4's claims (the test files beside this one): what the etcd clients and the node show.
import { EtcdLockFailedError } from 'etcd3';
import { parse } from 'yaml';
import { connectThroughPortForward, etcd3Client, type Etcd3Security } from '../../helpers/etcd/client.ts';
import { TLS_FLAGS, ok } from '../../helpers/etcd/etcdctl.ts';
import { ExecTimeout, type LongRunning } from '../../helpers/etcd/exec.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';
import { sleep } from '../../helpers/wait.ts';
import { runHash } from '../../contract/run-id.ts';
import { PROCESS_MARKER } from '../../helpers/kubectl.ts';
import { nodeExec, nodeExecOk } from '../../helpers/node.ts';
import { decodeObjectMeta, decodeStorageValue, hasK8sMagic } from '../../helpers/etcd/protobuf.ts';
import { parseFlags, parseKeysOnly } from '../checks/etcd/common.ts';
import { parseLeaseGrant, type KvSequence, type LeaseObservation, type LockObservation } from '../checks/etcd/keys.ts';
import type { ApiObjectIdentity, StoredSize } from '../checks/etcd/protobuf.ts';
import type { ResourceScopes } from '../checks/etcd/registry.ts';
import type { ProbeName, ProbeObservation } from '../checks/etcd/security.ts';
import type { ShellObservation } from '../checks/etcd/shell.ts';
import { BASH_DEFAULT_PS1 } from '../checks/etcd/shell.ts';
import type { VersionObservation } from '../checks/etcd/version.ts';
import type { EtcdClientsObservation } from '../checks/etcd/clients.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { moduleOrSkip } from '../apiserver/go-modules.ts';
import type { ClaimContext } from '../claim.ts';
import { etcdClients, parseProcNetTcp, type EtcdClient, type ProcessInfo } from '../checks/etcd/sockets.ts';
import type { Live } from '../live.ts';
import {
  attempt,
  escapeRe,
  NAMESPACE,
  outcome,
  RUNS_KEY_PREFIX,
  staticPodCommand,
  withEnv,
  type EtcdUnderTest,
} from './fixture.ts';
import { reading } from '../../helpers/touches.ts';
import { getApiJson } from '../../helpers/http.ts';
import { ApiregistrationV1Api, ApisApi, CustomObjectsApi } from '@kubernetes/client-node';

/** The command lines of the control-plane components and the kubelet, and the servers of their kubeconfigs. */
export async function observeEtcdClients({
  cluster: c,
  kube,
}: Pick<Live, 'cluster' | 'kube'>): Promise<EtcdClientsObservation> {
  reading('static-pods');
  const [apiserver, controllerManager, scheduler, etcd] = await Promise.all(
    ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'].map((component) =>
      staticPodCommand({ cluster: c, kube }, component),
    ),
  );
  const kubeletPid = (await nodeExecOk(c, ['pgrep', '-x', 'kubelet'])).trim().split('\n')[0]!;
  const kubelet = (await nodeExecOk(c, ['cat', `/proc/${kubeletPid}/cmdline`])).split('\0').filter(Boolean);
  const node = await kube.core.readNode({ name: c.nodeName });
  // absent is the truth: without kubeadm-config nothing names a controlPlaneEndpoint; a refusal is thrown
  const cm = await unlessNotFound(
    kube.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kubeadm-config' }),
  );
  const controlPlaneEndpoint =
    (parse(cm?.data?.ClusterConfiguration ?? '{}') as { controlPlaneEndpoint?: string } | null)?.controlPlaneEndpoint ||
    undefined;
  const kubeconfigServers: Record<string, string> = {};
  for (const command of [controllerManager!, scheduler!, kubelet]) {
    const path = parseFlags(command).get('kubeconfig');
    // kubectl on the node prints only the server of the file's current context (no credentials leave the node).
    if (path)
      kubeconfigServers[path] = (
        await nodeExecOk(c, [
          'kubectl',
          'config',
          'view',
          '--kubeconfig',
          path,
          '--minify',
          '-o',
          'jsonpath={.clusters[0].cluster.server}',
        ])
      ).trim();
  }
  return {
    apiserver: apiserver!,
    controllerManager: controllerManager!,
    scheduler: scheduler!,
    etcd: etcd!,
    kubelet,
    kubeconfigServers,
    nodeAddresses: (node.status?.addresses ?? []).map((a) => a.address),
    controlPlaneEndpoint,
  };
}

/** etcd's client port: from its --listen-client-urls (kubeadm: https://127.0.0.1:2379,https://NODE-IP:2379). */
export async function etcdClientPort(live: Pick<Live, 'cluster' | 'kube'>): Promise<number> {
  const urls = (parseFlags(await staticPodCommand(live, 'etcd')).get('listen-client-urls') ?? '').split(',');
  const port = urls.map((u) => (URL.canParse(u) ? Number(new URL(u).port) : 0)).find(Boolean);
  if (!port) throw new Error('etcd has no --listen-client-urls with a port');
  return port;
}

/** The connections to etcd's client port on the node, with the processes that hold them (read from /proc there). */
export async function observeSockets({
  cluster: c,
  kube,
  run,
}: Pick<Live, 'cluster' | 'kube' | 'run'>): Promise<{ clients: EtcdClient[]; port: number }> {
  const port = await etcdClientPort({ cluster: c, kube });
  // Connections are read before and after the sockets of the processes, and after the processes themselves:
  // only those open all along are judged (a short-lived client, an etcdctl of another test ending meanwhile,
  // would have no process left).
  const tcpBefore = await nodeExecOk(c, ['cat', '/proc/net/tcp', '/proc/net/tcp6']);
  // Processes that end while find walks /proc make it exit 1: what it printed stands.
  const fds = (
    await nodeExec(c, [
      'find',
      '/proc',
      '-mindepth',
      '3',
      '-maxdepth',
      '3',
      '-path',
      '/proc/[0-9]*/fd/*',
      '-lname',
      'socket:*',
      '-printf',
      '%h %l\\n',
    ])
  ).stdout;
  const tcp = await nodeExecOk(c, ['cat', '/proc/net/tcp', '/proc/net/tcp6']);
  const inodePids = new Map<string, number>();
  for (const line of fds.split('\n')) {
    const m = /^\/proc\/(\d+)\/fd socket:\[(\d+)\]$/.exec(line.trim());
    if (m) inodePids.set(m[2]!, Number(m[1]));
  }
  const before = new Set(parseProcNetTcp(tcpBefore).map((e) => `${e.local} ${e.remote} ${e.inode}`));
  const entries = parseProcNetTcp(tcp).filter((e) => before.has(`${e.local} ${e.remote} ${e.inode}`));
  const pids = [...new Set(entries.map((e) => inodePids.get(e.inode)).filter((p): p is number => p !== undefined))];
  // One line per process: PID, name, whether it carries this run's marker, its command line.
  const script = `for p; do m=0; tr '\\0' '\\n' < /proc/$p/environ 2>/dev/null | grep -qx "${PROCESS_MARKER}=$H" && m=1; printf '%s\\t%s\\t%s\\t%s\\n' "$p" "$(cat /proc/$p/comm 2>/dev/null)" "$m" "$(tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null)"; done`;
  const info = await nodeExecOk(c, ['env', `H=${runHash(run.runId)}`, 'sh', '-c', script, 'sh', ...pids.map(String)]);
  const processes = new Map<number, ProcessInfo>();
  for (const line of info.split('\n').filter(Boolean)) {
    const [pid, comm, ours, cmdline] = line.split('\t');
    processes.set(Number(pid), {
      pid: Number(pid),
      comm: comm ?? '',
      ours: ours === '1',
      cmdline: (cmdline ?? '').trim(),
    });
  }
  // And once more after the processes were read: a client that ended while they were (an etcdctl of this
  // run's other files, whose name and marker could then no longer be read) is not judged either (seen once
  // in 20 runs: a connection of a process gone by then, taken for a client from elsewhere).
  const after = new Set(
    parseProcNetTcp(await nodeExecOk(c, ['cat', '/proc/net/tcp', '/proc/net/tcp6'])).map(
      (e) => `${e.local} ${e.remote} ${e.inode}`,
    ),
  );
  const lasting = entries.filter((e) => after.has(`${e.local} ${e.remote} ${e.inode}`));
  return { clients: etcdClients(lasting, port, inodePids, processes), port };
}

/** The flags that matter for who talks to etcd, for the evidence. */
export function clientFlags(o: EtcdClientsObservation): Record<string, string[]> {
  const pick = (cmd: string[]) =>
    cmd.filter((a) =>
      /^--(etcd|kubeconfig|advertise-address|secure-port|listen-client-urls|advertise-client-urls)/.test(a),
    );
  return {
    'kube-apiserver': pick(o.apiserver),
    'kube-controller-manager': pick(o.controllerManager),
    'kube-scheduler': pick(o.scheduler),
    kubelet: pick(o.kubelet),
    etcd: pick(o.etcd),
    'kubeconfig servers': Object.entries(o.kubeconfigServers).map(([p, s]) => `${p}: ${s}`),
  };
}

// ------------------------------------------------------------------------------------------------------------
// §4.1 etcdctl in the etcd pod (etcdctl.test.ts)

// Short limits: a refused connection shows as etcdctl's own timeout.
export const LIMITS = ['--dial-timeout=1s', '--command-timeout=2s'];

/**
 * The refusal probes in the pod and, at the same moment, the control: the same request with the right
 * certificates, which must succeed for the refusals to mean anything. `port` lets a negative control aim at a
 * port where nothing listens.
 */
export async function probeRefusalsInPod(
  etcd: EtcdUnderTest,
  port = 2379,
): Promise<{ probes: ProbeObservation[]; control: ProbeObservation }> {
  const probes: Array<[ProbeName, string[]]> = [
    [
      'no client certificate',
      [
        `--endpoints=https://127.0.0.1:${port}`,
        '--cacert=/etc/kubernetes/pki/etcd/ca.crt',
        ...LIMITS,
        'member',
        'list',
      ],
    ],
    ['plain http', [`--endpoints=http://127.0.0.1:${port}`, ...LIMITS, 'member', 'list']],
    ['default endpoint', [...LIMITS, 'member', 'list']],
  ];
  const control = etcd.etcdctl(
    [
      `--endpoints=https://127.0.0.1:${port}`,
      ...TLS_FLAGS.filter((f) => !f.startsWith('--endpoints')),
      ...LIMITS,
      'member',
      'list',
    ],
    { flags: 'none' },
  );
  const observed = await Promise.all(
    probes.map(async ([probe, argv]) => {
      const r = await etcd.etcdctl(argv, { flags: 'none' });
      return { probe, command: r.typed, ...outcome(r) };
    }),
  );
  const c = await control;
  return { probes: observed, control: { probe: 'right certificates' as ProbeName, command: c.typed, ...outcome(c) } };
}

/** etcd3 from the test process with a given security, reading /registry/namespaces/ keys. */
export async function probeEtcd3(
  { etcd, kube }: { etcd: EtcdUnderTest; kube: Live['kube'] },
  probe: ProbeName,
  hostPort: string | undefined,
  security: Etcd3Security,
): Promise<ProbeObservation> {
  const conn = hostPort
    ? undefined
    : await connectThroughPortForward(kube.kc, etcd.ref, security, { callTimeoutMs: 3_000 });
  const client = conn?.client ?? etcd3Client(hostPort!, security, { callTimeoutMs: 3_000 });
  const endpoint = conn?.endpoint ?? `${security.kind === 'plain' ? 'http' : 'https'}://${hostPort}`;
  try {
    const r = await attempt(() => client.getAll().prefix('/registry/namespaces/').keys());
    return {
      probe,
      command: `etcd3 getAll().prefix('/registry/namespaces/') via ${endpoint}`,
      ...r,
      stdout: r.value ? r.value.join('\n') || '(no keys)' : '',
    };
  } finally {
    if (conn) await conn.close();
    else client.close();
  }
}

/** The first "@(#)Bash version …" string in the bytes of /bin/sh, without the "@(#)" (bash builtins only). */
const STAMP_OF_BIN_SH = [
  'mapfile -d "" strings < /bin/sh',
  'IFS=$\'\\n\'; all="${strings[*]}"',
  "re=$'@\\\\(#\\\\)(Bash version [^\\n]*)'",
  '[[ $all =~ $re ]] && printf "%s\\n" "${BASH_REMATCH[1]}"; true',
].join('; ');

/** What the container's sh is, and whether it has bash, with shell builtins only. */
export async function observeShell(
  exec: (argv: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>,
): Promise<ShellObservation> {
  // reported: an exec that fails is recorded with its error, and the shell check names what it could not see
  const safe = (argv: string[]) => exec(argv).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
  // Six independent execs, at once.
  const [bashVersion, whichBash, runBash, prompt, binaryStamp, uid] = await Promise.all([
    safe(['sh', '-c', 'echo "$BASH_VERSION"']),
    safe(['sh', '-c', 'command -v bash || echo "(none)"']),
    safe(['bash', '-c', 'true']),
    // Interactive, so that the default prompt is set; without a terminal bash says so on stderr and goes on.
    safe(['sh', '-ic', 'echo "${PS1@P}"']),
    // With shell builtins only (the image has no other program): the NUL-separated strings of the file /bin/sh,
    // read by mapfile and searched by one regex in C (a `read -d ''` loop over the 1.3 MB binary took 4 CPU-s).
    safe(['sh', '-c', STAMP_OF_BIN_SH]),
    safe(['sh', '-c', 'while read -r k v; do [ "$k" = Uid: ] && echo "$v"; done < /proc/self/status; true']),
  ]);
  return { bashVersion, whichBash, runBash, prompt, binaryStamp, uid };
}

/** The shell observation as the evidence shows it. */
export const showShell = (o: ShellObservation) =>
  [
    `sh -c 'echo "$BASH_VERSION"': ${o.bashVersion.stdout.trim() || `(empty; exit ${o.bashVersion.exitCode})`}`,
    `sh -c 'command -v bash': ${o.whichBash.stdout.trim()}`,
    `bash -c true: exit ${o.runBash.exitCode} ${o.runBash.stderr.trim().split('\n').at(-1) ?? ''}`,
    `sh -ic 'echo "\${PS1@P}"': ${o.prompt.stdout.trim()}`,
    `the version stamp in the bytes of /bin/sh: ${o.binaryStamp.stdout.trim() || `(none; exit ${o.binaryStamp.exitCode})`}`,
    `Uid of /proc/self/status (real, effective, saved, fs): ${o.uid.stdout.trim() || `(none; exit ${o.uid.exitCode})`}`,
    `the expected prompt: bash's documented default PS1 "${BASH_DEFAULT_PS1}", \\s = sh (the name it is run as), \\v = MAJOR.MINOR of the stamp, \\$ = # for effective uid 0`,
  ].join('\n');

/** etcdctl version and endpoint status, and the etcd image of the pod and of kubeadm's list. */
export async function observeVersions({
  cluster,
  kube,
  etcd,
}: Pick<Live, 'cluster' | 'kube'> & { etcd: EtcdUnderTest }): Promise<VersionObservation> {
  const version = ok(await etcd.etcdctl(['version']));
  const status = ok(await etcd.etcdctl(['endpoint', 'status', '-w', 'json']));
  const server = (await kube.version.getCode()).gitVersion;
  const images = await nodeExecOk(cluster, ['kubeadm', 'config', 'images', 'list', '--kubernetes-version', server]);
  return {
    version: version.stdout,
    status: status.stdout,
    podImage: await etcd.image(),
    kubeadmImage: images
      .split('\n')
      .find((l) => /\/etcd:/.test(l))
      ?.trim(),
  };
}

// ------------------------------------------------------------------------------------------------------------
// §4.2 key operations (key-operations.test.ts)

/** put, get, del, get with etcdctl in the pod (ETCDCTL_* exported). */
export async function kvSequenceWithEtcdctl(etcd: EtcdUnderTest, key: string, value: string): Promise<KvSequence> {
  return {
    put: outcome(await etcd.etcdctl(['put', key, value], withEnv)),
    get: outcome(await etcd.etcdctl(['get', key], withEnv)),
    del: outcome(await etcd.etcdctl(['del', key], withEnv)),
    getAfterDel: outcome(await etcd.etcdctl(['get', key], withEnv)),
  };
}

/** put, get, delete, get with the etcd3 client of the test process, shown as etcdctl prints them. */
export async function kvSequenceWithEtcd3(etcd: EtcdUnderTest, key: string, value: string): Promise<KvSequence> {
  const { client } = await etcd.etcd3();
  const put = await attempt(() => client.put(key).value(value).exec());
  const get = await attempt(() => client.get(key).string());
  const del = await attempt(() => client.delete().key(key).exec());
  const after = await attempt(() => client.get(key).string());
  const shown = (v: string | null | undefined) => (v === null || v === undefined ? '' : `${key}\n${v}\n`);
  return {
    put: { ...put, stdout: put.exitCode === 0 ? 'OK\n' : '' },
    get: { ...get, stdout: shown(get.value) },
    del: { ...del, stdout: del.value ? `${del.value.deleted}\n` : '' },
    getAfterDel: { ...after, stdout: shown(after.value) },
  };
}

/** A put/get/del/get sequence as the evidence shows it. */
export const showSequence = (s: KvSequence) =>
  (['put', 'get', 'del', 'getAfterDel'] as const)
    .map((k) => `${k}: exit ${s[k].exitCode} ${JSON.stringify(s[k].stdout)}`)
    .join('\n');

/** Puts `value` under `key` until the watcher prints the PUT (etcdctl watch gives no sign that it is registered). */
export async function putUntilWatched(
  etcd: EtcdUnderTest,
  watcher: LongRunning,
  key: string,
  value: string,
): Promise<string> {
  for (let i = 0; ; i++) {
    ok(await etcd.etcdctl(['put', key, value], withEnv));
    try {
      // The whole event, value line included: it may arrive in a chunk of its own after the key's.
      return await watcher.waitFor(new RegExp(`^PUT\\n${escapeRe(key)}\\n${escapeRe(value)}$`, 'm'), 2_000);
    } catch (error) {
      if (i >= 4) throw error;
    }
  }
}

// ------------------------------------------------------------------------------------------------------------
// §4.3 Kubernetes objects in etcd (registry.test.ts)

/**
 * Which resources the API serves namespaced, and which cluster-scoped: its discovery, as `kubectl api-resources`
 * reads it (core v1 and every version of every group, subresources left out, names RESOURCE[.GROUP]).
 */
export async function resourceScopes(kube: Live['kube']): Promise<ResourceScopes> {
  const custom = kube.make(CustomObjectsApi);
  const [core, groups] = await Promise.all([kube.core.getAPIResources(), kube.make(ApisApi).getAPIVersions()]);
  const lists = await Promise.all(
    groups.groups.flatMap((g) =>
      g.versions.map(async (v) => ({
        group: g.name,
        resources: (await custom.getAPIResources({ group: g.name, version: v.version })).resources,
      })),
    ),
  );
  const namespaced = new Map<string, boolean>();
  for (const { group, resources } of [{ group: '', resources: core.resources }, ...lists])
    for (const r of resources)
      if (!r.name.includes('/')) namespaced.set(group ? `${r.name}.${group}` : r.name, r.namespaced);
  return { namespaced };
}

/** Keys under a prefix at the revision an API list was served at, so both describe the same moment. */
export async function keysAt(
  etcd: EtcdUnderTest,
  prefix: string,
  revision: string | undefined,
): Promise<{ keys: string[]; typed: string; stdout: string }> {
  const r = ok(
    await etcd.etcdctl(['get', prefix, '--prefix', '--keys-only', ...(revision ? [`--rev=${revision}`] : [])]),
  );
  return { keys: parseKeysOnly(r.stdout), typed: r.typed, stdout: r.stdout };
}

export interface Listed {
  names: string[];
  resourceVersion?: string;
}

export async function apiNamespaces(kube: Live['kube']): Promise<Listed> {
  const l = await kube.core.listNamespace();
  return { names: l.items.map((n) => n.metadata!.name!), resourceVersion: l.metadata?.resourceVersion };
}
export async function apiPods(kube: Live['kube']): Promise<Listed> {
  reading('static-pods', 'coredns');
  const l = await kube.core.listPodForAllNamespaces();
  return {
    names: l.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`),
    resourceVersion: l.metadata?.resourceVersion,
  };
}
/** The APIServices the API lists, with the list's resourceVersion. */
export async function apiApiServices(kube: Live['kube']): Promise<Listed & { request: string }> {
  const l = await kube.make(ApiregistrationV1Api).listAPIService();
  return {
    names: l.items.map((a) => a.metadata!.name!),
    resourceVersion: l.metadata?.resourceVersion,
    request: 'GET /apis/apiregistration.k8s.io/v1/apiservices',
  };
}

/** The file's namespace and the etcd pod, as stored in etcd and as the API serves them. */
export async function storedAndApi({
  kube,
  etcd,
}: Pick<Live, 'kube'> & { etcd: EtcdUnderTest }): Promise<
  Array<{ key: string; value: Buffer | null; api: ApiObjectIdentity; object: unknown }>
> {
  const { client } = await etcd.etcd3();
  const ns = await kube.core.readNamespace({ name: NAMESPACE });
  const p = await etcd.spec();
  const nsKey = `/registry/namespaces/${NAMESPACE}`;
  const podKey = `/registry/pods/${NAMESPACE}/${etcd.podName}`;
  return [
    {
      key: nsKey,
      value: await client.get(nsKey).buffer(),
      object: ns,
      api: { apiVersion: 'v1', kind: 'Namespace', name: ns.metadata!.name!, uid: ns.metadata!.uid! },
    },
    {
      key: podKey,
      value: await client.get(podKey).buffer(),
      object: p,
      api: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: p.metadata!.name!,
        namespace: p.metadata!.namespace!,
        uid: p.metadata!.uid!,
      },
    },
  ];
}

/** A stored value as the evidence shows it: its first bytes, its envelope and its metadata. */
export const describeValue = (value: Buffer | null) => {
  if (!value) return '(no value)';
  const head = value.subarray(0, 24).toString('hex').replace(/(..)/g, '$1 ').trim();
  try {
    const env = decodeStorageValue(value);
    const meta = decodeObjectMeta(env.raw);
    return `${value.length} bytes: ${head} …\nenvelope: apiVersion=${env.apiVersion} kind=${env.kind} raw=${env.raw.length} bytes\nmetadata: name=${meta.name} namespace=${meta.namespace ?? ''} uid=${meta.uid}`;
  } catch (e) {
    return `${value.length} bytes: ${head} … (${(e as Error).message})`;
  }
};

/**
 * Values under the prefixes and the same objects from the API, paired where etcd's mod revision is the object's
 * resourceVersion.
 */
export async function storedSizes({
  kube,
  etcd,
}: Pick<Live, 'kube'> & { etcd: EtcdUnderTest }): Promise<{ sizes: StoredSize[]; unpaired: number }> {
  const { client } = await etcd.etcd3();
  const kinds = [
    { prefix: '/registry/pods/', path: '/api/v1/pods', kind: 'Pod', namespaced: true },
    { prefix: '/registry/namespaces/', path: '/api/v1/namespaces', kind: 'Namespace', namespaced: false },
    { prefix: '/registry/services/specs/', path: '/api/v1/services', kind: 'Service', namespaced: true },
  ];
  const sizes: StoredSize[] = [];
  let unpaired = 0;
  for (const k of kinds) {
    // The JSON as the API serves it (typed clients would turn timestamps into Dates and back, changing the size).
    const list = JSON.parse(await getApiJson(kube.kc, k.path)) as {
      items: Array<{ metadata: { name: string; namespace?: string; resourceVersion: string } }>;
    };
    const kvs = (await client.getAll().prefix(k.prefix).exec()).kvs;
    const byKey = new Map(kvs.map((kv) => [kv.key.toString(), kv]));
    for (const item of list.items) {
      const key = `${k.prefix}${k.namespaced ? `${item.metadata.namespace}/` : ''}${item.metadata.name}`;
      const kv = byKey.get(key);
      // An object that changed between the two reads is not compared (its sizes would be of two versions).
      if (!kv || String(kv.mod_revision) !== item.metadata.resourceVersion) {
        unpaired++;
        continue;
      }
      sizes.push({
        key,
        stored: kv.value.length,
        protobuf: hasK8sMagic(kv.value),
        json: Buffer.byteLength(JSON.stringify({ kind: k.kind, apiVersion: 'v1', ...item })),
      });
    }
  }
  return { sizes, unpaired };
}

// ------------------------------------------------------------------------------------------------------------
// §4.2 leases (leases.test.ts)

/** The TTL of the leases ETCD-08 grants, in seconds. */
export const LEASE_TTL = 3;
/** Polls until the key is gone or `watchMs` after the grant passed. */
export async function watchExpiry(
  present: () => Promise<boolean>,
  grantedAt: number,
  watchMs: number,
): Promise<{ goneAfterMs?: number; watchedMs: number }> {
  while (Date.now() - grantedAt < watchMs) {
    if (!(await present())) return { goneAfterMs: Date.now() - grantedAt, watchedMs: Date.now() - grantedAt };
    await sleep(250);
  }
  return { watchedMs: Date.now() - grantedAt };
}

/** etcdctl lease grant, put --lease, then get until the key is gone. */
export async function leaseWithEtcdctl(etcd: EtcdUnderTest, key: string): Promise<LeaseObservation> {
  const grant = ok(await etcd.etcdctl(['lease', 'grant', String(LEASE_TTL)], withEnv));
  const grantedAt = Date.now();
  const parsed = parseLeaseGrant(grant.stdout);
  if (!parsed) return { ttlSeconds: LEASE_TTL, grantText: grant.stdout, presentAfterPut: false, watchedMs: 0 };
  ok(await etcd.etcdctl(['put', `--lease=${parsed.id}`, key, 'leased'], withEnv));
  const present = async () =>
    ok(await etcd.etcdctl(['get', key, '--print-value-only'], withEnv)).stdout.trim() === 'leased';
  const presentAfterPut = await present();
  return {
    ttlSeconds: LEASE_TTL,
    grantText: grant.stdout,
    grantedTtl: parsed.ttl,
    presentAfterPut,
    ...(await watchExpiry(present, grantedAt, (LEASE_TTL + 5) * 1000)),
  };
}

/** The same with the etcd3 client of the test process, its lease kept alive or not. */
export async function leaseWithEtcd3(
  etcd: EtcdUnderTest,
  key: string,
  keepAlive: boolean,
  watchMs = (LEASE_TTL + 5) * 1000,
): Promise<LeaseObservation> {
  const { client } = await etcd.etcd3();
  const lease = client.lease(LEASE_TTL, { autoKeepAlive: keepAlive });
  try {
    const id = await lease.grant();
    const grantedAt = Date.now();
    const ttl = await client.leaseClient.leaseTimeToLive({ ID: id });
    await lease.put(key).value('leased');
    const present = async () => (await client.get(key).string()) === 'leased';
    const presentAfterPut = await present();
    return {
      ttlSeconds: LEASE_TTL,
      grantText: `lease ${BigInt(id).toString(16)} granted with TTL(${ttl.grantedTTL}s)`,
      grantedTtl: Number(ttl.grantedTTL),
      presentAfterPut,
      ...(await watchExpiry(present, grantedAt, watchMs)),
    };
  } finally {
    // best-effort: an expired lease cannot be revoked, and needs not be
    if (!lease.revoked()) await lease.revoke().catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------------------------------------
// §4.2 locks (locks.test.ts)

const ACQUIRED = /^acquired (\S+)$/m;
/** A contender that runs `sh -c 'echo acquired $ETCD_LOCK_KEY'` once it holds the lock (then releases it). */
export async function contend(
  etcd: EtcdUnderTest,
  name: string,
  waitMs: number,
): Promise<{ acquired: boolean; output: string }> {
  // "--": what follows is the command etcdctl runs under the lock, not etcdctl flags.
  const contender = await etcd.start(['lock', name, '--', 'sh', '-c', 'echo "acquired $ETCD_LOCK_KEY"'], withEnv);
  try {
    // absent is the truth: no output within waitMs is the observation (not acquired); a contender that failed is thrown
    const out = await contender.waitFor(ACQUIRED, waitMs).catch((e: unknown) => {
      if (e instanceof ExecTimeout) return undefined;
      throw e;
    });
    return {
      acquired: out !== undefined,
      output: out ?? `(nothing within ${waitMs / 1000}s) ${contender.stderr().trim().split('\n').at(-1) ?? ''}`,
    };
  } finally {
    await etcd.stop(contender);
  }
}

/** Holder `etcdctl lock NAME` (prints its key NAME/LEASE and holds until stopped); `meanwhile` runs while it holds. */
export async function withLockHolder(
  etcd: EtcdUnderTest,
  name: string,
  meanwhile: (holderKey: string) => Promise<LockObservation['whileHeld']>,
): Promise<LockObservation> {
  const holder = await etcd.start(['lock', name], withEnv);
  let holderKey: string;
  let whileHeld: LockObservation['whileHeld'];
  try {
    holderKey =
      (await holder.waitFor(new RegExp(`^${escapeRe(name)}/[0-9a-f]+$`, 'm'), 10_000))
        .split('\n')
        .find((l) => l.startsWith(`${name}/`)) ?? '';
    whileHeld = await meanwhile(holderKey);
  } finally {
    await etcd.stop(holder); // SIGTERM: etcdctl lock unlocks and ends its session
  }
  const afterRelease = await contend(etcd, name, 10_000);
  return { name, holderKey, whileHeld, afterRelease };
}

/** etcd3's Lock: a second acquire while the first holds it, and after it released it. */
export async function lockWithEtcd3(etcd: EtcdUnderTest, name: string): Promise<LockObservation> {
  const { client } = await etcd.etcd3();
  const holder = client.lock(name).ttl(10);
  const second = client.lock(name).ttl(10);
  await holder.acquire();
  let whileHeld: LockObservation['whileHeld'];
  try {
    const r = await attempt(() => second.acquire());
    whileHeld = { acquired: r.exitCode === 0, output: r.exitCode === 0 ? 'acquired' : r.stderr };
    if (r.exitCode === 0) await second.release(); // it should not have had it; give it back at once
    if (r.exitCode !== 0 && !r.stderr.startsWith(new EtcdLockFailedError('').name))
      throw new Error(`etcd3 Lock failed for another reason: ${r.stderr}`);
  } finally {
    await holder.release();
  }
  const r = await attempt(() => second.acquire());
  if (r.exitCode === 0) await second.release();
  return {
    name,
    holderKey: name,
    whileHeld,
    afterRelease: { acquired: r.exitCode === 0, output: r.exitCode === 0 ? 'acquired' : r.stderr },
  };
}

/**
 * The keys the API server keeps outside its /registry prefix, from k8s.io/apiserver's source of the server's
 * version (pkg/storage/etcd3/compact.go: compactRevKey), with where that was read; unchecked where the module
 * proxy cannot serve it.
 */
export async function apiServerKeysOutsideRegistry({
  cluster,
  skip,
}: Pick<ClaimContext, 'cluster' | 'skip'>): Promise<{ keys: string[]; source: string }> {
  const module = await moduleOrSkip({ cluster, skip }, 'apiserver', cluster.serverVersion);
  const file = 'pkg/storage/etcd3/compact.go';
  const m = /\bcompactRevKey\s*=\s*"([^"]+)"/.exec(await readFile(join(module.dir, file), 'utf8'));
  if (!m) throw new Error(`${module.path}@${module.version}/${file} defines no compactRevKey`);
  return {
    keys: [m[1]!],
    source: `${module.path}@${module.version}/${file}: compactRevKey = "${m[1]}" (${module.hash})`,
  };
}

/**
 * ETCD-10's observation: every key of the etcd (`get "" --prefix --keys-only`) but those of kube-claims runs'
 * key operations (RUNS_KEY_PREFIX, written while this runs), the resources the API serves, and the keys the API
 * server keeps outside /registry by its own source.
 */
export async function everyKey(ctx: Pick<ClaimContext, 'cluster' | 'skip' | 'kube' | 'etcd'>) {
  const [{ keys: all, typed }, scopes, outside] = await Promise.all([
    keysAt(ctx.etcd, '', undefined),
    resourceScopes(ctx.kube),
    apiServerKeysOutsideRegistry(ctx),
  ]);
  const keys = all.filter((k) => !k.startsWith(RUNS_KEY_PREFIX));
  return { all, keys, typed, scopes, outside };
}
