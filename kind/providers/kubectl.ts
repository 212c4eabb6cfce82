// Which kubectl a run uses: the one given (--kubectl, KUBE_CLAIMS_KUBECTL), else the first on PATH where its
// minor version is within kubectl's supported skew of the API server's, else kube-claims' own build of the
// release (its Go modules, where Go is on PATH or the build is cached). A kind cluster kube-claims makes
// prefers its build (it needs Go for kind and the node image anyway; its claims then hold kubectl to the exact
// release asked for); a cluster given by --kubeconfig prefers the user's kubectl and needs no Go.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { ClusterInfo, KubectlSource } from '../../contract/cluster.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { profileFor } from '../../contract/lines.ts';
import { findOnPath, notOnPath, notStarted } from '../../helpers/tools.ts';
import { COMPLETE_STAMP } from '../image/cache.ts';
import { buildKubectl } from '../image/components.ts';
import { binDir, type KindSettings } from '../settings.ts';

/** The release kubectl is built for: the version asked for, else the server's line profile's. */
export function kubectlVersionFor(requestedVersion: string | undefined, serverVersion: string): string {
  return requestedVersion ?? profileFor(serverVersion).line.version;
}

/** What `kubectl version -o json` says of the client (its clientVersion). */
export type ClientVersion = NonNullable<KubectlSource['reported']>;

/** The clientVersion of `kubectl version [--client] -o json`; undefined when the output is not that. */
export function parseClientVersion(json: string): ClientVersion | undefined {
  try {
    const v = (JSON.parse(json) as { clientVersion?: Record<string, unknown> }).clientVersion;
    if (typeof v?.gitVersion !== 'string' || !v.gitVersion) return undefined;
    const s = (k: string) => (typeof v[k] === 'string' && v[k] ? (v[k] as string) : undefined);
    return {
      gitVersion: v.gitVersion,
      ...(s('gitCommit') ? { gitCommit: s('gitCommit') } : {}),
      ...(s('platform') ? { platform: s('platform') } : {}),
    };
  } catch {
    return undefined;
  }
}

/** The Kubernetes version-skew policy's kubectl rule, as it words it. */
export const KUBECTL_SKEW_POLICY =
  'kubectl is supported within one minor version (older or newer) of kube-apiserver (https://kubernetes.io/releases/version-skew-policy/#kubectl)';

/** How many minors a kubectl is from the API server, and whether the skew policy supports the pair. */
export function kubectlSkew(client: string, server: string): { supported: boolean; text: string } {
  const c = /^v?(\d+)\.(\d+)/.exec(client);
  const s = /^v?(\d+)\.(\d+)/.exec(server);
  if (!c || !s)
    return { supported: false, text: `${client} and the server's ${server}: not both vMAJOR.MINOR versions` };
  if (c[1] !== s[1])
    return { supported: false, text: `${client} is another major version than the server's ${server}` };
  const d = Number(c[2]) - Number(s[2]);
  const what =
    d === 0
      ? "the server's minor"
      : `${Math.abs(d)} minor${Math.abs(d) > 1 ? 's' : ''} ${d < 0 ? 'older' : 'newer'} than the server's`;
  return { supported: Math.abs(d) <= 1, text: `${client} is ${what} ${server}` };
}

/** A kubectl the run could take, as it answered `version -o json` (askVersion). */
export interface Candidate {
  path: string;
  version?: ClientVersion;
  /** Why its version could not be read. */
  error?: string;
}

export interface KubectlInputs {
  serverVersion: string;
  /** The release a build would be of (kubectlVersionFor). */
  buildVersion: string;
  flag?: Candidate;
  /** The first kubectl on PATH, if any (not looked for where a preferred build can be had). */
  onPath?: Candidate;
  /** kube-claims' build of buildVersion, when the cache holds it. */
  cachedBuild?: string;
  goOnPath: boolean;
  /** A build before PATH's kubectl (kind clusters kube-claims makes). */
  preferBuild: boolean;
}

type Taken =
  | { use: 'flag' | 'path'; path: string; version: ClientVersion; choice: string }
  | { use: 'built'; path?: string; version: string; choice: string };
export type KubectlDecision = Taken | { use: 'none'; reason: string };

import { KUBECTL_FLAG as FLAG } from '../../contract/kubectl-source.ts';
export { clientVersionExpectation, describeKubectl, kubectlFact } from '../../contract/kubectl-source.ts';

/** The decision, from what was found (pure: kubectlFor finds, decides, and builds when the decision says so). */
export function decideKubectl(i: KubectlInputs): KubectlDecision {
  if (i.flag) {
    if (!i.flag.version) return { use: 'none', reason: `${FLAG} ${i.flag.path}: ${i.flag.error ?? 'no version'}` };
    const skew = kubectlSkew(i.flag.version.gitVersion, i.serverVersion);
    return {
      use: 'flag',
      path: i.flag.path,
      version: i.flag.version,
      choice: `given by ${FLAG}; ${skew.text}${skew.supported ? '' : `, outside kubectl's supported skew (${KUBECTL_SKEW_POLICY}): used as given`}`,
    };
  }
  const passedOver: string[] = [];
  let pathChoice: Taken | undefined;
  if (!i.onPath) passedOver.push(notOnPath('kubectl'));
  else if (!i.onPath.version)
    passedOver.push(`PATH's kubectl ${i.onPath.path} did not say its version (${i.onPath.error ?? 'no version'})`);
  else {
    const skew = kubectlSkew(i.onPath.version.gitVersion, i.serverVersion);
    if (skew.supported)
      pathChoice = {
        use: 'path',
        path: i.onPath.path,
        version: i.onPath.version,
        choice: `the first kubectl on PATH; ${skew.text}: within kubectl's supported skew (${KUBECTL_SKEW_POLICY})`,
      };
    else
      passedOver.push(
        `PATH's kubectl ${i.onPath.path}: ${skew.text}, outside kubectl's supported skew (${KUBECTL_SKEW_POLICY})`,
      );
  }
  const build: Taken | undefined = i.cachedBuild
    ? {
        use: 'built',
        path: i.cachedBuild,
        version: i.buildVersion,
        choice: `kube-claims' build of ${i.buildVersion} (cached)`,
      }
    : i.goOnPath
      ? { use: 'built', version: i.buildVersion, choice: `kube-claims' build of ${i.buildVersion} from its Go modules` }
      : undefined;
  if (!build) passedOver.push(`no build of kubectl ${i.buildVersion} is cached and ${notOnPath('go')} to build one`);
  const first = i.preferBuild ? (build ?? pathChoice) : (pathChoice ?? build);
  if (!first)
    return {
      use: 'none',
      reason: `no kubectl for the server's ${i.serverVersion}: ${passedOver.join('; ')}; give one with ${FLAG}`,
    };
  // Said beside the choice: why PATH's kubectl was not taken, or why no build was (when one was preferred).
  const ownBuild = 'a cluster kube-claims makes is checked with its own build of the release';
  const notes =
    first.use !== 'built'
      ? i.preferBuild
        ? passedOver
        : []
      : !i.preferBuild
        ? passedOver
        : !i.onPath
          ? [`${ownBuild} (PATH's kubectl not asked)`]
          : pathChoice?.use === 'path'
            ? [`PATH's kubectl ${pathChoice.path} (${pathChoice.version.gitVersion}) passed over: ${ownBuild}`]
            : passedOver;
  return { ...first, choice: [first.choice, ...notes].join('; ') };
}

/** The cluster a candidate is asked about: `kubectl version` then reports the client that runs for it. */
export interface VersionTarget {
  kubeconfig: string;
  context?: string;
}

/**
 * What a kubectl says it is. With the run's cluster, `FILE --kubeconfig K version -o json`: the clientVersion of
 * the kubectl that actually runs for that server (a dispatcher, such as the Google Cloud SDK's, runs a kubectl
 * of the server's minor and reports that one's; its `--client` answer is its own). Its clientVersion is read
 * whether or not the server answered. Without a cluster, `version --client -o json`.
 */
export async function askVersion(path: string, target?: VersionTarget): Promise<Candidate> {
  const args = target
    ? [
        '--kubeconfig',
        target.kubeconfig,
        ...(target.context ? ['--context', target.context] : []),
        'version',
        '-o',
        'json',
        '--request-timeout=20s',
      ]
    : ['version', '--client', '-o', 'json'];
  const r = await execa(path, args, { reject: false, timeout: 30_000 });
  if (notStarted(r)) return { path, error: 'cannot be run (no such file)' };
  const version = parseClientVersion(r.stdout);
  return version
    ? { path, version }
    : {
        path,
        error: `\`${path} ${args.join(' ')}\` printed no clientVersion (exit ${r.exitCode ?? (r.timedOut ? 'by timeout' : '?')}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').at(-1)}` : ''})`,
      };
}

/**
 * The run's kubectl: found, decided (decideKubectl), built where the decision says so. One-line EnvironmentError when
 * there is none.
 */
export async function kubectlFor(o: {
  flag?: string;
  serverVersion: string;
  buildVersion: string;
  settings: KindSettings;
  preferBuild: boolean;
  target?: VersionTarget;
}): Promise<Pick<ClusterInfo, 'kubectl' | 'kubectlVersion' | 'kubectlSource'>> {
  const goOnPath = !!findOnPath('go');
  // The node image's build of the release (an offline kind cluster), else, without Go to check it, a complete
  // kubectl build; with Go, buildKubectl checks its own cache.
  const cached = [
    join(binDir(o.settings), 'kubernetes', o.buildVersion, 'kubectl'),
    ...(goOnPath ? [] : [join(binDir(o.settings), 'kubectl', o.buildVersion, 'kubectl')]),
  ].find((f) => existsSync(f) && existsSync(join(dirname(f), COMPLETE_STAMP)));
  const flag = o.flag ? findOnPath(o.flag) : undefined;
  // PATH's kubectl is asked only where it may be taken (a preferred build that can be had makes it moot).
  const onPath = o.flag || (o.preferBuild && (cached || goOnPath)) ? undefined : findOnPath('kubectl');
  const decision = decideKubectl({
    serverVersion: o.serverVersion,
    buildVersion: o.buildVersion,
    preferBuild: o.preferBuild,
    cachedBuild: cached,
    goOnPath,
    ...(o.flag
      ? {
          flag: flag
            ? await askVersion(flag, o.target)
            : { path: o.flag, error: o.flag.includes('/') ? 'no such executable file' : notOnPath(o.flag) },
        }
      : {}),
    ...(onPath ? { onPath: await askVersion(onPath, o.target) } : {}),
  });
  if (decision.use === 'none') throw new EnvironmentError(decision.reason);
  if (decision.use !== 'built') {
    return {
      kubectl: decision.path,
      kubectlVersion: decision.version.gitVersion,
      kubectlSource: { origin: decision.use, reported: decision.version, choice: decision.choice },
    };
  }
  let path = decision.path;
  if (!path) {
    try {
      path = await buildKubectl(binDir(o.settings), o.buildVersion);
    } catch (e) {
      // With why the others were not taken (PATH's kubectl missing or outside the skew).
      const others = decision.choice.split('; ').slice(1);
      throw new EnvironmentError(
        `no kubectl ${o.buildVersion} can be built: ${(e as Error).message.split('\n')[0]}${others.length ? `; ${others.join('; ')}` : ''}; give one with ${FLAG}`,
      );
    }
  }
  return { kubectl: path, kubectlVersion: o.buildVersion, kubectlSource: { origin: 'built', choice: decision.choice } };
}
