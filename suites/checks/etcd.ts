// Checks of §4 (etcd): pure functions of observations that return what differs from the article's claims.
// Expectations come from the cluster under test (node name and IP, image tags, API lists), never from the article.
import { decodeObjectMeta, decodeStorageValue, hasK8sMagic, ProtobufError } from '../../helpers/etcd/protobuf.ts';
import type { Differences } from '../differences.ts';

// ---------------------------------------------------------------------------------------------------------------
// Shared parsing

/** `--flag=value` / `--flag value` arguments of a command line, by flag name. */
export function parseFlags(command: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < command.length; i++) {
    const arg = command[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < command.length && !command[i + 1]!.startsWith('-')) flags.set(arg.slice(2), command[++i]!);
    else flags.set(arg.slice(2), '');
  }
  return flags;
}

/** etcdctl's JSON with its uint64 IDs kept exact (as decimal strings). */
export function parseEtcdJson<T>(text: string): T {
  return JSON.parse(text.replace(/("(?:ID|id|member_id|cluster_id|leader|raft_term|ttl|granted-ttl)"\s*:\s*)(\d{16,})/g, '$1"$2"')) as T;
}

const hex = (decimal: string | number) => BigInt(decimal).toString(16);

/** Keys of `etcdctl get PREFIX --prefix --keys-only` (each key followed by an empty line). */
export function parseKeysOnly(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l.length > 0);
}

/**
 * Why a command failed, in one line: etcdctl logs the transport's reason as JSON ("error" of its warn lines)
 * before its terse "Error: context deadline exceeded"; other clients' messages are used as they are.
 */
export function failureReason(stderr: string): string {
  const reasons = stderr.split('\n').flatMap((l) => {
    if (!l.startsWith('{')) return [];
    try { const e = (JSON.parse(l) as { error?: string }).error; return e ? [e] : []; } catch { return []; }
  });
  const text = reasons.at(-1) ?? stderr.trim().split('\n').filter(Boolean).join(' ');
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

const firstLines = (s: string, n = 3) => s.trim().split('\n').slice(0, n).join(' | ');
const lastLine = (s: string) => (s.trim().split('\n').at(-1) ?? '').slice(0, 300);

// ---------------------------------------------------------------------------------------------------------------
// ETCD-01: who talks to etcd

export interface EtcdClientsObservation {
  /** The containers' commands from the static pods (mirror pods through the API, or the manifests). */
  apiserver: string[];
  controllerManager: string[];
  scheduler: string[];
  /** The kubelet's own command line on the node. */
  kubelet: string[];
  /** Kubeconfig path on the node → the server of its current context. */
  kubeconfigServers: Record<string, string>;
  /** The etcd static pod's command (its client URLs). */
  etcd: string[];
  /** Addresses of the control-plane node (InternalIP, Hostname) from the Node object. */
  nodeAddresses: string[];
}

function etcdClientPorts(etcd: string[]): Set<string> {
  const flags = parseFlags(etcd);
  const urls = `${flags.get('listen-client-urls') ?? ''},${flags.get('advertise-client-urls') ?? ''}`.split(',').filter(Boolean);
  return new Set(urls.map((u) => { try { return new URL(u).port; } catch { return ''; } }).filter(Boolean));
}

export function checkOnlyApiServerTalksToEtcd(o: EtcdClientsObservation): Differences {
  const diffs: Differences = [];
  const api = parseFlags(o.apiserver);
  const etcdPorts = etcdClientPorts(o.etcd);
  for (const flag of ['etcd-servers', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile']) {
    if (!api.get(flag)) diffs.push(`kube-apiserver has no --${flag}`);
  }
  for (const url of (api.get('etcd-servers') ?? '').split(',').filter(Boolean)) {
    let parsed: URL | undefined;
    try { parsed = new URL(url); } catch { diffs.push(`kube-apiserver --etcd-servers has an invalid URL ${url}`); continue; }
    if (parsed.protocol !== 'https:') diffs.push(`kube-apiserver reaches etcd at ${url}, not over https`);
    if (!etcdPorts.has(parsed.port)) diffs.push(`kube-apiserver reaches etcd at ${url}, not on one of etcd's client ports (${[...etcdPorts].join(', ') || 'none found'})`);
  }

  const advertise = api.get('advertise-address');
  const securePort = api.get('secure-port') ?? '6443';
  const apiHosts = new Set([advertise, ...o.nodeAddresses, 'localhost', '127.0.0.1', '[::1]'].filter((h): h is string => !!h));
  const checkKubeconfig = (who: string, path: string | undefined) => {
    if (!path) { diffs.push(`${who} has no kubeconfig`); return; }
    const server = o.kubeconfigServers[path];
    if (!server) { diffs.push(`${who}'s kubeconfig ${path} has no server`); return; }
    let u: URL;
    try { u = new URL(server); } catch { diffs.push(`${who}'s kubeconfig ${path} has an invalid server ${server}`); return; }
    if (etcdPorts.has(u.port)) diffs.push(`${who}'s kubeconfig ${path} points at etcd (${server}), not at the API server`);
    else if (u.protocol !== 'https:' || u.port !== securePort || !apiHosts.has(u.hostname)) {
      diffs.push(`${who}'s kubeconfig ${path} points at ${server}, not at the API server (https://${advertise ?? 'NODE'}:${securePort})`);
    }
  };

  for (const [who, command] of [['kube-controller-manager', o.controllerManager], ['kube-scheduler', o.scheduler], ['kubelet', o.kubelet]] as const) {
    if (!command.length) { diffs.push(`${who}: no command line observed`); continue; }
    const flags = parseFlags(command);
    for (const [flag, value] of flags) if (flag.startsWith('etcd')) diffs.push(`${who} has etcd flag --${flag}${value ? `=${value}` : ''}`);
    checkKubeconfig(who, flags.get('kubeconfig'));
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-02: sh and member list

export interface MemberExpectation {
  /** The node's name (etcd's --name under kubeadm). */
  name: string;
  /** The node's InternalIP. */
  ip: string;
}

interface MemberJson {
  members?: Array<{ ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }>;
}

export function checkShell(result: { exitCode: number; stdout: string; stderr: string }): Differences {
  if (result.exitCode !== 0) return [`sh -c 'echo $0' exited ${result.exitCode}: ${lastLine(result.stderr)}`];
  return result.stdout.trim() === 'sh' ? [] : [`sh -c 'echo $0' printed ${JSON.stringify(result.stdout.trim())}, not "sh"`];
}

/** `etcdctl member list` (table) and `-w json` show the one started, non-learner member of the node. */
export function checkMemberList(table: string, json: string, want: MemberExpectation): Differences {
  const diffs: Differences = [];
  const peer = `https://${want.ip}:2380`;
  const client = `https://${want.ip}:2379`;
  const rows = table.trim().split('\n').filter(Boolean).map((l) => l.split(', '));
  if (rows.length !== 1) diffs.push(`${rows.length} members listed, 1 expected: ${firstLines(table)}`);
  const row = rows[0];
  if (row) {
    const [id, status, name, peers, clients, learner] = row;
    if (row.length !== 6) diffs.push(`member line has ${row.length} fields, 6 expected (ID, status, name, peer URLs, client URLs, is learner): ${row.join(', ')}`);
    if (status !== 'started') diffs.push(`member ${id} is ${JSON.stringify(status)}, not started`);
    if (name !== want.name) diffs.push(`member name is ${JSON.stringify(name)}, not the node's name ${want.name}`);
    if (peers !== peer) diffs.push(`peer URL is ${peers}, not ${peer}`);
    if (clients !== client) diffs.push(`client URL is ${clients}, not ${client}`);
    if (learner !== 'false') diffs.push(`is-learner is ${learner}, not false`);
  }
  let parsed: MemberJson;
  try { parsed = parseEtcdJson<MemberJson>(json); } catch (e) { return [...diffs, `member list -w json is not JSON: ${(e as Error).message}`]; }
  const members = parsed.members ?? [];
  if (members.length !== 1) diffs.push(`-w json lists ${members.length} members, 1 expected`);
  const m = members[0];
  if (m) {
    if (row && m.ID !== undefined && hex(m.ID) !== row[0]) diffs.push(`-w json member ID ${hex(m.ID)} differs from the table's ${row[0]}`);
    if (m.name !== want.name) diffs.push(`-w json member name is ${JSON.stringify(m.name)}, not ${want.name}`);
    if (JSON.stringify(m.peerURLs) !== JSON.stringify([peer])) diffs.push(`-w json peerURLs are ${JSON.stringify(m.peerURLs)}, not ["${peer}"]`);
    if (JSON.stringify(m.clientURLs) !== JSON.stringify([client])) diffs.push(`-w json clientURLs are ${JSON.stringify(m.clientURLs)}, not ["${client}"]`);
    if (m.isLearner) diffs.push('-w json says the member is a learner');
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-03: versions

export interface VersionObservation {
  /** `etcdctl version` output. */
  version: string;
  /** `etcdctl endpoint status -w json` output. */
  status: string;
  /** The etcd container's image in the pod spec, e.g. registry.k8s.io/etcd:3.5.21-0. */
  podImage: string;
  /** The etcd image `kubeadm config images list` names for this Kubernetes version, when known. */
  kubeadmImage?: string;
}

/** 3.5.21-0 → 3.5.21: kubeadm's etcd tags carry a -N image revision. */
export function releaseOfImage(image: string): string | undefined {
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  return /^v?(\d+\.\d+\.\d+)(?:-\d+)?$/.exec(tag)?.[1];
}

export function checkEtcdVersion(o: VersionObservation): Differences {
  const diffs: Differences = [];
  const release = releaseOfImage(o.podImage);
  if (!release) return [`the etcd pod's image ${o.podImage} has no MAJOR.MINOR.PATCH[-N] tag to compare with`];
  const apiVersion = release.split('.').slice(0, 2).join('.');
  const ctl = /^etcdctl version: (\S+)$/m.exec(o.version)?.[1];
  const api = /^API version: (\S+)$/m.exec(o.version)?.[1];
  if (ctl !== release) diffs.push(`etcdctl version is ${ctl ?? 'missing'}, but the pod's image is ${o.podImage} (${release})`);
  if (api !== apiVersion) diffs.push(`API version is ${api ?? 'missing'}, not ${apiVersion}`);
  try {
    const status = parseEtcdJson<Array<{ Endpoint?: string; Status?: { version?: string } }>>(o.status);
    const versions = status.map((s) => s.Status?.version);
    if (!versions.length) diffs.push('endpoint status lists no endpoint');
    for (const v of versions) if (v !== release) diffs.push(`the server reports version ${v ?? 'none'}, not ${release}`);
  } catch (e) {
    diffs.push(`endpoint status -w json is not JSON: ${(e as Error).message}`);
  }
  if (o.kubeadmImage !== undefined && o.kubeadmImage !== o.podImage) diffs.push(`the pod runs ${o.podImage}, but kubeadm lists ${o.kubeadmImage} for this Kubernetes version`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-04: ETCDCTL_* variables

export interface CommandOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export function checkSameOutcome(withFlags: CommandOutcome, withEnv: CommandOutcome, obsolete: string[] = []): Differences {
  const diffs: Differences = [];
  if (withFlags.exitCode !== 0) diffs.push(`with flags: exit ${withFlags.exitCode} (${failureReason(withFlags.stderr)})`);
  if (withEnv.exitCode !== withFlags.exitCode) diffs.push(`with ETCDCTL_* only: exit ${withEnv.exitCode} (${failureReason(withEnv.stderr) || 'no error'}), with flags: exit ${withFlags.exitCode}`);
  if (withEnv.stdout !== withFlags.stdout) diffs.push(`with ETCDCTL_* only the output is ${JSON.stringify(withEnv.stdout.slice(0, 200))}, with flags ${JSON.stringify(withFlags.stdout.slice(0, 200))}`);
  const warnings = withEnv.stderr.split('\n').filter((l) => /unrecognized environment variable/.test(l));
  for (const w of warnings) {
    const name = /"environment-variable":"([^"=]+)/.exec(w)?.[1];
    if (!name || !obsolete.includes(name)) diffs.push(`etcdctl ignored a variable: ${name ?? w.slice(0, 200)}`);
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-05: refusals

export type ProbeName =
  | 'no client certificate'
  | 'plain http'
  | 'default endpoint'
  | 'etcd3 without a client certificate'
  | 'etcd3 over plain http';

export interface ProbeObservation extends CommandOutcome {
  probe: ProbeName;
  /** What was run, for messages. */
  command: string;
}

/** Errors that mean the connection itself was refused (TLS, transport), as opposed to a broken probe. */
const REFUSAL = /deadline exceeded|handshake|certificate|tls|broken pipe|connection reset|server preface|EOF|UNAVAILABLE|connection refused|Failed to connect|No connection established/i;

/**
 * Each probe was refused, and the control probe, made at the same moment with the right certificates (or the
 * way the server accepts), succeeded: an etcd that cannot be reached refuses nothing, so then nothing is judged.
 */
export function checkRefusals(observations: ProbeObservation[], required: readonly ProbeName[], control: CommandOutcome & { command: string }): Differences {
  if (control.exitCode !== 0) {
    return [`etcd could not be reached with the right certificates either (\`${control.command}\` exited ${control.exitCode}: ${failureReason(control.stderr)}): the refusals prove nothing`];
  }
  const diffs: Differences = [];
  for (const probe of required) if (!observations.some((o) => o.probe === probe)) diffs.push(`probe "${probe}" was not run`);
  for (const o of observations) {
    if (o.exitCode === 0) {
      diffs.push(`${o.probe} accepted: \`${o.command}\` succeeded and returned ${JSON.stringify(firstLines(o.stdout, 2).slice(0, 200))}`);
    } else if (o.stdout.trim()) {
      diffs.push(`${o.probe}: \`${o.command}\` failed (exit ${o.exitCode}) but returned data: ${JSON.stringify(firstLines(o.stdout, 2).slice(0, 200))}`);
    } else if (!REFUSAL.test(o.stderr)) {
      diffs.push(`${o.probe}: \`${o.command}\` failed for another reason than a refused connection: ${failureReason(o.stderr)}`);
    }
  }
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-15: sh, and no bash

export interface ShellObservation {
  /** sh -c 'echo "$BASH_VERSION"' */
  bashVersion: CommandOutcome;
  /** sh -c 'command -v bash || echo "(none)"' */
  whichBash: CommandOutcome;
  /** bash -c true, executed directly */
  runBash: CommandOutcome;
  /** sh -ic 'echo "${PS1@P}"': the default prompt, expanded */
  prompt: CommandOutcome;
}

/** The container has sh and no bash, and its sh is bash (in POSIX mode) whose prompt reads sh-MAJOR.MINOR#. */
export function checkShellIsBashAsSh(o: ShellObservation): Differences {
  const diffs: Differences = [];
  const version = o.bashVersion.stdout.trim();
  if (o.bashVersion.exitCode !== 0) diffs.push(`sh does not run: exit ${o.bashVersion.exitCode}: ${lastLine(o.bashVersion.stderr)}`);
  else if (!/^\d+\.\d+/.test(version)) diffs.push(`sh is not bash: $BASH_VERSION is ${JSON.stringify(version)}`);
  const which = o.whichBash.stdout.trim();
  if (which && which !== '(none)') diffs.push(`bash is on PATH at ${which}`);
  if (o.runBash.exitCode === 0) diffs.push('`bash` can be executed in the container');
  const [major, minor] = version.split('.');
  const want = `sh-${major}.${minor}#`;
  if (major && o.prompt.stdout.trim() !== want) diffs.push(`the interactive prompt is ${JSON.stringify(o.prompt.stdout.trim())}, not ${JSON.stringify(want)}`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-16: protobuf against JSON

export interface StoredSize {
  key: string;
  /** Bytes of the value under /registry. */
  stored: number;
  /** The value starts with the k8s\0 protobuf envelope. */
  protobuf: boolean;
  /** Bytes of the same object (same resourceVersion) as compact JSON from the API. */
  json: number;
}

/** Every value is protobuf and smaller than its JSON. */
export function checkCompactness(sizes: StoredSize[]): Differences {
  if (!sizes.length) return ['no object could be compared (none had the same resourceVersion in etcd and in the API)'];
  return sizes.flatMap((s) => {
    if (!s.protobuf) return [`${s.key}: stored as ${s.stored} bytes of JSON, not protobuf (${s.json} bytes as JSON from the API)`];
    return s.stored < s.json ? [] : [`${s.key}: ${s.stored} bytes stored, not fewer than the ${s.json} bytes of its JSON`];
  });
}

export function describeSizes(sizes: StoredSize[]): string {
  const total = (f: (s: StoredSize) => number) => sizes.reduce((n, s) => n + f(s), 0);
  const byKind = new Map<string, StoredSize[]>();
  for (const s of sizes) { const k = s.key.split('/')[2]!; byKind.set(k, [...(byKind.get(k) ?? []), s]); }
  const rows = [...byKind].map(([k, list]) => `${k}: ${list.length} objects, ${list.reduce((n, s) => n + s.stored, 0)} bytes stored, ${list.reduce((n, s) => n + s.json, 0)} bytes as JSON`);
  return [...rows, `total: ${total((s) => s.stored)} bytes stored against ${total((s) => s.json)} bytes of JSON (${Math.round((100 * total((s) => s.stored)) / Math.max(1, total((s) => s.json)))}%)`].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-06: put, get, del, get

export interface KvSequence {
  put: CommandOutcome;
  get: CommandOutcome;
  del: CommandOutcome;
  getAfterDel: CommandOutcome;
}

export function checkKvSequence(s: KvSequence, key: string, value: string): Differences {
  const diffs: Differences = [];
  const out = (o: CommandOutcome) => o.stdout.replace(/\n$/, '');
  const failed = (what: string, o: CommandOutcome) => { diffs.push(`${what} exited ${o.exitCode}: ${failureReason(o.stderr)}`); };
  if (s.put.exitCode !== 0) failed('put', s.put); else if (out(s.put) !== 'OK') diffs.push(`put printed ${JSON.stringify(out(s.put))}, not OK`);
  if (s.get.exitCode !== 0) failed('get', s.get); else if (out(s.get) !== `${key}\n${value}`) diffs.push(`get printed ${JSON.stringify(out(s.get))}, not the key and value lines ${JSON.stringify(`${key}\n${value}`)}`);
  if (s.del.exitCode !== 0) failed('del', s.del); else if (out(s.del) !== '1') diffs.push(`del printed ${JSON.stringify(out(s.del))}, not 1`);
  if (s.getAfterDel.exitCode !== 0) failed('get after del', s.getAfterDel);
  else if (out(s.getAfterDel) !== '') diffs.push(`key still present after del: get printed ${JSON.stringify(out(s.getAfterDel))}`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-07: watch

export interface WatchEvent {
  type: string;
  key: string;
  value?: string;
}

/** etcdctl watch's simple output: TYPE, KEY, VALUE lines (DELETE has no value line). */
export function parseWatchOutput(stdout: string): WatchEvent[] {
  const lines = stdout.split('\n');
  const events: WatchEvent[] = [];
  for (let i = 0; i < lines.length;) {
    const type = lines[i]!;
    if (type === 'PUT') { events.push({ type, key: lines[i + 1] ?? '', value: lines[i + 2] }); i += 3; }
    else if (type === 'DELETE') { events.push({ type, key: lines[i + 1] ?? '' }); i += 2; }
    else i += 1;
  }
  return events;
}

/** The watcher saw the put: an event PUT, KEY, VALUE, and nothing else for another key. */
export function checkWatchSawPut(events: WatchEvent[], key: string, value: string, who = 'etcdctl watch'): Differences {
  if (events.some((e) => e.type === 'PUT' && e.key === key && e.value === value)) {
    const others = events.filter((e) => e.key !== key);
    return others.map((e) => `${who} printed an event for another key: ${e.type} ${e.key}`);
  }
  if (!events.length) return [`${who} printed no event for ${key}`];
  return [`${who} printed ${events.map((e) => [e.type, e.key, e.value].filter((x) => x !== undefined).join(' ')).join('; ')}, not PUT ${key} ${value}`];
}

export function checkNoProcessesLeft(lines: string[], what: string): Differences {
  return lines.map((l) => `${what} still running after it was stopped: ${l.trim().slice(0, 200)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-08: leases

export interface LeaseObservation {
  ttlSeconds: number;
  /** What the grant answered, for messages (etcdctl: "lease ID granted with TTL(Ns)"). */
  grantText: string;
  /** The TTL the grant reports; undefined when the answer could not be read. */
  grantedTtl?: number;
  /** The key was there right after the put. */
  presentAfterPut: boolean;
  /** When the key was first seen gone, counted from the grant; undefined when it never went. */
  goneAfterMs?: number;
  /** How long it was watched for. */
  watchedMs: number;
}

/** etcdctl lease grant's answer: the lease ID (hex) and its TTL. */
export function parseLeaseGrant(stdout: string): { id: string; ttl: number } | undefined {
  const m = /^lease ([0-9a-f]+) granted with TTL\((\d+)s\)$/.exec(stdout.trim());
  return m ? { id: m[1]!, ttl: Number(m[2]) } : undefined;
}

export function checkLeaseExpiry(o: LeaseObservation): Differences {
  const diffs: Differences = [];
  if (o.grantedTtl === undefined) diffs.push(`lease grant answered ${JSON.stringify(o.grantText.trim())}, not "lease ID granted with TTL(${o.ttlSeconds}s)"`);
  else if (o.grantedTtl !== o.ttlSeconds) diffs.push(`lease granted with a TTL of ${o.grantedTtl}s, ${o.ttlSeconds}s requested`);
  if (!o.presentAfterPut) diffs.push('the key was not there right after put --lease');
  if (o.goneAfterMs === undefined) diffs.push(`key still present ${(o.watchedMs / 1000).toFixed(1)}s after a lease with a TTL of ${o.ttlSeconds}s was granted`);
  else if (o.goneAfterMs < (o.ttlSeconds - 1) * 1000) diffs.push(`key gone after ${o.goneAfterMs}ms, before the lease's TTL of ${o.ttlSeconds}s`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-09: locks

export interface LockObservation {
  name: string;
  /** The holder's lock key (etcdctl prints NAME/LEASE-ID; etcd3's Lock uses NAME itself). */
  holderKey: string;
  /** A second contender while the holder still held the lock. */
  whileHeld: { acquired: boolean; output: string };
  /** A contender after the holder released it. */
  afterRelease: { acquired: boolean; output: string };
}

export function checkLockExclusive(o: LockObservation): Differences {
  const diffs: Differences = [];
  if (o.holderKey !== o.name && !o.holderKey.startsWith(`${o.name}/`)) diffs.push(`the holder did not get a lock key ${o.name} or under ${o.name}/ (got ${JSON.stringify(o.holderKey.slice(0, 200))})`);
  if (o.whileHeld.acquired) diffs.push(`a second contender acquired ${o.name} while the holder had it (${JSON.stringify(o.whileHeld.output.trim().slice(0, 200))})`);
  if (!o.afterRelease.acquired) diffs.push(`a contender did not acquire ${o.name} after the holder released it (${JSON.stringify(o.afterRelease.output.trim().slice(0, 200))})`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-10..13: the /registry layout and its agreement with the API

export interface ResourceScopes {
  /** Resource names (plural, with ".group" for non-core groups) → namespaced, from the API's discovery. */
  namespaced: Map<string, boolean>;
}

/** Where a key's resource is and how many segments its NAMESPACE/NAME part must have. */
function classifyKey(key: string, scopes: ResourceScopes): { resource: string; rest: string[]; namespaced: boolean } | undefined {
  const segs = key.slice('/registry/'.length).split('/');
  let resource: string;
  let rest: string[];
  if (segs[0]!.includes('.')) {
    // Group-qualified: /registry/GROUP/RESOURCE/[NAMESPACE/]NAME
    resource = `${segs[1]}.${segs[0]}`;
    rest = segs.slice(2);
  } else if (segs[0] === 'services' && (segs[1] === 'specs' || segs[1] === 'endpoints')) {
    // Services and Endpoints share /registry/services/{specs,endpoints}/NAMESPACE/NAME.
    resource = segs[1] === 'specs' ? 'services' : 'endpoints';
    rest = segs.slice(2);
  } else {
    resource = segs[0] === 'minions' ? 'nodes' : segs[0]!; // Nodes are stored as "minions".
    rest = segs.slice(1);
  }
  const namespaced = scopes.namespaced.get(resource) ?? [...scopes.namespaced].find(([r]) => r.split('.')[0] === resource)?.[1];
  return namespaced === undefined ? undefined : { resource, rest, namespaced };
}

export interface LayoutReport {
  judged: number;
  /** Prefixes of keys whose resource the API does not serve (internal allocators such as ranges). */
  notJudged: string[];
}

/** Every key under /registry/, and each key of a served resource is /registry/[GROUP/]RESOURCE/[NAMESPACE/]NAME. */
export function checkRegistryLayout(keys: string[], scopes: ResourceScopes, report?: LayoutReport): Differences {
  const diffs: Differences = [];
  let judged = 0;
  const notJudged = new Set<string>();
  const judgedResources = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith('/registry/')) { diffs.push(`${key} is not under /registry/`); continue; }
    const k = classifyKey(key, scopes);
    if (!k) { notJudged.add(key.split('/').slice(0, 3).join('/')); continue; }
    judged++;
    judgedResources.add(k.resource);
    const want = k.namespaced ? 2 : 1;
    if (k.rest.length !== want || k.rest.some((s) => !s)) {
      diffs.push(`${key}: ${k.resource} are ${k.namespaced ? 'namespaced' : 'cluster-scoped'}, so …/${k.namespaced ? 'NAMESPACE/NAME' : 'NAME'} is expected, found ${k.rest.length} segment(s) after the resource`);
    }
  }
  for (const r of ['namespaces', 'pods']) if (!judgedResources.has(r)) diffs.push(`no key of ${r} found under /registry/`);
  if (report) { report.judged = judged; report.notJudged = [...notJudged].sort(); }
  return diffs;
}

/** The names under a key prefix equal the API's list, both ways. `what` names the objects in messages. */
export function compareKeysWithApi(keys: string[], prefix: string, apiNames: string[], what: string): Differences {
  const keyNames = new Set(keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)));
  const outside = keys.filter((k) => !k.startsWith(prefix));
  const api = new Set(apiNames);
  return [
    ...outside.map((k) => `key ${k} is outside ${prefix}`),
    ...[...api].filter((n) => !keyNames.has(n)).map((n) => `${what} ${n} listed by the API has no key ${prefix}${n}`),
    ...[...keyNames].filter((n) => !api.has(n)).map((n) => `key ${prefix}${n} has no ${what} in the API`),
  ];
}

export function checkContains(names: string[], required: readonly string[], where: string): Differences {
  return required.filter((r) => !names.includes(r)).map((r) => `${r} missing from ${where}`);
}

// ---------------------------------------------------------------------------------------------------------------
// ETCD-14: stored values

export interface ApiObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid: string;
}

export function checkStoredValue(key: string, value: Buffer | null | undefined, api: ApiObjectIdentity): Differences {
  if (!value) return [`${key}: no value in etcd`];
  if (!hasK8sMagic(value)) {
    const start = value.subarray(0, 16).toString('latin1');
    const looks = start.startsWith('{') ? ' (JSON)' : start.startsWith('k8s:enc:') ? ' (encrypted at rest)' : '';
    return [`${key}: no k8s\\0 envelope, the value starts with ${JSON.stringify(start)}${looks}`];
  }
  const diffs: Differences = [];
  try {
    const env = decodeStorageValue(value);
    if (env.apiVersion !== api.apiVersion) diffs.push(`${key}: envelope apiVersion is ${JSON.stringify(env.apiVersion)}, the API says ${api.apiVersion}`);
    if (env.kind !== api.kind) diffs.push(`${key}: envelope kind is ${JSON.stringify(env.kind)}, the API says ${api.kind}`);
    if (env.contentEncoding) diffs.push(`${key}: content encoding ${JSON.stringify(env.contentEncoding)}, none expected`);
    const meta = decodeObjectMeta(env.raw);
    if (meta.name !== api.name) diffs.push(`${key}: stored name is ${JSON.stringify(meta.name)}, the API says ${api.name}`);
    if ((meta.namespace ?? '') !== (api.namespace ?? '')) diffs.push(`${key}: stored namespace is ${JSON.stringify(meta.namespace ?? '')}, the API says ${JSON.stringify(api.namespace ?? '')}`);
    if (meta.uid !== api.uid) diffs.push(`${key}: stored uid is ${JSON.stringify(meta.uid)}, the API says ${api.uid}`);
  } catch (e) {
    if (e instanceof ProtobufError) diffs.push(`${key}: not a valid protobuf envelope: ${e.message}`);
    else throw e;
  }
  return diffs;
}
