// §4.1 of the article: into the etcd pod, etcdctl with mTLS — the shell, member list, versions, the ETCDCTL_*
// variables, and the refusals of connections without a client certificate or over plain http.
// Shared fixture (etcd pod, run-scoped keys, clean-up): ./fixture.ts.
import { describe } from 'vitest';
import { connectThroughPortForward, etcd3Client, type Etcd3Security } from '../../lib/etcd/client.ts';
import { ETCDCTL_ENV, ok } from '../../lib/etcd/etcdctl.ts';
import { nodeExecOk } from '../../lib/node.ts';
import { claim, negativeControl } from '../claim.ts';
import {
  checkEtcdVersion, checkMemberList, checkRefusals, checkSameOutcome, checkShell, failureReason, obsoleteEtcdctlVariables, releaseOfImage,
  type ProbeName, type ProbeObservation, type VersionObservation,
} from '../checks/etcd.ts';
import { podImageOtherRelease, v2StyleEnv, withLaxEtcd } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences } from '../differences.ts';
import { cluster, kube } from '../env.ts';
import {
  apiServerEtcdCredentials, attempt, etcdctlInPod, etcdImage, etcdPod, etcdPodName, etcdRef, nodeInternalIp, outcome, useEtcdCleanup, withEnv,
} from './fixture.ts';

useEtcdCleanup();

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
  }, { timeout: 60_000 });
});
