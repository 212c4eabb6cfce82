// §4.1 of the article: into the etcd pod, etcdctl with mTLS — the shell, member list, versions, the ETCDCTL_*
// variables, and the refusals of connections without a client certificate or over plain http.
// Shared fixture (etcd pod, the file's keys, clean-up): the `etcd` fixture, ./fixture.ts.
import {
  checkReleaseProvenance,
  DEVEL,
  etcdServerModule,
  previousPatch,
  provenanceEvidence,
} from '../checks/provenance.ts';
import { binaryProvenance } from '../provenance-observe.ts';
import { describe, expect } from 'vitest';
import { ETCDCTL_ENV, ok } from '../../helpers/etcd/etcdctl.ts';
import { podExec } from '../../helpers/etcd/exec.ts';
import { etcdctlProfile } from '../../contract/lines.ts';
import { ordinalPods } from '../checks/components.ts';
import { claim, negativeControl } from '../claim.ts';
import { failureReason } from '../checks/etcd/common.ts';
import { checkMemberList, checkShell } from '../checks/etcd/members.ts';
import { checkRefusals, type ProbeName, type ProbeObservation } from '../checks/etcd/security.ts';
import { checkShellIsBashAsSh } from '../checks/etcd/shell.ts';
import { checkSameOutcome } from '../checks/etcd/variables.ts';
import { checkEtcdVersion, releaseOfImage } from '../checks/etcd/version.ts';
import { podImageOtherRelease, v2StyleEnv, withLaxEtcd } from '../deviations/etcd.ts';
import { expectDifference, expectNoDifferences, findingsOf, NotStaged } from '../differences.ts';
import { memberExpectations, outcome, withEnv } from './fixture.ts';
import { observeShell, observeVersions, probeEtcd3, probeRefusalsInPod, showShell } from './observe.ts';
import { unlessNotFound } from '../../helpers/not-found.ts';

const CLUSTER_PROBES: readonly ProbeName[] = [
  'no client certificate',
  'plain http',
  'default endpoint',
  'etcd3 without a client certificate',
  'etcd3 over plain http',
];

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
    if (wants.length > 1)
      note(
        'the cluster runs a single etcd instance: member list shows one member',
        `this cluster has ${wants.length} control-plane nodes with stacked etcd (kubeadm's HA layout): one member per control-plane node, named after it`,
      );
    note(
      "etcdctl member list is used to check the members' state and health",
      'member list shows membership (ID, started, name, peer and client URLs, learner); whether a member is healthy is what etcdctl endpoint health answers, recorded beside it',
    );
    expectNoDifferences([...checkShell(shell), ...checkMemberList(table.stdout, json.stdout, wants)]);
  });

  negativeControl(
    'ETCD-02',
    "the same check pointed at another etcd of the cluster's etcd image (other name, plain-http URLs)",
    'beside',
    async ({ record, cluster, run, kube, etcd }) => {
      await withLaxEtcd({ cluster, kube, run }, await etcd.image(), async (other) => {
        const table = await other.etcdctl([`--endpoints=${other.plainUrl}`, 'member', 'list']);
        const json = await other.etcdctl([`--endpoints=${other.plainUrl}`, 'member', 'list', '-w', 'json']);
        record(`${table.typed} (${other.where})`, table.stdout);
        const diffs = checkMemberList(table.stdout, json.stdout, await memberExpectations({ cluster, kube }));
        expectDifference(diffs, 'member-present');
        expect(findingsOf(diffs, 'member-present').map((f) => f.expected)).toContain(cluster.nodeName);
        expect(expectDifference(diffs, 'member-name').actual).toMatch(/\(peer http:\/\/127\.0\.0\.1:2380\)$/);
      });
    },
  );

  claim('ETCD-15', async ({ record, note, cluster, etcd }) => {
    const o = await observeShell((argv) => etcd.pod.exec(argv));
    record(`kubectl -n kube-system exec ${etcd.podName} -- …`, showShell(o));
    // The image it ran on: upstream's (cluster/images/etcd puts Debian's bash-static at /bin/sh), or the offline
    // build's kind/image/images/etcd.Dockerfile, which copies that layout.
    const image = await etcd.image();
    const whose = cluster.offlineBuild
      ? `kube-claims' offline build of ${image} (kind/image/images/etcd.Dockerfile, which copies upstream's layout: Debian's bash-static as /bin/sh)`
      : `${image} (upstream's cluster/images/etcd: Debian's bash-static as /bin/sh)`;
    note(
      'the etcd pod has only sh installed, no bash',
      `right about the names: there is no bash, but ${etcd.podName}'s sh is bash ${o.bashVersion.stdout.trim()} on ${whose}, which is why the prompt reads ${o.prompt.stdout.trim()}`,
    );
    expectNoDifferences(checkShellIsBashAsSh(o));
  });

  negativeControl(
    'ETCD-15',
    "the same observation in a container that has bash (the article's redis workload)",
    'live',
    async ({ record, cluster, kube }) => {
      const w = cluster.workload;
      const ref = { namespace: w.namespace, pod: ordinalPods(w.name, w.replicas)[0]!, container: 'redis' };
      // On a cluster where the workload cannot run, the deviation cannot be staged: said so, not counted against
      // ETCD-15.
      // absent is the truth: a 404 means the workload pod is not there (not staged, below); a refusal is thrown
      const pod = await unlessNotFound(kube.core.readNamespacedPod({ namespace: ref.namespace, name: ref.pod }));
      if (pod?.status?.phase !== 'Running')
        throw new NotStaged(
          `the workload pod ${ref.namespace}/${ref.pod}, which has bash, is ${pod?.status?.phase ?? 'absent'} (COMP-05 reports why)`,
        );
      const o = await observeShell((argv) => podExec(kube.kc, ref, argv, { timeoutMs: 20_000 }));
      record(`kubectl -n ${ref.namespace} exec ${ref.pod} -- …`, showShell(o));
      const diffs = checkShellIsBashAsSh(o);
      expect(expectDifference(diffs, 'bash-not-on-path').actual).toMatch(/bash$/);
    },
  );

  negativeControl(
    'ETCD-15',
    'the live observation of an sh whose prompt was set from its own $BASH_VERSION, one minor ahead of its binary (deviated copy)',
    'copy',
    async ({ etcd }) => {
      // A prompt that agrees with the shell's variables but not with the image's binary: only an expectation from
      // outside the shell tells.
      const o = await observeShell((argv) => etcd.pod.exec(argv));
      const ahead = (v: string) =>
        v.replace(/^(\d+)\.(\d+)/, (_m, major: string, minor: string) => `${major}.${Number(minor) + 1}`);
      const deviated = {
        ...o,
        bashVersion: { ...o.bashVersion, stdout: ahead(o.bashVersion.stdout) },
        prompt: {
          ...o.prompt,
          stdout: o.prompt.stdout.replace(
            /sh-(\d+)\.(\d+)/,
            (_m, major: string, minor: string) => `sh-${major}.${Number(minor) + 1}`,
          ),
        },
      };
      const diffs = checkShellIsBashAsSh(deviated);
      expectDifference(diffs, 'bash-version');
      expect(expectDifference(diffs, 'prompt').actual).toMatch(/^sh-\d+\.\d+#$/);
    },
  );

  claim('ETCD-03', async ({ record, cluster, kube, etcd }) => {
    const o = await observeVersions({ cluster, kube, etcd });
    record('etcdctl version', o.version);
    record('etcdctl endpoint status -w json', o.status);
    record(
      'etcd image: pod spec / kubeadm config images list',
      `${o.podImage}\n${o.kubeadmImage ?? '(kubeadm lists no etcd image)'}`,
    );
    const provenance = await binaryProvenance(cluster, 'etcd');
    record(
      'where the running etcd came from (its Go build information; the Go checksum database)',
      provenanceEvidence(provenance),
    );
    const release = releaseOfImage(o.podImage)?.replace(/-\d+$/, '');
    expectNoDifferences([
      ...checkEtcdVersion(o),
      ...(release
        ? provenance.binaries.flatMap((p) => checkReleaseProvenance(p, etcdServerModule(release), `v${release}`))
        : []),
    ]);
  });

  negativeControl(
    'ETCD-03',
    'the live build information of etcd naming the release before as its module version',
    'copy',
    async ({ cluster, etcd }) => {
      const { binaries } = await binaryProvenance(cluster, 'etcd');
      const live = binaries.find((b) => b.info.main?.sum && b.info.main.version !== DEVEL);
      if (!live)
        throw new NotStaged(
          'no running etcd with a module version in its build information (a build from a checkout, or no shell on the node)',
        );
      const release = releaseOfImage(await etcd.image())?.replace(/-\d+$/, '') ?? '';
      const before = previousPatch(live.info.main!.version);
      const deviated = { ...live, info: { ...live.info, main: { ...live.info.main!, version: before } } };
      expect(
        expectDifference(
          checkReleaseProvenance(deviated, etcdServerModule(release), `v${release}`),
          'build-info-module-version',
        ).expected,
      ).toBe(before);
    },
  );

  negativeControl(
    'ETCD-03',
    'the pod spec names the next etcd patch release (deviated copy)',
    'copy',
    async ({ cluster, kube, etcd }) => {
      const live = await observeVersions({ cluster, kube, etcd });
      const deviated = podImageOtherRelease(live);
      const diffs = checkEtcdVersion(deviated);
      expect(expectDifference(diffs, 'etcdctl-version').expected).toBe(releaseOfImage(deviated.podImage));
    },
  );

  claim('ETCD-04', async ({ record, etcd }) => {
    const flags = await etcd.etcdctl(['member', 'list']);
    const env = await etcd.etcdctl(['member', 'list'], withEnv);
    record(flags.typed, flags.stdout || flags.stderr);
    record(
      `${Object.entries(ETCDCTL_ENV)
        .map(([k, v]) => `export ${k}=${v}`)
        .join('\n')}\netcdctl member list`,
      env.stdout || env.stderr,
    );
    const obsolete = etcdctlProfile(releaseOfImage(await etcd.image())).obsoleteVariables;
    if (obsolete.length)
      record('variables this etcdctl release no longer knows (ignored with a warning)', obsolete.join('\n'));
    expectNoDifferences(checkSameOutcome(outcome(flags), outcome(env), obsolete));
  });

  negativeControl(
    'ETCD-04',
    'etcdctl v2 variable names (ETCDCTL_CA_FILE, _CERT_FILE, _KEY_FILE) exported instead',
    'live',
    async ({ record, etcd }) => {
      const flags = await etcd.etcdctl(['member', 'list']);
      const env = await etcd.etcdctl(['member', 'list', '--dial-timeout=2s', '--command-timeout=3s'], {
        env: v2StyleEnv(ETCDCTL_ENV),
        flags: 'none',
      });
      record(env.typed, `exit ${env.exitCode}\n${env.stderr}`);
      const diffs = checkSameOutcome(outcome(flags), outcome(env));
      expect(Number(expectDifference(diffs, 'env-exit').actual)).toBeGreaterThan(0);
      expectDifference(diffs, 'variable-recognized');
      expect(findingsOf(diffs, 'variable-recognized').map((f) => f.actual)).toContain('ETCDCTL_CA_FILE');
    },
  );

  claim(
    'ETCD-05',
    async ({ record, note, kube, etcd }) => {
      const credentials = await etcd.apiServerCredentials();
      // All at once: each refusal is judged beside the control made at the same moment.
      const [{ probes, control }, ...etcd3Probes] = await Promise.all([
        probeRefusalsInPod(etcd),
        probeEtcd3({ etcd, kube }, 'etcd3 without a client certificate', undefined, {
          kind: 'tls-no-client-cert',
          ca: credentials.ca,
        }),
        probeEtcd3({ etcd, kube }, 'etcd3 over plain http', undefined, { kind: 'plain' }),
      ]);
      const observations = [...probes, ...etcd3Probes];
      record(
        'refusal probes',
        observations
          .map((o) => `${o.probe}: ${o.command}\n  exit ${o.exitCode}: ${failureReason(o.stderr)}`)
          .join('\n'),
      );
      record(
        'control probe at the same moment, with the right certificates',
        `${control.command}\n  exit ${control.exitCode}`,
      );
      const help = await etcd.etcdctl(['--help'], { flags: 'none' });
      const endpoints = /--endpoints=(\S+)/.exec(help.stdout)?.[1] ?? '(not in --help)';
      record('etcdctl --help: the default of --endpoints', endpoints);
      note(
        'without --endpoints etcdctl uses http://127.0.0.1:2379',
        `etcdctl's default is ${endpoints} (no scheme: plain http unless certificates are given, then TLS); with no certificates it is refused here like plain http`,
      );
      expectNoDifferences(checkRefusals(observations, CLUSTER_PROBES, control));
    },
    60_000,
  );

  negativeControl(
    'ETCD-05',
    'the probes aimed at a port where nothing listens: an unreachable etcd refuses nothing',
    'live',
    async ({ etcd }) => {
      const { probes, control } = await probeRefusalsInPod(etcd, 2);
      const diffs = checkRefusals(probes, ['no client certificate', 'plain http'], control);
      expectDifference(diffs, 'control-reaches-etcd');
    },
    { timeout: 60_000 },
  );

  negativeControl(
    'ETCD-05',
    "the same probes against an etcd of the cluster's etcd image with plain http and no client-cert-auth",
    'beside',
    async ({ record, cluster, run, kube, etcd }) => {
      await withLaxEtcd({ cluster, kube, run }, await etcd.image(), async (lax) => {
        const limits = ['--dial-timeout=2s', '--command-timeout=3s'];
        const probes: Array<[ProbeName, string[]]> = [
          [
            'no client certificate',
            [`--endpoints=${lax.tlsUrl}`, `--cacert=${lax.serverCa}`, ...limits, 'member', 'list'],
          ],
          ['plain http', [`--endpoints=${lax.plainUrl}`, ...limits, 'member', 'list']],
          ['default endpoint', [...limits, 'member', 'list']],
        ];
        const observations: ProbeObservation[] = await Promise.all(
          probes.map(async ([probe, argv]) => {
            const r = await lax.etcdctl(argv);
            return { probe, command: r.typed, ...outcome(r) };
          }),
        );
        observations.push(
          await probeEtcd3({ etcd, kube }, 'etcd3 over plain http', lax.plainHostPort, { kind: 'plain' }),
        );
        record(
          `probes against ${lax.where} (${lax.image})`,
          observations.map((o) => `${o.probe}: ${o.command} → exit ${o.exitCode}`).join('\n'),
        );
        const accepted = await lax.etcdctl([`--endpoints=${lax.plainUrl}`, ...limits, 'member', 'list']);
        const diffs = checkRefusals(
          observations,
          ['no client certificate', 'plain http', 'default endpoint', 'etcd3 over plain http'],
          { ...outcome(accepted), command: accepted.typed },
        );
        expectDifference(diffs, 'probe-refused');
        expect(findingsOf(diffs, 'probe-refused').map((f) => f.actual)).toEqual(
          expect.arrayContaining([
            'plain http: accepted',
            'no client certificate: accepted',
            'default endpoint: accepted',
            'etcd3 over plain http: accepted',
          ]),
        );
      });
    },
    { timeout: 60_000 },
  );
});
