// §4 of the article: etcd in a kubeadm cluster. Who talks to it (§4), etcdctl in the etcd pod with mTLS (§4.1),
// key operations (§4.2), and how Kubernetes objects are laid out and encoded under /registry (§4.3).
// Commands in the pod go through the API server's pods/exec; the etcd3 client of the test process reaches
// etcd through a pods/portforward with the API server's own etcd client certificate.
// Every key written here is under /kube-claims/RUN-ID/ and removed in afterAll, whatever happened.
import type { V1Pod } from '@kubernetes/client-node';
import { EtcdLockFailedError } from 'etcd3';
import { afterAll, describe, inject } from 'vitest';
import { connectThroughPortForward, etcd3Client, readClientCredentials, type EtcdConnection, type Etcd3Security } from '../helpers/etcd/client.ts';
import { EtcdPod, ETCDCTL_ENV, ok, type EtcdctlResult } from '../helpers/etcd/etcdctl.ts';
import { processesMatching, type LongRunning, type PodRef } from '../helpers/etcd/exec.ts';
import { decodeObjectMeta, decodeStorageValue } from '../helpers/etcd/protobuf.ts';
import { nodeExecOk } from '../helpers/node.ts';
import { claim, negativeControl } from './claim.ts';
import {
  checkContains, checkEtcdVersion, checkKvSequence, checkLeaseExpiry, checkLockExclusive, checkMemberList, checkNoProcessesLeft,
  checkOnlyApiServerTalksToEtcd, checkRefusals, failureReason, checkRegistryLayout, checkSameOutcome, checkShell, checkStoredValue, checkWatchSawPut,
  compareKeysWithApi, obsoleteEtcdctlVariables, parseFlags, releaseOfImage, parseKeysOnly, parseLeaseGrant, parseWatchOutput,
  type ApiObjectIdentity, type CommandOutcome, type EtcdClientsObservation, type KvSequence, type LayoutReport, type LeaseObservation,
  type LockObservation, type ProbeName, type ProbeObservation, type ResourceScopes, type VersionObservation,
} from './checks/etcd.ts';
import {
  jsonStoredValue, podImageOtherRelease, schedulerWithEtcdFlag, v2StyleEnv, withExtraKey, withLaxEtcd, withoutKey,
} from './deviations/etcd.ts';
import { expectDifference, expectNoDifferences } from './differences.ts';
import { cluster, kube, kubectl } from './env.ts';
import { sleep } from '../helpers/wait.ts';

// ---------------------------------------------------------------------------------------------------------------
// The etcd under test, and what this run writes to it

const NAMESPACE = 'kube-system';
const etcdPodName = () => `etcd-${cluster().nodeName}`;
const etcdRef = (): PodRef => ({ namespace: NAMESPACE, pod: etcdPodName(), container: 'etcd' });

let pod: EtcdPod | undefined;
/** The etcd pod, reached through the API server (pods/exec). */
function etcdPod(): EtcdPod {
  pod ??= new EtcdPod(kube().kc, etcdRef());
  return pod;
}

/** etcdctl in the etcd pod: with the article's TLS flags (default), or with `env` exported and flags 'none'. */
function etcdctlInPod(argv: string[], options: { env?: Record<string, string>; flags?: 'tls' | 'none'; timeoutMs?: number } = {}): Promise<EtcdctlResult> {
  return etcdPod().etcdctl(argv, options);
}

/** The article's way after its "export" tip: the ETCDCTL_* variables and no flags. */
const withEnv = { env: { ...ETCDCTL_ENV }, flags: 'none' as const };

/** The root of everything this run writes: /kube-claims/RUN-ID/. */
const runPrefix = () => `/kube-claims/${inject('runId')}/`;
const runKey = (name: string) => `${runPrefix()}${name}`;

const started = new Set<LongRunning>();
/** etcdctl left running in the pod (watch, lock); stopped by the test, or at the latest in afterAll. */
async function startInEtcdPod(argv: string[], options: { env?: Record<string, string>; flags?: 'tls' | 'none' } = {}): Promise<LongRunning> {
  const run = await etcdPod().startEtcdctl(argv, { ...options, maxSeconds: 60 });
  started.add(run);
  return run;
}
async function stopRun(run: LongRunning): Promise<void> {
  try { await run.stop(); } finally { started.delete(run); }
}

async function etcdPodSpec(): Promise<V1Pod> {
  return kube().core.readNamespacedPod({ namespace: NAMESPACE, name: etcdPodName() });
}

async function etcdImage(): Promise<string> {
  const spec = await etcdPodSpec();
  const image = spec.spec?.containers.find((c) => c.name === 'etcd')?.image;
  if (!image) throw new Error(`pod ${etcdPodName()} has no etcd container image`);
  return image;
}

async function nodeInternalIp(): Promise<string> {
  const node = await kube().core.readNode({ name: cluster().nodeName });
  const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw new Error(`node ${cluster().nodeName} has no InternalIP`);
  return ip;
}

async function staticPodCommand(component: string): Promise<string[]> {
  const p = await kube().core.readNamespacedPod({ namespace: NAMESPACE, name: `${component}-${cluster().nodeName}` });
  const c = p.spec?.containers.find((x) => x.name === component) ?? p.spec?.containers[0];
  return [...(c?.command ?? []), ...(c?.args ?? [])];
}

// The etcd3 client: one mTLS connection for the file, opened on first use, closed in afterAll.
let connection: Promise<EtcdConnection> | undefined;

/** The CA and client certificate the API server itself uses for etcd (its --etcd-* flags), read from the node. */
async function apiServerEtcdCredentials() {
  const flags = parseFlags(await staticPodCommand('kube-apiserver'));
  const files = { ca: flags.get('etcd-cafile') ?? '', cert: flags.get('etcd-certfile') ?? '', key: flags.get('etcd-keyfile') ?? '' };
  if (!files.ca || !files.cert || !files.key) throw new Error('kube-apiserver has no --etcd-cafile/--etcd-certfile/--etcd-keyfile to borrow');
  return readClientCredentials(cluster(), files);
}

function etcd3(): Promise<EtcdConnection> {
  connection ??= apiServerEtcdCredentials().then((credentials) => connectThroughPortForward(kube().kc, etcdRef(), { kind: 'mtls', credentials }));
  return connection;
}

afterAll(async () => {
  const problems: string[] = [];
  for (const run of [...started]) await stopRun(run).catch((e: Error) => problems.push(`stopping ${run.pid}: ${e.message}`));
  // Remove the run's keys through the pod, which works even when the port-forward does not.
  const del = await etcdctlInPod(['del', '--prefix', runPrefix()]).catch((e: Error) => ({ exitCode: -1, stderr: e.message }) as EtcdctlResult);
  if (del.exitCode !== 0) problems.push(`removing ${runPrefix()}: ${del.stderr.trim().split('\n').at(-1)}`);
  if (connection) await connection.then((c) => c.close(), () => undefined);
  if (problems.length) throw new Error(`etcd suite clean-up: ${problems.join('; ')}`);
});

const outcome = (r: { exitCode: number; stdout: string; stderr: string }): CommandOutcome => ({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });

async function attempt<T>(fn: () => Promise<T>): Promise<CommandOutcome & { value?: T }> {
  try {
    const value = await fn();
    return { exitCode: 0, stdout: '', stderr: '', value };
  } catch (e) {
    return { exitCode: 1, stdout: '', stderr: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------------------------
// §4: only the API server talks to etcd

async function observeEtcdClients(): Promise<EtcdClientsObservation> {
  const c = cluster();
  const [apiserver, controllerManager, scheduler, etcd] = await Promise.all(
    ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd'].map(staticPodCommand),
  );
  const kubeletPid = (await nodeExecOk(c, ['pgrep', '-x', 'kubelet'])).trim().split('\n')[0]!;
  const kubelet = (await nodeExecOk(c, ['cat', `/proc/${kubeletPid}/cmdline`])).split('\0').filter(Boolean);
  const node = await kube().core.readNode({ name: c.nodeName });
  const kubeconfigServers: Record<string, string> = {};
  for (const command of [controllerManager!, scheduler!, kubelet]) {
    const path = parseFlags(command).get('kubeconfig');
    // kubectl on the node prints only the server of the file's current context (no credentials leave the node).
    if (path) kubeconfigServers[path] = (await nodeExecOk(c, ['kubectl', 'config', 'view', '--kubeconfig', path, '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])).trim();
  }
  return {
    apiserver: apiserver!, controllerManager: controllerManager!, scheduler: scheduler!, etcd: etcd!, kubelet, kubeconfigServers,
    nodeAddresses: (node.status?.addresses ?? []).map((a) => a.address),
  };
}

/** The flags that matter for who talks to etcd, for the evidence. */
function clientFlags(o: EtcdClientsObservation): Record<string, string[]> {
  const pick = (cmd: string[]) => cmd.filter((a) => /^--(etcd|kubeconfig|advertise-address|secure-port|listen-client-urls|advertise-client-urls)/.test(a));
  return {
    'kube-apiserver': pick(o.apiserver), 'kube-controller-manager': pick(o.controllerManager), 'kube-scheduler': pick(o.scheduler),
    kubelet: pick(o.kubelet), etcd: pick(o.etcd), 'kubeconfig servers': Object.entries(o.kubeconfigServers).map(([p, s]) => `${p}: ${s}`),
  };
}

describe('§4 etcd: only kube-apiserver talks to it', () => {
  claim('ETCD-01', async ({ record }) => {
    const o = await observeEtcdClients();
    record('etcd-related flags and kubeconfig servers', clientFlags(o));
    expectNoDifferences(checkOnlyApiServerTalksToEtcd(o));
  });

  negativeControl('ETCD-01', 'kube-scheduler given an etcd flag (deviated copy of the live static pod specs)', async ({ record }) => {
    const live = await observeEtcdClients();
    const servers = parseFlags(live.apiserver).get('etcd-servers') ?? 'https://127.0.0.1:2379';
    const diffs = checkOnlyApiServerTalksToEtcd(schedulerWithEtcdFlag(live, servers));
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `kube-scheduler has etcd flag --etcd-servers=${servers}`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// §4.1: into the etcd pod, etcdctl with mTLS

async function probeRefusalsInPod(): Promise<ProbeObservation[]> {
  // Short limits: a refused connection shows as etcdctl's own timeout.
  const limits = ['--dial-timeout=2s', '--command-timeout=3s'];
  const probes: Array<[ProbeName, string[]]> = [
    ['no client certificate', ['--endpoints=https://127.0.0.1:2379', '--cacert=/etc/kubernetes/pki/etcd/ca.crt', ...limits, 'member', 'list']],
    ['plain http', ['--endpoints=http://127.0.0.1:2379', ...limits, 'member', 'list']],
    ['default endpoint', [...limits, 'member', 'list']],
  ];
  return Promise.all(probes.map(async ([probe, argv]) => {
    const r = await etcdctlInPod(argv, { flags: 'none' });
    return { probe, command: r.typed, ...outcome(r) };
  }));
}

/** etcd3 from the test process with a given security, reading /registry/namespaces/ keys. */
async function probeEtcd3(probe: ProbeName, hostPort: string | undefined, security: Etcd3Security): Promise<ProbeObservation> {
  const conn = hostPort ? undefined : await connectThroughPortForward(kube().kc, etcdRef(), security, { callTimeoutMs: 3_000 });
  const client = conn?.client ?? etcd3Client(hostPort!, security, { callTimeoutMs: 3_000 });
  const endpoint = conn?.endpoint ?? `${security.kind === 'plain' ? 'http' : 'https'}://${hostPort}`;
  try {
    const r = await attempt(() => client.getAll().prefix('/registry/namespaces/').keys());
    return { probe, command: `etcd3 getAll().prefix('/registry/namespaces/') via ${endpoint}`, ...r, stdout: r.value ? r.value.join('\n') || '(no keys)' : '' };
  } finally {
    if (conn) await conn.close(); else client.close();
  }
}

const CLUSTER_PROBES: readonly ProbeName[] = ['no client certificate', 'plain http', 'default endpoint', 'etcd3 without a client certificate', 'etcd3 over plain http'];

describe('§4.1 etcdctl in the etcd pod', () => {
  claim('ETCD-02', async ({ record }) => {
    const shell = await etcdPod().exec(['sh', '-c', 'echo $0']);
    const bash = await etcdPod().exec(['sh', '-c', 'command -v bash || echo "no bash"']);
    const table = ok(await etcdctlInPod(['member', 'list']));
    const json = ok(await etcdctlInPod(['member', 'list', '-w', 'json']));
    record(`kubectl exec ${etcdPodName()} -- sh -c 'echo $0'`, `${shell.stdout}(bash: ${bash.stdout.trim()})`);
    record(table.typed, table.stdout);
    record(`${json.typed}`, json.stdout);
    expectNoDifferences([
      ...checkShell(shell),
      ...checkMemberList(table.stdout, json.stdout, { name: cluster().nodeName, ip: await nodeInternalIp() }),
    ]);
  });

  negativeControl('ETCD-02', 'the same check pointed at another etcd (a container: other name, plain-http URLs)', async ({ record }) => {
    await withLaxEtcd(await etcdImage(), async (other) => {
      const table = await other.etcdctl([`--endpoints=${other.plainUrl}`, 'member', 'list']);
      const json = await other.etcdctl([`--endpoints=${other.plainUrl}`, 'member', 'list', '-w', 'json']);
      record(`${table.typed} (container ${other.name})`, table.stdout);
      const diffs = checkMemberList(table.stdout, json.stdout, { name: cluster().nodeName, ip: await nodeInternalIp() });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `not the node's name ${cluster().nodeName}`);
      expectDifference(diffs, /peer URL is http:\/\/127\.0\.0\.1:2380, not https:/);
    });
  });

  async function observeVersions(): Promise<VersionObservation> {
    const version = ok(await etcdctlInPod(['version']));
    const status = ok(await etcdctlInPod(['endpoint', 'status', '-w', 'json']));
    const server = (await kube().version.getCode()).gitVersion;
    const images = await nodeExecOk(cluster(), ['kubeadm', 'config', 'images', 'list', '--kubernetes-version', server]);
    return { version: version.stdout, status: status.stdout, podImage: await etcdImage(), kubeadmImage: images.split('\n').find((l) => /\/etcd:/.test(l))?.trim() };
  }

  claim('ETCD-03', async ({ record }) => {
    const o = await observeVersions();
    record('etcdctl version', o.version);
    record('etcdctl endpoint status -w json', o.status);
    record('etcd image: pod spec / kubeadm config images list', `${o.podImage}\n${o.kubeadmImage ?? '(kubeadm lists no etcd image)'}`);
    expectNoDifferences(checkEtcdVersion(o));
  });

  negativeControl('ETCD-03', 'the pod spec names the next etcd patch release (deviated copy)', async ({ record }) => {
    const live = await observeVersions();
    const deviated = podImageOtherRelease(live);
    const diffs = checkEtcdVersion(deviated);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `but the pod's image is ${deviated.podImage}`);
  });

  claim('ETCD-04', async ({ record }) => {
    const flags = await etcdctlInPod(['member', 'list']);
    const env = await etcdctlInPod(['member', 'list'], withEnv);
    record(flags.typed, flags.stdout || flags.stderr);
    record(`${Object.entries(ETCDCTL_ENV).map(([k, v]) => `export ${k}=${v}`).join('\n')}\netcdctl member list`, env.stdout || env.stderr);
    const obsolete = obsoleteEtcdctlVariables(releaseOfImage(await etcdImage()));
    if (obsolete.length) record('variables this etcdctl release no longer knows (ignored with a warning)', obsolete.join('\n'));
    expectNoDifferences(checkSameOutcome(outcome(flags), outcome(env), obsolete));
  });

  negativeControl('ETCD-04', 'etcdctl v2 variable names (ETCDCTL_CA_FILE, _CERT_FILE, _KEY_FILE) exported instead', async ({ record }) => {
    const flags = await etcdctlInPod(['member', 'list']);
    const env = await etcdctlInPod(['member', 'list', '--dial-timeout=2s', '--command-timeout=3s'], { env: v2StyleEnv(ETCDCTL_ENV), flags: 'none' });
    record(env.typed, `exit ${env.exitCode}\n${env.stderr}`);
    const diffs = checkSameOutcome(outcome(flags), outcome(env));
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, /with ETCDCTL_\* only: exit [1-9]/);
    expectDifference(diffs, 'etcdctl ignored a variable: ETCDCTL_CA_FILE');
  });

  claim('ETCD-05', async ({ record }) => {
    const credentials = await apiServerEtcdCredentials();
    const observations = [
      ...(await probeRefusalsInPod()),
      await probeEtcd3('etcd3 without a client certificate', undefined, { kind: 'tls-no-client-cert', ca: credentials.ca }),
      await probeEtcd3('etcd3 over plain http', undefined, { kind: 'plain' }),
    ];
    record('refusal probes', observations.map((o) => `${o.probe}: ${o.command}\n  exit ${o.exitCode}: ${failureReason(o.stderr)}`).join('\n'));
    expectNoDifferences(checkRefusals(observations, CLUSTER_PROBES));
  }, 60_000);

  negativeControl('ETCD-05', 'the same probes against an etcd with plain http and no client-cert-auth (testcontainers)', async ({ record }) => {
    await withLaxEtcd(await etcdImage(), async (lax) => {
      const limits = ['--dial-timeout=2s', '--command-timeout=3s'];
      const probes: Array<[ProbeName, string[]]> = [
        ['no client certificate', [`--endpoints=${lax.tlsUrl}`, `--cacert=${lax.serverCa}`, ...limits, 'member', 'list']],
        ['plain http', [`--endpoints=${lax.plainUrl}`, ...limits, 'member', 'list']],
        ['default endpoint', [...limits, 'member', 'list']],
      ];
      const observations: ProbeObservation[] = await Promise.all(probes.map(async ([probe, argv]) => {
        const r = await lax.etcdctl(argv);
        return { probe, command: r.typed, ...outcome(r) };
      }));
      observations.push(await probeEtcd3('etcd3 over plain http', lax.plainHostPort, { kind: 'plain' }));
      record(`probes against container ${lax.name} (${lax.image})`, observations.map((o) => `${o.probe}: ${o.command} → exit ${o.exitCode}`).join('\n'));
      const diffs = checkRefusals(observations, ['no client certificate', 'plain http', 'default endpoint', 'etcd3 over plain http']);
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'plain http accepted');
      expectDifference(diffs, 'no client certificate accepted');
      expectDifference(diffs, 'default endpoint accepted');
      expectDifference(diffs, 'etcd3 over plain http accepted');
    });
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------
// §4.2: put, get, del, watch, leases, locks

async function kvSequenceWithEtcdctl(key: string, value: string): Promise<KvSequence> {
  return {
    put: outcome(await etcdctlInPod(['put', key, value], withEnv)),
    get: outcome(await etcdctlInPod(['get', key], withEnv)),
    del: outcome(await etcdctlInPod(['del', key], withEnv)),
    getAfterDel: outcome(await etcdctlInPod(['get', key], withEnv)),
  };
}

async function kvSequenceWithEtcd3(key: string, value: string): Promise<KvSequence> {
  const { client } = await etcd3();
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

const showSequence = (s: KvSequence) => (['put', 'get', 'del', 'getAfterDel'] as const).map((k) => `${k}: exit ${s[k].exitCode} ${JSON.stringify(s[k].stdout)}`).join('\n');

/** Puts `value` under `key` until the watcher prints the PUT (etcdctl watch gives no sign that it is registered). */
async function putUntilWatched(watcher: LongRunning, key: string, value: string): Promise<string> {
  for (let i = 0; ; i++) {
    ok(await etcdctlInPod(['put', key, value], withEnv));
    try {
      return await watcher.waitFor(new RegExp(`^PUT\\n${escapeRe(key)}\\n`, 'm'), 2_000);
    } catch (error) {
      if (i >= 4) throw error;
    }
  }
}

describe('§4.2 key operations', () => {
  claim('ETCD-06', async ({ record }) => {
    const key = runKey('xdkey1');
    const viaEtcdctl = await kvSequenceWithEtcdctl(key, '111');
    record('etcdctl put/get/del/get (ETCDCTL_* exported)', showSequence(viaEtcdctl));
    const viaEtcd3 = await kvSequenceWithEtcd3(runKey('xdkey1-etcd3'), '111');
    record('etcd3 put/get/delete/get', showSequence(viaEtcd3));
    expectNoDifferences([
      ...checkKvSequence(viaEtcdctl, key, '111').map((d) => `etcdctl: ${d}`),
      ...checkKvSequence(viaEtcd3, runKey('xdkey1-etcd3'), '111').map((d) => `etcd3: ${d}`),
    ]);
  });

  negativeControl('ETCD-06', 'get after del still returns the value (deviated copy of the live sequence)', async ({ record }) => {
    const key = runKey('xdkey1-negative');
    const live = await kvSequenceWithEtcdctl(key, '111');
    const diffs = checkKvSequence({ ...live, getAfterDel: live.get }, key, '111');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'key still present after del');
  });

  claim('ETCD-07', async ({ record }) => {
    const key = runKey('watched');
    const watcher = await startInEtcdPod(['watch', key], withEnv);
    let output: string;
    try {
      output = await putUntilWatched(watcher, key, 'ttt');
    } finally {
      await stopRun(watcher);
    }
    const left = await processesMatching(kube().kc, etcdRef(), key);
    record(`etcdctl watch ${key} (while another exec puts ttt)`, output);
    record('processes in the etcd container after the watcher was stopped', left.lines.join('\n') || '(no process mentions the watched key)');

    // etcd3 watcher: create() resolves once etcd has registered it, so one put is enough.
    const key3 = runKey('watched-etcd3');
    const { client } = await etcd3();
    const w = await client.watch().key(key3).create();
    const events: Array<{ type: string; key: string; value?: string }> = [];
    try {
      const seen = new Promise<void>((resolve) => w.on('put', (kv) => { events.push({ type: 'PUT', key: kv.key.toString(), value: kv.value.toString() }); resolve(); }));
      ok(await etcdctlInPod(['put', key3, 'ttt'], withEnv));
      await Promise.race([seen, sleep(5_000)]);
    } finally {
      await w.cancel();
    }
    record('etcd3 watcher events', events);
    expectNoDifferences([
      ...checkWatchSawPut(parseWatchOutput(output), key, 'ttt'),
      ...checkNoProcessesLeft(left.lines, 'etcdctl watch'),
      ...checkWatchSawPut(events, key3, 'ttt', 'the etcd3 watcher'),
    ]);
  });

  negativeControl('ETCD-07', 'the watcher is gone (stopped) before the other client puts', async ({ record }) => {
    const key = runKey('watched-negative');
    const watcher = await startInEtcdPod(['watch', key], withEnv);
    await stopRun(watcher);
    ok(await etcdctlInPod(['put', key, 'ttt'], withEnv));
    const diffs = checkWatchSawPut(parseWatchOutput(watcher.stdout()), key, 'ttt');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `etcdctl watch printed no event for ${key}`);
  });

  const TTL = 3;
  /** Polls until the key is gone or `watchMs` after the grant passed. */
  async function watchExpiry(present: () => Promise<boolean>, grantedAt: number, watchMs: number): Promise<{ goneAfterMs?: number; watchedMs: number }> {
    while (Date.now() - grantedAt < watchMs) {
      if (!(await present())) return { goneAfterMs: Date.now() - grantedAt, watchedMs: Date.now() - grantedAt };
      await sleep(250);
    }
    return { watchedMs: Date.now() - grantedAt };
  }

  async function leaseWithEtcdctl(key: string): Promise<LeaseObservation> {
    const grant = ok(await etcdctlInPod(['lease', 'grant', String(TTL)], withEnv));
    const grantedAt = Date.now();
    const parsed = parseLeaseGrant(grant.stdout);
    if (!parsed) return { ttlSeconds: TTL, grantText: grant.stdout, presentAfterPut: false, watchedMs: 0 };
    ok(await etcdctlInPod(['put', `--lease=${parsed.id}`, key, 'leased'], withEnv));
    const present = async () => ok(await etcdctlInPod(['get', key, '--print-value-only'], withEnv)).stdout.trim() === 'leased';
    const presentAfterPut = await present();
    return { ttlSeconds: TTL, grantText: grant.stdout, grantedTtl: parsed.ttl, presentAfterPut, ...(await watchExpiry(present, grantedAt, (TTL + 5) * 1000)) };
  }

  async function leaseWithEtcd3(key: string, keepAlive: boolean, watchMs = (TTL + 5) * 1000): Promise<LeaseObservation> {
    const { client } = await etcd3();
    const lease = client.lease(TTL, { autoKeepAlive: keepAlive });
    try {
      const id = await lease.grant();
      const grantedAt = Date.now();
      const ttl = await client.leaseClient.leaseTimeToLive({ ID: id });
      await lease.put(key).value('leased');
      const present = async () => (await client.get(key).string()) === 'leased';
      const presentAfterPut = await present();
      return {
        ttlSeconds: TTL, grantText: `lease ${BigInt(id).toString(16)} granted with TTL(${ttl.grantedTTL}s)`, grantedTtl: Number(ttl.grantedTTL),
        presentAfterPut, ...(await watchExpiry(present, grantedAt, watchMs)),
      };
    } finally {
      if (!lease.revoked()) await lease.revoke().catch(() => undefined); // an expired lease cannot be revoked: fine
    }
  }

  claim('ETCD-08', async ({ record }) => {
    const [viaEtcdctl, viaEtcd3] = await Promise.all([leaseWithEtcdctl(runKey('leased')), leaseWithEtcd3(runKey('leased-etcd3'), false)]);
    record('etcdctl lease grant / put --lease / get until gone', viaEtcdctl);
    record('etcd3 lease (no keep-alive) / put / get until gone', viaEtcd3);
    expectNoDifferences([...checkLeaseExpiry(viaEtcdctl).map((d) => `etcdctl: ${d}`), ...checkLeaseExpiry(viaEtcd3).map((d) => `etcd3: ${d}`)]);
  });

  negativeControl('ETCD-08', 'the lease is kept alive (etcd3 keep-alive), so it never expires', async ({ record }) => {
    const o = await leaseWithEtcd3(runKey('leased-kept-alive'), true, (TTL + 3) * 1000);
    record('etcd3 lease with keep-alive', o);
    const diffs = checkLeaseExpiry(o);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'key still present');
  });

  const ACQUIRED = /^acquired (\S+)$/m;
  /** A contender that runs `sh -c 'echo acquired $ETCD_LOCK_KEY'` once it holds the lock (then releases it). */
  async function contend(name: string, waitMs: number): Promise<{ acquired: boolean; output: string }> {
    // "--": what follows is the command etcdctl runs under the lock, not etcdctl flags.
    const contender = await startInEtcdPod(['lock', name, '--', 'sh', '-c', 'echo "acquired $ETCD_LOCK_KEY"'], withEnv);
    try {
      const out = await contender.waitFor(ACQUIRED, waitMs).catch(() => undefined);
      return { acquired: out !== undefined, output: out ?? `(nothing within ${waitMs / 1000}s) ${contender.stderr().trim().split('\n').at(-1) ?? ''}` };
    } finally {
      await stopRun(contender);
    }
  }

  /** Holder `etcdctl lock NAME` (prints its key NAME/LEASE and holds until stopped); `meanwhile` runs while it holds. */
  async function withLockHolder(name: string, meanwhile: (holderKey: string) => Promise<LockObservation['whileHeld']>): Promise<LockObservation> {
    const holder = await startInEtcdPod(['lock', name], withEnv);
    let holderKey = '';
    let whileHeld: LockObservation['whileHeld'];
    try {
      holderKey = (await holder.waitFor(new RegExp(`^${escapeRe(name)}/[0-9a-f]+$`, 'm'), 10_000)).split('\n').find((l) => l.startsWith(`${name}/`)) ?? '';
      whileHeld = await meanwhile(holderKey);
    } finally {
      await stopRun(holder); // SIGTERM: etcdctl lock unlocks and ends its session
    }
    const afterRelease = await contend(name, 10_000);
    return { name, holderKey, whileHeld, afterRelease };
  }

  async function lockWithEtcd3(name: string): Promise<LockObservation> {
    const { client } = await etcd3();
    const holder = client.lock(name).ttl(10);
    const second = client.lock(name).ttl(10);
    await holder.acquire();
    let whileHeld: LockObservation['whileHeld'];
    try {
      const r = await attempt(() => second.acquire());
      whileHeld = { acquired: r.exitCode === 0, output: r.exitCode === 0 ? 'acquired' : r.stderr };
      if (r.exitCode === 0) await second.release(); // it should not have had it; give it back at once
      if (r.exitCode !== 0 && !r.stderr.startsWith(new EtcdLockFailedError('').name)) throw new Error(`etcd3 Lock failed for another reason: ${r.stderr}`);
    } finally {
      await holder.release();
    }
    const r = await attempt(() => second.acquire());
    if (r.exitCode === 0) await second.release();
    return { name, holderKey: name, whileHeld, afterRelease: { acquired: r.exitCode === 0, output: r.exitCode === 0 ? 'acquired' : r.stderr } };
  }

  claim('ETCD-09', async ({ record }) => {
    const name = runKey('lock');
    const viaEtcdctl = await withLockHolder(name, () => contend(name, 3_000));
    record('etcdctl lock: holder key, contender while held (3s), contender after release', viaEtcdctl);
    const viaEtcd3 = await lockWithEtcd3(runKey('lock-etcd3'));
    record('etcd3 Lock: second acquire while held, after release', viaEtcd3);
    expectNoDifferences([...checkLockExclusive(viaEtcdctl).map((d) => `etcdctl: ${d}`), ...checkLockExclusive(viaEtcd3).map((d) => `etcd3: ${d}`)]);
  }, 60_000);

  negativeControl('ETCD-09', "the holder's session lease is revoked behind its back while it still runs", async ({ record }) => {
    const name = runKey('lock-negative');
    const o = await withLockHolder(name, async (holderKey) => {
      const lease = holderKey.slice(name.length + 1);
      ok(await etcdctlInPod(['lease', 'revoke', lease], withEnv));
      return contend(name, 3_000);
    });
    record('etcdctl lock with the holder\'s lease revoked', o);
    const diffs = checkLockExclusive(o);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `a second contender acquired ${name} while the holder had it`);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------------------
// §4.3: what Kubernetes stores in etcd

async function resourceScopes(): Promise<ResourceScopes> {
  const k = await kubectl();
  const names = async (namespaced: boolean) => (await k.ok(['api-resources', `--namespaced=${namespaced}`, '-o', 'name'])).stdout.split('\n').filter(Boolean);
  const [ns, cluster] = await Promise.all([names(true), names(false)]);
  return { namespaced: new Map([...ns.map((n) => [n, true] as const), ...cluster.map((n) => [n, false] as const)]) };
}

/** Keys under a prefix at the revision an API list was served at, so both describe the same moment. */
async function keysAt(prefix: string, revision: string | undefined): Promise<{ keys: string[]; typed: string; stdout: string }> {
  const r = ok(await etcdctlInPod(['get', prefix, '--prefix', '--keys-only', ...(revision ? [`--rev=${revision}`] : [])]));
  return { keys: parseKeysOnly(r.stdout), typed: r.typed, stdout: r.stdout };
}

interface Listed { names: string[]; resourceVersion?: string }

async function apiNamespaces(): Promise<Listed> {
  const l = await kube().core.listNamespace();
  return { names: l.items.map((n) => n.metadata!.name!), resourceVersion: l.metadata?.resourceVersion };
}
async function apiPods(): Promise<Listed> {
  const l = await kube().core.listPodForAllNamespaces();
  return { names: l.items.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`), resourceVersion: l.metadata?.resourceVersion };
}
/** The APIServices through kubectl. `kubectl get apiservices -o json` wraps them in a List without a resourceVersion, so the raw list is read. */
async function apiApiServices(): Promise<Listed & { command: string }> {
  const args = ['get', '--raw', '/apis/apiregistration.k8s.io/v1/apiservices'];
  const l = JSON.parse((await (await kubectl()).ok(args)).stdout) as { items: Array<{ metadata: { name: string } }>; metadata?: { resourceVersion?: string } };
  return { names: l.items.map((a) => a.metadata.name), resourceVersion: l.metadata?.resourceVersion, command: `kubectl ${args.join(' ')}` };
}

const ARTICLE_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const;

describe('§4.3 Kubernetes objects in etcd', () => {
  claim('ETCD-10', async ({ record }) => {
    const [{ keys, typed }, scopes] = await Promise.all([keysAt('/registry', undefined), resourceScopes()]);
    const report: LayoutReport = { judged: 0, notJudged: [] };
    const diffs = checkRegistryLayout(keys, scopes, report);
    record(`${typed} (${keys.length} keys; first 40)`, keys.slice(0, 40).join('\n'));
    record('layout judged', `${report.judged} keys of resources the API serves; not judged (not API resources): ${report.notJudged.join(', ') || 'none'}`);
    expectNoDifferences(diffs);
  });

  negativeControl('ETCD-10', 'a pod key without its namespace, /registry/pods/onlytwo (deviated copy of the live key list)', async ({ record }) => {
    const [{ keys }, scopes] = await Promise.all([keysAt('/registry', undefined), resourceScopes()]);
    const diffs = checkRegistryLayout(withExtraKey(keys, '/registry/pods/onlytwo'), scopes);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, '/registry/pods/onlytwo: pods are namespaced');
  });

  claim('ETCD-11', async ({ record }) => {
    const api = await apiNamespaces();
    const { keys, typed, stdout } = await keysAt('/registry/namespaces/', api.resourceVersion);
    record(typed, stdout);
    record(`namespaces the API lists (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([
      ...compareKeysWithApi(keys, '/registry/namespaces/', api.names, 'namespace'),
      ...checkContains(keys.map((k) => k.slice('/registry/namespaces/'.length)), ARTICLE_NAMESPACES, '/registry/namespaces/'),
    ]);
  });

  negativeControl('ETCD-11', 'the kube-public key missing and a stray key present (deviated copy of the live keys)', async ({ record }) => {
    const api = await apiNamespaces();
    const { keys } = await keysAt('/registry/namespaces/', api.resourceVersion);
    const deviated = withExtraKey(withoutKey(keys, '/registry/namespaces/kube-public'), '/registry/namespaces/kc-ghost');
    const diffs = [
      ...compareKeysWithApi(deviated, '/registry/namespaces/', api.names, 'namespace'),
      ...checkContains(deviated.map((k) => k.slice('/registry/namespaces/'.length)), ARTICLE_NAMESPACES, '/registry/namespaces/'),
    ];
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'namespace kube-public listed by the API has no key /registry/namespaces/kube-public');
    expectDifference(diffs, 'key /registry/namespaces/kc-ghost has no namespace in the API');
  });

  claim('ETCD-12', async ({ record }) => {
    const api = await apiPods();
    const { keys, typed, stdout } = await keysAt('/registry/pods/', api.resourceVersion);
    record(typed, stdout);
    record(`pods the API lists (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([
      ...compareKeysWithApi(keys, '/registry/pods/', api.names, 'pod'),
      ...checkContains(api.names, [`${NAMESPACE}/${etcdPodName()}`], 'the API\'s pod list'),
    ]);
  });

  negativeControl('ETCD-12', 'a pod key whose pod the API does not have (deviated copy of the live keys)', async ({ record }) => {
    const api = await apiPods();
    const { keys } = await keysAt('/registry/pods/', api.resourceVersion);
    const diffs = compareKeysWithApi(withExtraKey(keys, '/registry/pods/kube-system/kc-ghost-pod'), '/registry/pods/', api.names, 'pod');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'key /registry/pods/kube-system/kc-ghost-pod has no pod in the API');
  });

  claim('ETCD-13', async ({ record }) => {
    const api = await apiApiServices();
    const prefix = '/registry/apiregistration.k8s.io/apiservices/';
    const { keys, typed, stdout } = await keysAt(prefix, api.resourceVersion);
    record(typed, stdout);
    record(`${api.command} (resourceVersion ${api.resourceVersion})`, api.names.join('\n'));
    expectNoDifferences([...compareKeysWithApi(keys, prefix, api.names, 'APIService'), ...checkContains(api.names, ['v1.'], 'the APIService list')]);
  });

  negativeControl('ETCD-13', 'the v1. APIService key missing (deviated copy of the live keys)', async ({ record }) => {
    const api = await apiApiServices();
    const prefix = '/registry/apiregistration.k8s.io/apiservices/';
    const { keys } = await keysAt(prefix, api.resourceVersion);
    const diffs = compareKeysWithApi(withoutKey(keys, `${prefix}v1.`), prefix, api.names, 'APIService');
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `APIService v1. listed by the API has no key ${prefix}v1.`);
  });

  async function storedAndApi(): Promise<Array<{ key: string; value: Buffer | null; api: ApiObjectIdentity; object: unknown }>> {
    const { client } = await etcd3();
    const ns = await kube().core.readNamespace({ name: NAMESPACE });
    const p = await etcdPodSpec();
    const nsKey = `/registry/namespaces/${NAMESPACE}`;
    const podKey = `/registry/pods/${NAMESPACE}/${etcdPodName()}`;
    return [
      { key: nsKey, value: await client.get(nsKey).buffer(), object: ns, api: { apiVersion: 'v1', kind: 'Namespace', name: ns.metadata!.name!, uid: ns.metadata!.uid! } },
      { key: podKey, value: await client.get(podKey).buffer(), object: p, api: { apiVersion: 'v1', kind: 'Pod', name: p.metadata!.name!, namespace: p.metadata!.namespace!, uid: p.metadata!.uid! } },
    ];
  }

  const describeValue = (value: Buffer | null) => {
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

  claim('ETCD-14', async ({ record }) => {
    const stored = await storedAndApi();
    for (const s of stored) record(`etcd3 get ${s.key} (API: ${s.api.kind} ${s.api.name} uid ${s.api.uid})`, describeValue(s.value));
    expectNoDifferences(stored.flatMap((s) => checkStoredValue(s.key, s.value, s.api)));
  });

  negativeControl('ETCD-14', 'the namespace stored as JSON instead of protobuf (deviated copy of the live object)', async ({ record }) => {
    const [ns] = await storedAndApi();
    const diffs = checkStoredValue(ns!.key, jsonStoredValue(ns!.object, ns!.api), ns!.api);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'no k8s\\0 envelope');
    expectDifference(diffs, '(JSON)');
  });
});
