// §4.1 of the article: into the etcd pod, etcdctl with mTLS — the shell, member list, versions, the ETCDCTL_*
// variables, and the refusals of connections without a client certificate or over plain http.
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import { describe } from 'vitest';
import { connectThroughPortForward, etcd3Client, type Etcd3Security } from '../../helpers/etcd/client.ts';
import { ETCDCTL_ENV, ok, TLS_FLAGS } from '../../helpers/etcd/etcdctl.ts';
import { podExec } from '../../helpers/etcd/exec.ts';
import { nodeExecOk } from '../../helpers/node.ts';
import { etcdctlProfile } from '../../contract/lines.ts';
import { ordinalPods } from '../checks/components.ts';
import { claim, negativeControl } from '../claim.ts';
import { failureReason } from '../checks/etcd/common.ts';
import { checkMemberList, checkShell } from '../checks/etcd/members.ts';
import { checkRefusals, type ProbeName, type ProbeObservation } from '../checks/etcd/security.ts';
import { BASH_DEFAULT_PS1, checkShellIsBashAsSh, type ShellObservation } from '../checks/etcd/shell.ts';
import { checkSameOutcome } from '../checks/etcd/variables.ts';
import { checkEtcdVersion, releaseOfImage, type VersionObservation } from '../checks/etcd/version.ts';
import { podImageOtherRelease, v2StyleEnv, withLaxEtcd } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences, NotStaged } from '../differences.ts';
import type { Live } from '../live.ts';
import { attempt, memberExpectations, outcome, withEnv, type EtcdUnderTest } from './fixture.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';

// Short limits: a refused connection shows as etcdctl's own timeout.
const LIMITS = ['--dial-timeout=1s', '--command-timeout=2s'];

/**
 * The refusal probes in the pod and, at the same moment, the control: the same request with the right
 * certificates, which must succeed for the refusals to mean anything. `port` lets a negative control aim at a
 * port where nothing listens.
 */
async function probeRefusalsInPod(etcd: EtcdUnderTest, port = 2379): Promise<{ probes: ProbeObservation[]; control: ProbeObservation }> {
  const probes: Array<[ProbeName, string[]]> = [
    ['no client certificate', [`--endpoints=https://127.0.0.1:${port}`, '--cacert=/etc/kubernetes/pki/etcd/ca.crt', ...LIMITS, 'member', 'list']],
    ['plain http', [`--endpoints=http://127.0.0.1:${port}`, ...LIMITS, 'member', 'list']],
    ['default endpoint', [...LIMITS, 'member', 'list']],
  ];
  const control = etcd.etcdctl([`--endpoints=https://127.0.0.1:${port}`, ...TLS_FLAGS.filter((f) => !f.startsWith('--endpoints')), ...LIMITS, 'member', 'list'], { flags: 'none' });
  const observed = await Promise.all(probes.map(async ([probe, argv]) => {
    const r = await etcd.etcdctl(argv, { flags: 'none' });
    return { probe, command: r.typed, ...outcome(r) };
  }));
  const c = await control;
  return { probes: observed, control: { probe: 'right certificates' as ProbeName, command: c.typed, ...outcome(c) } };
}

/** etcd3 from the test process with a given security, reading /registry/namespaces/ keys. */
async function probeEtcd3({ etcd, kube }: { etcd: EtcdUnderTest; kube: Live['kube'] }, probe: ProbeName, hostPort: string | undefined, security: Etcd3Security): Promise<ProbeObservation> {
  const conn = hostPort ? undefined : await connectThroughPortForward(kube.kc, etcd.ref, security, { callTimeoutMs: 3_000 });
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
  claim('ETCD-02', async ({ record, note, cluster, kube, etcd }) => {
    const shell = await etcd.pod.exec(['sh', '-c', 'echo $0']);
    const table = ok(await etcd.etcdctl(['member', 'list']));
    const json = ok(await etcd.etcdctl(['member', 'list', '-w', 'json']));
    const health = await etcd.etcdctl(['endpoint', 'health']);
    record(`kubectl exec ${etcd.podName} -- sh -c 'echo $0'`, shell.stdout);
    record(table.typed, table.stdout);
    record(`${json.typed}`, json.stdout);
    record(`${health.typed} (exit ${health.exitCode})`, health.stdout || health.stderr);
    const wants = await memberExpectations({ cluster, kube });
    record('expected from the cluster (its control-plane nodes and their InternalIPs)', wants);
    if (wants.length > 1) note('the cluster runs a single etcd instance: member list shows one member', `this cluster has ${wants.length} control-plane nodes with stacked etcd (kubeadm's HA layout): one member per control-plane node, named after it`);
    note('etcdctl member list is used to check the members\' state and health', 'member list shows membership (ID, started, name, peer and client URLs, learner); whether a member is healthy is what etcdctl endpoint health answers, recorded beside it');
    expectNoDifferences([
      ...checkShell(shell),
      ...checkMemberList(table.stdout, json.stdout, wants),
    ]);
  });

  negativeControl('ETCD-02', 'the same check pointed at another etcd of the cluster\'s etcd image (other name, plain-http URLs)', 'live', async ({ record, cluster, run, kube, etcd }) => {
    await withLaxEtcd({ cluster, kube, run }, await etcd.image(), async (other) => {
      const table = await other.etcdctl([`--endpoints=${other.plainUrl}`, 'member', 'list']);
      const json = await other.etcdctl([`--endpoints=${other.plainUrl}`, 'member', 'list', '-w', 'json']);
      record(`${table.typed} (${other.where})`, table.stdout);
      const diffs = checkMemberList(table.stdout, json.stdout, await memberExpectations({ cluster, kube }));
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, `no member named after the node ${cluster.nodeName}`);
      expectDifference(diffs, /its peer URL http:\/\/127\.0\.0\.1:2380 is no control-plane node's/);
    });
  });

  /** The first "@(#)Bash version …" string in the bytes of /bin/sh, without the "@(#)" (bash builtins only). */
  const STAMP_OF_BIN_SH = [
    'mapfile -d "" strings < /bin/sh',
    "IFS=$'\\n'; all=\"${strings[*]}\"",
    "re=$'@\\\\(#\\\\)(Bash version [^\\n]*)'",
    '[[ $all =~ $re ]] && printf "%s\\n" "${BASH_REMATCH[1]}"; true',
  ].join('; ');

  /** What the container's sh is, and whether it has bash, with shell builtins only. */
  async function observeShell(exec: (argv: string[]) => Promise<{ exitCode: number; stdout: string; stderr: string }>): Promise<ShellObservation> {
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

  const showShell = (o: ShellObservation) => [
    `sh -c 'echo "$BASH_VERSION"': ${o.bashVersion.stdout.trim() || `(empty; exit ${o.bashVersion.exitCode})`}`,
    `sh -c 'command -v bash': ${o.whichBash.stdout.trim()}`,
    `bash -c true: exit ${o.runBash.exitCode} ${o.runBash.stderr.trim().split('\n').at(-1) ?? ''}`,
    `sh -ic 'echo "\${PS1@P}"': ${o.prompt.stdout.trim()}`,
    `the version stamp in the bytes of /bin/sh: ${o.binaryStamp.stdout.trim() || `(none; exit ${o.binaryStamp.exitCode})`}`,
    `Uid of /proc/self/status (real, effective, saved, fs): ${o.uid.stdout.trim() || `(none; exit ${o.uid.exitCode})`}`,
    `the expected prompt: bash's documented default PS1 "${BASH_DEFAULT_PS1}", \\s = sh (the name it is run as), \\v = MAJOR.MINOR of the stamp, \\$ = # for effective uid 0`,
  ].join('\n');

  claim('ETCD-15', async ({ record, note, etcd }) => {
    const o = await observeShell((argv) => etcd.pod.exec(argv));
    record(`kubectl -n kube-system exec ${etcd.podName} -- …`, showShell(o));
    note('the etcd pod has only sh installed, no bash', `right about the names: there is no bash, but ${etcd.podName}'s sh is bash ${o.bashVersion.stdout.trim()} (Debian's bash-static copied to /bin/sh by upstream's image), which is why the prompt reads ${o.prompt.stdout.trim()}`);
    expectNoDifferences(checkShellIsBashAsSh(o));
  });

  negativeControl('ETCD-15', 'the same observation in a container that has bash (the article\'s redis workload)', 'live', async ({ record, cluster, kube }) => {
    const w = cluster.workload;
    const ref = { namespace: w.namespace, pod: ordinalPods(w.name, w.replicas)[0]!, container: 'redis' };
    // On a cluster where the workload cannot run, the deviation cannot be staged: said so, not counted against ETCD-15.
    // absent is the truth: a 404 means the workload pod is not there (not staged, below); a refusal is thrown
    const pod = await unlessNotFound(kube.core.readNamespacedPod({ namespace: ref.namespace, name: ref.pod }));
    if (pod?.status?.phase !== 'Running') throw new NotStaged(`the workload pod ${ref.namespace}/${ref.pod}, which has bash, is ${pod?.status?.phase ?? 'absent'} (COMP-05 reports why)`);
    const o = await observeShell((argv) => podExec(kube.kc, ref, argv, { timeoutMs: 20_000 }));
    record(`kubectl -n ${ref.namespace} exec ${ref.pod} -- …`, showShell(o));
    const diffs = checkShellIsBashAsSh(o);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, /bash is on PATH at \S*bash/);
  });

  negativeControl('ETCD-15', 'the live observation of an sh whose prompt was set from its own $BASH_VERSION, one minor ahead of its binary (deviated copy)', 'copy', async ({ record, etcd }) => {
    // A prompt that agrees with the shell's variables but not with the image's binary: only an expectation from outside the shell tells.
    const o = await observeShell((argv) => etcd.pod.exec(argv));
    const ahead = (v: string) => v.replace(/^(\d+)\.(\d+)/, (_m, major: string, minor: string) => `${major}.${Number(minor) + 1}`);
    const deviated = { ...o, bashVersion: { ...o.bashVersion, stdout: ahead(o.bashVersion.stdout) }, prompt: { ...o.prompt, stdout: o.prompt.stdout.replace(/sh-(\d+)\.(\d+)/, (_m, major: string, minor: string) => `sh-${major}.${Number(minor) + 1}`) } };
    const diffs = checkShellIsBashAsSh(deviated);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'is not the version stamped in /bin/sh');
    expectDifference(diffs, /the interactive prompt is "sh-\d+\.\d+#", not bash's default/);
  });

  async function observeVersions({ cluster, kube, etcd }: Pick<Live, 'cluster' | 'kube'> & { etcd: EtcdUnderTest }): Promise<VersionObservation> {
    const version = ok(await etcd.etcdctl(['version']));
    const status = ok(await etcd.etcdctl(['endpoint', 'status', '-w', 'json']));
    const server = (await kube.version.getCode()).gitVersion;
    const images = await nodeExecOk(cluster, ['kubeadm', 'config', 'images', 'list', '--kubernetes-version', server]);
    return { version: version.stdout, status: status.stdout, podImage: await etcd.image(), kubeadmImage: images.split('\n').find((l) => /\/etcd:/.test(l))?.trim() };
  }

  claim('ETCD-03', async ({ record, cluster, kube, etcd }) => {
    const o = await observeVersions({ cluster, kube, etcd });
    record('etcdctl version', o.version);
    record('etcdctl endpoint status -w json', o.status);
    record('etcd image: pod spec / kubeadm config images list', `${o.podImage}\n${o.kubeadmImage ?? '(kubeadm lists no etcd image)'}`);
    expectNoDifferences(checkEtcdVersion(o));
  });

  negativeControl('ETCD-03', 'the pod spec names the next etcd patch release (deviated copy)', 'copy', async ({ record, cluster, kube, etcd }) => {
    const live = await observeVersions({ cluster, kube, etcd });
    const deviated = podImageOtherRelease(live);
    const diffs = checkEtcdVersion(deviated);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, `but the pod's image is ${deviated.podImage}`);
  });

  claim('ETCD-04', async ({ record, etcd }) => {
    const flags = await etcd.etcdctl(['member', 'list']);
    const env = await etcd.etcdctl(['member', 'list'], withEnv);
    record(flags.typed, flags.stdout || flags.stderr);
    record(`${Object.entries(ETCDCTL_ENV).map(([k, v]) => `export ${k}=${v}`).join('\n')}\netcdctl member list`, env.stdout || env.stderr);
    const obsolete = etcdctlProfile(releaseOfImage(await etcd.image())).obsoleteVariables;
    if (obsolete.length) record('variables this etcdctl release no longer knows (ignored with a warning)', obsolete.join('\n'));
    expectNoDifferences(checkSameOutcome(outcome(flags), outcome(env), obsolete));
  });

  negativeControl('ETCD-04', 'etcdctl v2 variable names (ETCDCTL_CA_FILE, _CERT_FILE, _KEY_FILE) exported instead', 'live', async ({ record, etcd }) => {
    const flags = await etcd.etcdctl(['member', 'list']);
    const env = await etcd.etcdctl(['member', 'list', '--dial-timeout=2s', '--command-timeout=3s'], { env: v2StyleEnv(ETCDCTL_ENV), flags: 'none' });
    record(env.typed, `exit ${env.exitCode}\n${env.stderr}`);
    const diffs = checkSameOutcome(outcome(flags), outcome(env));
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, /with ETCDCTL_\* only: exit [1-9]/);
    expectDifference(diffs, 'etcdctl ignored a variable: ETCDCTL_CA_FILE');
  });

  claim('ETCD-05', async ({ record, note, kube, etcd }) => {
    const credentials = await etcd.apiServerCredentials();
    // All at once: each refusal is judged beside the control made at the same moment.
    const [{ probes, control }, ...etcd3Probes] = await Promise.all([
      probeRefusalsInPod(etcd),
      probeEtcd3({ etcd, kube }, 'etcd3 without a client certificate', undefined, { kind: 'tls-no-client-cert', ca: credentials.ca }),
      probeEtcd3({ etcd, kube }, 'etcd3 over plain http', undefined, { kind: 'plain' }),
    ]);
    const observations = [...probes, ...etcd3Probes];
    record('refusal probes', observations.map((o) => `${o.probe}: ${o.command}\n  exit ${o.exitCode}: ${failureReason(o.stderr)}`).join('\n'));
    record('control probe at the same moment, with the right certificates', `${control.command}\n  exit ${control.exitCode}`);
    const help = await etcd.etcdctl(['--help'], { flags: 'none' });
    const endpoints = /--endpoints=(\S+)/.exec(help.stdout)?.[1] ?? '(not in --help)';
    record('etcdctl --help: the default of --endpoints', endpoints);
    note('without --endpoints etcdctl uses http://127.0.0.1:2379', `etcdctl's default is ${endpoints} (no scheme: plain http unless certificates are given, then TLS); with no certificates it is refused here like plain http`);
    expectNoDifferences(checkRefusals(observations, CLUSTER_PROBES, control));
  }, 60_000);

  negativeControl('ETCD-05', 'the probes aimed at a port where nothing listens: an unreachable etcd refuses nothing', 'live', async ({ record, etcd }) => {
    const { probes, control } = await probeRefusalsInPod(etcd, 2);
    const diffs = checkRefusals(probes, ['no client certificate', 'plain http'], control);
    record('differences found', diffs.join('\n'));
    expectDifference(diffs, 'etcd could not be reached with the right certificates either');
  }, { timeout: 60_000 });

  negativeControl('ETCD-05', 'the same probes against an etcd of the cluster\'s etcd image with plain http and no client-cert-auth', 'live', async ({ record, cluster, run, kube, etcd }) => {
    await withLaxEtcd({ cluster, kube, run }, await etcd.image(), async (lax) => {
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
      observations.push(await probeEtcd3({ etcd, kube }, 'etcd3 over plain http', lax.plainHostPort, { kind: 'plain' }));
      record(`probes against ${lax.where} (${lax.image})`, observations.map((o) => `${o.probe}: ${o.command} → exit ${o.exitCode}`).join('\n'));
      const accepted = await lax.etcdctl([`--endpoints=${lax.plainUrl}`, ...limits, 'member', 'list']);
      const diffs = checkRefusals(observations, ['no client certificate', 'plain http', 'default endpoint', 'etcd3 over plain http'], { ...outcome(accepted), command: accepted.typed });
      record('differences found', diffs.join('\n'));
      expectDifference(diffs, 'plain http accepted');
      expectDifference(diffs, 'no client certificate accepted');
      expectDifference(diffs, 'default endpoint accepted');
      expectDifference(diffs, 'etcd3 over plain http accepted');
    });
  }, { timeout: 60_000 });
});
