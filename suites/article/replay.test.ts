// The article replayed on this cluster: its commands run again (as kubectl, as curl, as etcdctl in the etcd
// pod) and each literal it prints beside what this run printed (suites/checks/article/). Beside the claims'
// verdicts, never one of them: the claims judge what is true; this says where the article's own outputs hold
// here, where they differ for a reason this run observed, and where they differ.
import { FlowcontrolApiserverV1Api } from '@kubernetes/client-node';
import { expect, inject } from 'vitest';
import { READ_ONLY_REASON, lackingOf, uncheckedText } from '../../contract/rights.ts';
import { LINES } from '../../contract/lines.ts';
import { anonymous, request } from '../../helpers/http.ts';
import { KubectlProxy } from '../../helpers/proxy.ts';
import { redact } from '../../helpers/redact.ts';
import { userAgentExpectation } from '../apiserver/observe.ts';
import { replay, replaySummary, type Explain, type ReplayedLiteral } from '../checks/article/compare.ts';
import { parseOutput, type ArticleLiteral } from '../checks/article/literals.ts';
import { committedLiterals } from '../checks/article/source.ts';
import { claimTest } from '../fixtures.ts';
import { touching } from '../claim.ts';
import type { Touches } from '../../contract/touches.ts';
import { internalIps } from '../observations.ts';
import { binaryProvenance } from '../provenance-observe.ts';

const article = committedLiterals().literals;
/** The article's commands by what they are, and the claim whose rights running them needs. */
const COMMANDS = {
  version: ['kubectl version -v 8', 'API-01'],
  curlVersion: ['curl -k https://192.168.1.150:6443/version\\?timeout\\=32s', 'API-04'],
  getPods: ['kubectl get pods -v 8', 'API-12'],
  curlPods: ['curl -k https://192.168.1.150:6443/api/v1/namespaces/default/pods\\?limit\\=500', 'API-08'],
  proxy: ['kubectl proxy -v8', 'API-10'],
  curlProxy: ['curl http://127.0.0.1:8001/api/v1/namespaces/default/pods\\?limit\\=500', 'API-10'],
  exec: ['kubectl -n kube-system exec -it etcd-xdlinux -- sh', 'ETCD-15'],
  memberList: ['etcdctl member list', 'ETCD-02'],
  etcdctlVersion: ['etcdctl version', 'ETCD-03'],
  registry: ['etcdctl get /registry --prefix --keys-only', 'ETCD-13'],
  namespaces: ['etcdctl get /registry/namespaces --prefix --keys-only', 'ETCD-11'],
} as const;
type Command = keyof typeof COMMANDS;
const cmd = (c: Command) => COMMANDS[c][0];
const REPLAY_TOUCHES: Touches = { reads: ['anonymous-version', 'static-pods', 'coredns'], disturbs: [] };

claimTest(
  'the article replayed: each of its literal outputs beside this run’s',
  async ({ task, signal, cluster, kube, kubectl, apiServer, etcd }) => {
    // It reads anonymous /version and etcd's pod keys, which disruptive controls of the run move.
    await touching({ task, signal }, REPLAY_TOUCHES, async () => {
      const run = inject('run');
      const started = Date.now();
      const literals: ArticleLiteral[] = [];
      const notRun: Record<string, string> = {};
      /** Runs an article command unless the run may not (rights, --read-only); a failure is said, not a value. */
      const observe = async (c: Command, how: () => Promise<string[]>) => {
        if (notRun[cmd(c)]) return;
        const lacking = run.rights ? lackingOf(run.rights, COMMANDS[c][1]) : [];
        if (lacking.length) return void (notRun[cmd(c)] = uncheckedText(lacking, run.rights!));
        try {
          literals.push(...parseOutput(cmd(c), await how(), 1));
        } catch (error) {
          // reported: the command that could not run is "not observed" with its error; nothing stands in for its output
          notRun[cmd(c)] = `could not run: ${(error as Error).message.split('\n')[0]}`;
        }
      };
      const lines = (text: string) => text.split('\n');
      // curl prints the body as the server sends it; the article's is indented JSON, compared field by field.
      const jsonLines = (body: string) => {
        try {
          return lines(JSON.stringify(JSON.parse(body), null, 2));
        } catch {
          // reported: a body that is not JSON is compared as it came (its fields then are not observed)
          return lines(body);
        }
      };

      let versionBody = '';
      await observe('version', async () => {
        const r = await kubectl.ok(['version', '-v', '8']);
        return lines(`${r.stderr}\n${r.stdout}`);
      });
      await observe('curlVersion', async () => {
        const r = await apiServer.get('/version?timeout=32s', anonymous());
        if (r.status !== 200) throw new Error(`GET /version anonymously: ${r.status} ${r.statusText}`);
        versionBody = r.body;
        return jsonLines(r.body);
      });
      await observe('getPods', async () => {
        const r = await kubectl.ok(['get', 'pods', '-v', '8']);
        // The pod list's request, not the discovery requests before it.
        return lines(r.stderr).filter((l) => /"Request" .*\/pods\?/.test(l));
      });
      await observe('curlPods', async () =>
        jsonLines((await apiServer.get(await apiServer.podListPath(), anonymous())).body),
      );
      // kubectl proxy on a free port of its own (the article's 8001 may be taken here), then curl through it.
      let proxied: Promise<string[]> | undefined;
      await observe('proxy', async () => {
        await using proxy = await KubectlProxy.start(kubectl, { extraArgs: ['-v8'] });
        proxied = request(`${proxy.url}/api/v1/namespaces/default/pods?limit=500`).then((r) => jsonLines(r.body));
        // awaited elsewhere: its failure is curl's, observed below; here it only has to end before the proxy stops
        await proxied.catch(() => undefined);
        return lines(proxy.output());
      });
      await observe('curlProxy', () => proxied ?? Promise.reject(new Error('kubectl proxy did not start')));
      if (run.readOnly) {
        for (const c of ['exec', 'memberList', 'etcdctlVersion', 'registry', 'namespaces'] as const)
          notRun[cmd(c)] ??= `an exec into the etcd pod is a write: ${READ_ONLY_REASON}`;
      }
      if (cluster.externalEtcd) {
        for (const c of ['exec', 'memberList', 'etcdctlVersion', 'registry', 'namespaces'] as const)
          notRun[cmd(c)] ??= 'the cluster’s etcd is external: there is no etcd pod to exec into';
      }
      await observe('exec', async () => {
        const r = await etcd.pod.exec(['sh', '-ic', 'echo "${PS1@P}"']);
        if (r.exitCode !== 0) throw new Error(`sh -i in ${etcd.podName}: exit ${r.exitCode}`);
        return lines(r.stdout);
      });
      const etcdctl = async (argv: string[]) => {
        const r = await etcd.etcdctl(argv);
        if (r.exitCode !== 0) throw new Error(`etcdctl ${argv.join(' ')}: exit ${r.exitCode}: ${r.stderr.trim()}`);
        return lines(r.stdout);
      };
      await observe('memberList', () => etcdctl(['member', 'list']));
      await observe('etcdctlVersion', () => etcdctl(['version']));
      await observe('registry', () => etcdctl(['get', '/registry', '--prefix', '--keys-only']));
      await observe('namespaces', () => etcdctl(['get', '/registry/namespaces', '--prefix', '--keys-only']));

      // What this run observed that predicts a value other than the article's.
      const served = (v: string) => v === cluster.serverVersion;
      const [major, minor] = cluster.serverVersion.replace(/^v/, '').split('.');
      const versionFields: Record<string, string | undefined> = {
        gitVersion: cluster.serverVersion,
        major,
        minor,
        emulationMajor: major,
        emulationMinor: minor,
        minCompatibilityMajor: major,
        minCompatibilityMinor: minor ? String(Number(minor) - 1) : undefined,
        gitCommit: Object.values(LINES).find((l) => l.version === cluster.serverVersion)?.releaseCommit?.value,
      };
      const provenance = await binaryProvenance(cluster, 'kube-apiserver').catch((e: Error) => ({
        // reported: the build information not read leaves goVersion and buildDate unexplained, said in the reason
        binaries: [],
        unread: [e.message],
      }));
      const apiserver = provenance.binaries[0];
      // On an HA cluster the first member listed may be any control plane's.
      const nodeIps = await internalIps(kube);
      const members = cluster.nodes.filter((n) => n.role === 'control-plane').map((n) => n.name);
      const memberIps = members.flatMap((n) => nodeIps.get(n) ?? []);
      const urlOfMember = (o: string, port: number) => memberIps.find((ip) => o === `https://${ip}:${port}`);
      const userAgent = userAgentExpectation(cluster);
      const releaseOfEtcdImage = /:(\d+\.\d+\.\d+)/.exec(
        // reported: without the pod's image, etcdctl's version stays unexplained (it differs)
        await etcd.image().catch(() => ''),
      )?.[1];
      const when = (ok: boolean, reason: string) => (ok ? reason : undefined);
      // The API server's flow-control objects: the UIDs its X-Kubernetes-Pf-* headers name.
      const flowControl = await Promise.all([
        kube.kc.makeApiClient(FlowcontrolApiserverV1Api).listFlowSchema(),
        kube.kc.makeApiClient(FlowcontrolApiserverV1Api).listPriorityLevelConfiguration(),
      ]).then(
        ([f, p]) => ({ flowSchemas: f.items, priorityLevels: p.items }),
        // reported: not listed, the UIDs stay unexplained, saying why
        (e: Error) => ({ error: `the flow-control objects could not be listed: ${e.message.split('\n')[0]}` }),
      );
      const uidOf = (kind: 'flowSchemas' | 'priorityLevels', label: string) => (o: string) => {
        if ('error' in flowControl) return { unexplained: flowControl.error };
        const named = flowControl[kind].find((x) => x.metadata?.uid === o)?.metadata?.name;
        return when(!!named, `the UID of this cluster's ${label} ${named}`);
      };
      const memberIds =
        run.readOnly || cluster.externalEtcd
          ? []
          : await etcd
              .etcdctl(['member', 'list', '-w', 'json'])
              // Read as text: the IDs are 64-bit, past what a JSON number keeps.
              .then((r) => [...r.stdout.matchAll(/"ID":(\d+)/g)].map((m) => BigInt(m[1]!).toString(16)))
              // reported: without the IDs, the member's ID stays unexplained (it differs)
              .catch(() => []);
      const explain = (l: ArticleLiteral): Explain | undefined => {
        switch (`${l.kind} ${l.field}`) {
          case 'server GET':
            return (o) => when(o === apiServer.server, `this cluster's API server, as the run's kubeconfig names it`);
          case 'request-header User-Agent':
            return (o) => when(o === userAgent.userAgent, `the kubectl of this run: ${userAgent.source.split(':')[0]}`);
          case 'response-header Audit-Id':
            return (o) =>
              when(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(o), 'the audit ID of this run’s request');
          case 'response-header Date':
            return (o) => {
              const t = Date.parse(o);
              return when(t >= started - 1000 && t <= Date.now() + 1000, 'the time of this run’s request');
            };
          case 'response-header X-Kubernetes-Pf-Flowschema-Uid':
            return uidOf('flowSchemas', 'FlowSchema');
          case 'response-header X-Kubernetes-Pf-Prioritylevel-Uid':
            return uidOf('priorityLevels', 'PriorityLevelConfiguration');
          case 'body-field resourceVersion':
            return (o) => when(/^\d+$/.test(o), 'the resourceVersion of the pod list at this run’s request');
          case 'response-header Content-Length':
            return (o) =>
              when(Number(o) === Buffer.byteLength(versionBody), 'the length of this server’s /version body');
          case 'body-field goVersion':
            return (o) =>
              when(
                o === apiserver?.info.goVersion,
                `the toolchain in the running kube-apiserver's Go build information (${apiserver?.node})`,
              );
          case 'body-field buildDate':
            return () =>
              apiserver && !apiserver.info.settings['vcs.revision']
                ? `the running kube-apiserver was built from the module ${apiserver.info.main?.path} ${apiserver.info.main?.version} (its build information has no vcs settings), not by the release's own build: the date is its build's`
                : undefined;
          case 'version-line Server Version':
            return (o) => when(served(o), `this cluster runs ${cluster.serverVersion}`);
          case 'version-line Client Version':
            return (o) => when(o === cluster.kubectlVersion, `this run's kubectl is ${cluster.kubectlVersion}`);
          case 'member-field ID':
            return (o) => when(memberIds.includes(o), 'this cluster’s own member (member list -w json, in hex)');
          case 'member-field name':
            return (o) =>
              when(members.includes(o), `a control-plane node's name (${o}): kubeadm names its member after it`);
          case 'member-field peer URL':
            return (o) => when(!!urlOfMember(o, 2380), `a control-plane node's InternalIP (${urlOfMember(o, 2380)})`);
          case 'member-field client URL':
            return (o) => when(!!urlOfMember(o, 2379), `a control-plane node's InternalIP (${urlOfMember(o, 2379)})`);
          case 'etcdctl-version etcdctl version':
            return (o) => when(o === releaseOfEtcdImage, `the release of the etcd pod's image (${releaseOfEtcdImage})`);
        }
        if (l.kind === 'body-field' && l.field in versionFields)
          return (o) => when(o === versionFields[l.field], `this cluster runs ${cluster.serverVersion}`);
        if (l.kind === 'source-location' || l.kind === 'feature-gate')
          return () =>
            cluster.kubectlVersion !== 'v1.33.3'
              ? `kubectl ${cluster.kubectlVersion}'s own source, not v1.33.3's`
              : undefined;
        return undefined;
      };

      const replayed: ReplayedLiteral[] = replay(article, { literals, notRun, explain }).map((l) => ({
        ...l,
        ...(l.observed !== undefined ? { observed: redact(l.observed) } : {}),
      }));
      task.meta.article = replayed;
      // Every literal is classified, each command either ran or says why not.
      expect(replayed).toHaveLength(article.length);
      for (const l of replayed.filter((x) => x.status === 'not observed'))
        expect(l.reason, JSON.stringify(l)).toBeTruthy();
      console.log(replaySummary(replayed));
    });
  },
);
