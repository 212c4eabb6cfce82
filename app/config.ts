// The run's configuration, in one place: command-line flags over environment variables over defaults,
// typed and validated before any work starts (an unknown flag, format, claim, group or version is a usage
// error at parse time). Everything downstream receives this value; nothing reads the environment again.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOGUE, GROUPS, type Claim } from '../contract/catalogue.ts';
import { DEFAULT_LINE, describeLine, LINE_IDS, LINES, RELEASED_LINE_IDS, resolveLine, type KubernetesLine } from '../contract/lines.ts';
import type { ImageSource } from '../contract/cluster.ts';
import { INSTALLED, PACKAGE_ROOT } from '../contract/package-root.ts';
import type { KindSettings } from '../kind/settings.ts';
import { UsageError } from '../contract/errors.ts';
import { newRunId } from '../contract/run-id.ts';
import { DEFAULT_TOPOLOGY, resolveTopology, TOPOLOGIES, TOPOLOGY_IDS, type Topology } from '../contract/topology.ts';
import { parseFormats, type Format } from '../report/write.ts';

export type Command =
  | { name: 'help' }
  | { name: 'verify' }
  | { name: 'matrix' }
  | { name: 'matrix merge'; dirs: string[] }
  | { name: 'list' }
  | { name: 'host prepare' }
  | { name: 'image build' }
  | { name: 'cluster up' }
  | { name: 'cluster down' };

export interface RunConfig {
  command: Command;
  runId: string;
  /** The line asked for (--kubernetes, KUBE_CLAIMS_K8S_VERSION), the default line otherwise. */
  line: KubernetesLine;
  /** Whether a version was asked for explicitly: with an existing cluster, it becomes the expected version. */
  lineExplicit: boolean;
  /** matrix: the lines, in order. */
  lines: KubernetesLine[];
  /** kind cluster name. */
  clusterName: string;
  /** The shape of a kind cluster kube-claims makes (--topology, KUBE_CLAIMS_TOPOLOGY); single by default. */
  topology: Topology;
  /** matrix: the topologies, in order (each line runs on each). */
  topologies: Topology[];
  /** A user's own kind configuration (--kind-config): its nodes and settings instead of a topology's. */
  kindConfig?: string;
  /** An existing cluster instead of a kind cluster of kube-claims. */
  kubeconfig?: string;
  context?: string;
  keep: boolean;
  imageSource: ImageSource;
  nodeImage?: string;
  /** An image to run the node-shell pod from on clusters kube-claims did not make (default: one the node has). */
  nodeShellImage?: string;
  /** The redis image for the article's workload on clusters kube-claims did not make (default: one the node has, else redis:7). */
  workloadImage?: string;
  focus: Claim[];
  skip: Claim[];
  /** The claims only, without their negative controls (a quick check; the controls prove the checks can fail). */
  claimsOnly: boolean;
  reportsDir: string;
  formats: Format[];
  /** Negative controls that grant rights, move static pods or scale system components, on clusters kube-claims did not make. */
  allowDisruption: boolean;
  verbose: boolean;
  /** Where builds, kind kubeconfigs and the offline node image go (KUBE_CLAIMS_CACHE, _STATE, _NODE_REPO, _DEBIAN_MIRROR). */
  kind: KindSettings;
}

export const ENVIRONMENT_VARIABLES: Record<string, string> = {
  KUBE_CLAIMS_K8S_VERSION: '--kubernetes',
  KUBE_CLAIMS_CLUSTER: '--name',
  KUBE_CLAIMS_TOPOLOGY: '--topology',
  KUBE_CLAIMS_KIND_CONFIG: '--kind-config',
  KUBE_CLAIMS_KUBECONFIG: '--kubeconfig',
  KUBE_CLAIMS_CONTEXT: '--context',
  KUBE_CLAIMS_KEEP_CLUSTER: '--keep (1)',
  KUBE_CLAIMS_IMAGE_SOURCE: '--image-source',
  KUBE_CLAIMS_NODE_IMAGE: '--node-image',
  KUBE_CLAIMS_NODE_SHELL_IMAGE: '--node-shell-image',
  KUBE_CLAIMS_WORKLOAD_IMAGE: '--workload-image',
  KUBE_CLAIMS_FOCUS: '--focus',
  KUBE_CLAIMS_SKIP: '--skip',
  KUBE_CLAIMS_REPORTS: '--report-dir',
  KUBE_CLAIMS_FORMATS: '--formats',
  KUBE_CLAIMS_ALLOW_DISRUPTION: '--allow-disruption (1)',
  KUBE_CLAIMS_RUN_ID: '(the run ID; a new one by default)',
  KUBE_CLAIMS_VERBOSE: '--verbose (1)',
  KUBE_CLAIMS_CACHE: '(the build cache; ~/.cache/kube-claims)',
  KUBE_CLAIMS_STATE: '(kubeconfigs and logs of kind clusters; .kube-claims/ of the checkout, or $XDG_STATE_HOME/kube-claims (~/.local/state/kube-claims) when installed)',
  KUBE_CLAIMS_NODE_REPO: '(repository of the offline node image; kube-claims/node)',
  KUBE_CLAIMS_DEBIAN_MIRROR: '(Debian mirror of the offline images; http://deb.debian.org/debian)',
};

export const USAGE = `usage: kube-claims <command> [options]

commands:
  verify            provision (or reuse) a kind cluster, or take --kubeconfig, check every claim, write the reports
  matrix            verify on several Kubernetes lines, one cluster at a time, and merge the runs into one report
  matrix merge DIR… merge finished runs (reports/RUN-ID folders) into a matrix report
  list              print the claims catalogue
  host prepare      install/start what kube-claims needs on this machine (Docker engine, kind)
  image build       build the offline kind node image of --kubernetes
  cluster up|down   bring the named kind cluster up, or delete it
  rbac              print (YAML) a ServiceAccount, ClusterRole, Role and bindings granting what a run needs:
                    --service-account NS/NAME (default kube-claims/kube-claims); --read-only: the part that
                    writes nothing (no lease, exec or port-forward: the comments say what it leaves out)

options:
  --kubernetes V        Kubernetes line or version: ${LINE_IDS.map((l) => describeLine(LINES[l])).join(', ')}; default ${DEFAULT_LINE}.
                        matrix: a comma list (default the released lines; a pre-release line only when named).
                        With --kubeconfig: the version the cluster is expected to run.
  --name NAME           kind cluster name (default kube-claims)
  --topology T          shape of the kind cluster: ${TOPOLOGY_IDS.map((t) => `${t} (${TOPOLOGIES[t].description})`).join('; ')};
                        default ${DEFAULT_TOPOLOGY}. matrix: a comma list (each line on each topology).
  --kind-config FILE    your own kind configuration (its nodes and settings; kube-claims sets name and image)
  --kubeconfig FILE     check an existing cluster instead of a kind cluster of kube-claims
  --context NAME        kubeconfig context (with --kubeconfig)
  --keep                keep a kind cluster this run created
  --image-source S      auto (default: kindest/node when present or pullable, else the offline build), offline, upstream
  --node-image REF      use this node image as it is (e.g. kindest/node:v1.34.0@sha256:...)
  --node-shell-image R  image for the node-shell pod on other clusters (default: one the node already has)
  --workload-image R    redis image for the article's StatefulSet on other clusters (default: one the node has, else redis:7)
  --allow-disruption    on clusters kube-claims did not make, also run the negative controls that grant rights,
                        move static pods or scale system components (held back by default)
  --focus LIST          only these claim IDs or groups (${Object.keys(GROUPS).join(', ')}), comma-separated
  --skip LIST           leave out these claim IDs or groups
  --claims-only         the claims without their negative controls (quicker; the controls prove each check can fail)
  --report-dir DIR      parent folder of the RUN-ID report folders (default reports/ of the checkout, or of the
                        working directory when installed)
  --formats LIST        junit,json,md,html (default all), or none
  -v, --verbose         more progress detail
  -h, --help            this text

Environment variables (flags win): ${Object.entries(ENVIRONMENT_VARIABLES).map(([k, v]) => `${k} ${v}`).join('; ')}.

Exit codes: 0 every selected claim passed; 1 a claim or a negative control failed (or the run had an error);
2 usage or environment error; 3 nothing failed but some selected claims went unchecked (see the report).`;

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
const flag = (v: string | undefined) => v === '1' || v === 'true';

/** Claims named by IDs or group names; an unknown name is a usage error. */
export function selectClaims(names: string[]): Claim[] {
  const out = names.flatMap((name) => {
    if (name in GROUPS) return CATALOGUE.filter((c) => c.group === name);
    const claim = CATALOGUE.find((c) => c.id === name.toUpperCase());
    if (!claim) throw new UsageError(`no claim or group "${name}"; groups: ${Object.keys(GROUPS).join(', ')}; IDs: ${CATALOGUE.map((c) => c.id).join(' ')}`);
    return [claim];
  });
  return [...new Map(out.map((c) => [c.id, c])).values()];
}

/** The claims a run checks: the focus (all when empty) without the skipped ones. */
export function selectedClaims(config: Pick<RunConfig, 'focus' | 'skip'>): Claim[] {
  const skip = new Set(config.skip.map((c) => c.id));
  return (config.focus.length ? config.focus : CATALOGUE).filter((c) => !skip.has(c.id));
}

function parseCommand(positionals: string[]): Command {
  const [command, sub, ...rest] = positionals;
  const name = `${command ?? ''}${sub && ['matrix', 'host', 'image', 'cluster'].includes(command!) ? ` ${sub}` : ''}`;
  switch (name) {
    case '': case 'help': return { name: 'help' };
    case 'verify': case 'matrix': case 'list': case 'host prepare': case 'image build': case 'cluster up': case 'cluster down':
      if (name === 'matrix' && sub) break;
      return { name } as Command;
    case 'matrix merge':
      if (!rest.length) throw new UsageError('matrix merge needs report folders (reports/RUN-ID ...)');
      return { name, dirs: rest };
  }
  throw new UsageError(`unknown command "${positionals.join(' ')}" (kube-claims --help)`);
}

/**
 * Where a run writes unless told: inside the checkout when run from one (reports/, .kube-claims/); when
 * installed, never inside node_modules (npm may replace it any time): the reports in the working directory,
 * the kind clusters' kubeconfigs in the user's state folder (XDG base directories).
 */
export function writableDefaults(installed: boolean, env: NodeJS.ProcessEnv, cwd = process.cwd()): { reportsDir: string; stateDir: string } {
  if (!installed) return { reportsDir: join(PACKAGE_ROOT, 'reports'), stateDir: join(PACKAGE_ROOT, '.kube-claims') };
  return { reportsDir: join(cwd, 'reports'), stateDir: join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'kube-claims') };
}

/** Parses argv (without node and script) with `env` underneath; throws UsageError on anything invalid. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): RunConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        kubernetes: { type: 'string' }, name: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' },
        topology: { type: 'string' }, 'kind-config': { type: 'string' },
        keep: { type: 'boolean' }, 'image-source': { type: 'string' }, 'node-image': { type: 'string' },
        'node-shell-image': { type: 'string' }, 'workload-image': { type: 'string' }, 'allow-disruption': { type: 'boolean' },
        focus: { type: 'string' }, skip: { type: 'string' }, 'claims-only': { type: 'boolean' }, 'report-dir': { type: 'string' }, formats: { type: 'string' },
        verbose: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (kube-claims --help)`);
  }
  const o = parsed.values;
  const command = o.help ? { name: 'help' as const } : parseCommand(parsed.positionals);

  const versionInput = o.kubernetes ?? env.KUBE_CLAIMS_K8S_VERSION;
  const versions = list(versionInput);
  const lines = (versions.length ? versions : command.name === 'matrix' ? RELEASED_LINE_IDS : [DEFAULT_LINE]).map(resolveLine);
  if (command.name !== 'matrix' && lines.length > 1) throw new UsageError('--kubernetes takes one version here (a comma list is for matrix)');

  const topologies = (list(o.topology ?? env.KUBE_CLAIMS_TOPOLOGY).length ? list(o.topology ?? env.KUBE_CLAIMS_TOPOLOGY) : [DEFAULT_TOPOLOGY]).map(resolveTopology);
  if (command.name !== 'matrix' && topologies.length > 1) throw new UsageError('--topology takes one topology here (a comma list is for matrix)');
  const kindConfig = o['kind-config'] ?? env.KUBE_CLAIMS_KIND_CONFIG;
  if (kindConfig && (o.topology ?? env.KUBE_CLAIMS_TOPOLOGY)) throw new UsageError('--kind-config gives the nodes itself; it does not go with --topology');

  const imageSource = (o['image-source'] ?? env.KUBE_CLAIMS_IMAGE_SOURCE ?? 'auto') as ImageSource;
  if (!['auto', 'offline', 'upstream'].includes(imageSource)) throw new UsageError(`--image-source must be auto, offline or upstream, not ${imageSource}`);

  const kubeconfig = o.kubeconfig ?? env.KUBE_CLAIMS_KUBECONFIG;
  const context = o.context ?? env.KUBE_CLAIMS_CONTEXT;
  if (context && !kubeconfig) throw new UsageError('--context needs --kubeconfig');
  if (kubeconfig && (kindConfig || o.topology || env.KUBE_CLAIMS_TOPOLOGY)) throw new UsageError('--topology and --kind-config shape a kind cluster kube-claims makes; a cluster given by --kubeconfig has its own shape');
  if (kubeconfig && command.name === 'matrix') throw new UsageError('matrix provisions its own clusters; --kubeconfig is for verify');

  const formatsText = o.formats ?? env.KUBE_CLAIMS_FORMATS;
  const { formats, unknown } = parseFormats(formatsText);
  if (unknown.length) throw new UsageError(`unknown report format(s): ${unknown.join(', ')} (known: junit, json, md, html, none)`);

  const reportDir = o['report-dir'] ?? env.KUBE_CLAIMS_REPORTS;
  const runId = env.KUBE_CLAIMS_RUN_ID || newRunId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(runId)) throw new UsageError(`KUBE_CLAIMS_RUN_ID must be letters, digits, '.', '_' or '-': ${runId}`);
  const defaults = writableDefaults(INSTALLED, env);

  return {
    command,
    runId,
    line: lines[0]!,
    lineExplicit: versions.length > 0,
    lines,
    clusterName: o.name ?? env.KUBE_CLAIMS_CLUSTER ?? 'kube-claims',
    topology: topologies[0]!,
    topologies,
    kindConfig,
    kubeconfig,
    context,
    keep: o.keep ?? flag(env.KUBE_CLAIMS_KEEP_CLUSTER),
    imageSource,
    nodeImage: o['node-image'] ?? env.KUBE_CLAIMS_NODE_IMAGE,
    nodeShellImage: o['node-shell-image'] ?? env.KUBE_CLAIMS_NODE_SHELL_IMAGE,
    workloadImage: o['workload-image'] ?? env.KUBE_CLAIMS_WORKLOAD_IMAGE,
    focus: selectClaims(list(o.focus ?? env.KUBE_CLAIMS_FOCUS)),
    skip: selectClaims(list(o.skip ?? env.KUBE_CLAIMS_SKIP)),
    claimsOnly: o['claims-only'] ?? false,
    reportsDir: reportDir ?? defaults.reportsDir,
    formats,
    allowDisruption: o['allow-disruption'] ?? flag(env.KUBE_CLAIMS_ALLOW_DISRUPTION),
    verbose: o.verbose ?? flag(env.KUBE_CLAIMS_VERBOSE),
    kind: {
      cacheDir: env.KUBE_CLAIMS_CACHE || join(homedir(), '.cache', 'kube-claims'),
      stateDir: env.KUBE_CLAIMS_STATE || defaults.stateDir,
      nodeRepo: env.KUBE_CLAIMS_NODE_REPO || 'kube-claims/node',
      debianMirror: env.KUBE_CLAIMS_DEBIAN_MIRROR || 'http://deb.debian.org/debian',
    },
  };
}

/** Checks that need the file system: the kubeconfig exists and is readable (more is checked when connecting). */
export function checkFiles(config: RunConfig): void {
  if (config.kubeconfig && !existsSync(config.kubeconfig)) throw new UsageError(`kubeconfig ${config.kubeconfig} does not exist`);
  if (config.kindConfig && !existsSync(config.kindConfig)) throw new UsageError(`kind configuration ${config.kindConfig} does not exist`);
}
