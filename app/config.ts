// The run's configuration, in one place: command-line flags over environment variables over defaults,
// typed and validated before any work starts (an unknown flag, format, claim, group or version is a usage
// error at parse time). Everything downstream receives this value; nothing reads the environment again.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOGUE, GROUPS, type Claim } from '../contract/catalogue.ts';
import { DEFAULT_LINE, RELEASED_LINE_IDS, resolveLine, type KubernetesLine } from '../contract/lines.ts';
import type { ImageSource } from '../contract/cluster.ts';
import { INSTALLED, PACKAGE_ROOT } from '../contract/package-root.ts';
import type { KindSettings } from '../kind/settings.ts';
import { UsageError } from '../contract/errors.ts';
import { newRunId } from '../contract/run-id.ts';
import { DEFAULT_TOPOLOGY, resolveTopology, type Topology } from '../contract/topology.ts';
import { parseFormats, type Format } from '../report/write.ts';
import { envOf, parseArgsOptions, usage, type FlagName, type FlagValues } from './options.ts';

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
  /**
   * The kubectl to run (--kubectl, KUBE_CLAIMS_KUBECTL): a path, or a name looked up on PATH. Absent: the first
   * kubectl on PATH within kubectl's version skew of the server, else kube-claims' build (kind/providers/kubectl.ts).
   */
  kubectl?: string;
  /** An existing cluster instead of a kind cluster of kube-claims. */
  kubeconfig?: string;
  context?: string;
  keep: boolean;
  imageSource: ImageSource;
  nodeImage?: string;
  /** An image to run the node-shell pod from on clusters kube-claims did not make (default: one the node has). */
  nodeShellImage?: string;
  /**
   * The redis image for the article's workload on clusters kube-claims did not make (default: one the node has, else
   * redis:7).
   */
  workloadImage?: string;
  focus: Claim[];
  skip: Claim[];
  /** The claims only, without their negative controls (a quick check; the controls prove the checks can fail). */
  claimsOnly: boolean;
  /** Exit 3 when a claim passed that no negative control of it falsified in this run (report/model.ts notFalsified). */
  requireControls: boolean;
  reportsDir: string;
  formats: Format[];
  /**
   * Negative controls that grant rights, move static pods or scale system components, on clusters kube-claims did not
   * make.
   */
  allowDisruption: boolean;
  /** Write nothing to the cluster (--read-only): only with --kubeconfig, never with allowDisruption. */
  readOnly: boolean;
  verbose: boolean;
  /**
   * Where builds, kind kubeconfigs and the offline node image go (KUBE_CLAIMS_CACHE, _STATE, _NODE_REPO,
   * _DEBIAN_MIRROR).
   */
  kind: KindSettings;
}

export { ENVIRONMENT_VARIABLES } from './options.ts';

/** `kube-claims --help`, generated from the option table (app/options.ts). */
export const USAGE = usage();

const list = (v: string | undefined) =>
  v
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
const flag = (v: string | undefined) => v === '1' || v === 'true';

/** Claims named by IDs or group names; an unknown name is a usage error. */
export function selectClaims(names: string[]): Claim[] {
  const out = names.flatMap((name) => {
    if (name in GROUPS) return CATALOGUE.filter((c) => c.group === name);
    const claim = CATALOGUE.find((c) => c.id === name.toUpperCase());
    if (!claim)
      throw new UsageError(
        `no claim or group "${name}"; groups: ${Object.keys(GROUPS).join(', ')}; IDs: ${CATALOGUE.map((c) => c.id).join(' ')}`,
      );
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
    case '':
    case 'help':
      return { name: 'help' };
    case 'verify':
    case 'matrix':
    case 'list':
    case 'host prepare':
    case 'image build':
    case 'cluster up':
    case 'cluster down':
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
export function writableDefaults(
  installed: boolean,
  env: NodeJS.ProcessEnv,
  cwd = process.cwd(),
): { reportsDir: string; stateDir: string } {
  if (!installed) return { reportsDir: join(PACKAGE_ROOT, 'reports'), stateDir: join(PACKAGE_ROOT, '.kube-claims') };
  return {
    reportsDir: join(cwd, 'reports'),
    stateDir: join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'kube-claims'),
  };
}

/** Parses argv (without node and script) with `env` underneath; throws UsageError on anything invalid. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): RunConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: parseArgsOptions(),
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (kube-claims --help)`);
  }
  const o = parsed.values as FlagValues;
  /** A flag's value, else its environment variable's (app/options.ts names it). */
  const given = (name: FlagName): string | undefined => (o[name] as string | undefined) ?? env[envOf(name)!];
  /** A boolean flag, else its variable set to 1 or true. */
  const on = (name: FlagName): boolean =>
    (o[name] as boolean | undefined) ?? (envOf(name) ? flag(env[envOf(name)!]) : false);
  const command = o.help ? { name: 'help' as const } : parseCommand(parsed.positionals);

  const versionInput = given('kubernetes');
  const versions = list(versionInput);
  const lines = (versions.length ? versions : command.name === 'matrix' ? RELEASED_LINE_IDS : [DEFAULT_LINE]).map(
    resolveLine,
  );
  if (command.name !== 'matrix' && lines.length > 1)
    throw new UsageError('--kubernetes takes one version here (a comma list is for matrix)');

  const topologyInput = given('topology');
  const topologies = (list(topologyInput).length ? list(topologyInput) : [DEFAULT_TOPOLOGY]).map(resolveTopology);
  if (command.name !== 'matrix' && topologies.length > 1)
    throw new UsageError('--topology takes one topology here (a comma list is for matrix)');
  const kindConfig = given('kind-config');
  if (kindConfig && topologyInput)
    throw new UsageError('--kind-config gives the nodes itself; it does not go with --topology');

  const imageSource = (given('image-source') ?? 'auto') as ImageSource;
  if (!['auto', 'offline', 'upstream'].includes(imageSource))
    throw new UsageError(`--image-source must be auto, offline or upstream, not ${imageSource}`);

  const kubeconfig = given('kubeconfig');
  const context = given('context');
  if (context && !kubeconfig) throw new UsageError('--context needs --kubeconfig');
  if (kubeconfig && (kindConfig || topologyInput))
    throw new UsageError(
      '--topology and --kind-config shape a kind cluster kube-claims makes; a cluster given by --kubeconfig has its own shape',
    );
  if (kubeconfig && command.name === 'matrix')
    throw new UsageError('matrix provisions its own clusters; --kubeconfig is for verify');

  // A kind cluster kube-claims creates is its own to write to; read-only is for a cluster someone else owns.
  const readOnly = on('read-only');
  if (readOnly && !kubeconfig && ['verify', 'matrix'].includes(command.name))
    throw new UsageError(
      '--read-only is for a cluster given by --kubeconfig: a kind cluster kube-claims makes is its own to write to',
    );
  if (readOnly && on('allow-disruption'))
    throw new UsageError(
      '--read-only writes nothing; --allow-disruption would grant rights, move static pods and scale system components: choose one',
    );

  const formatsText = given('formats');
  const { formats, unknown } = parseFormats(formatsText);
  if (unknown.length)
    throw new UsageError(`unknown report format(s): ${unknown.join(', ')} (known: junit, json, md, html, none)`);

  const reportDir = given('report-dir');
  const runId = env.KUBE_CLAIMS_RUN_ID || newRunId();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$/.test(runId))
    throw new UsageError(`KUBE_CLAIMS_RUN_ID must be letters, digits, '.', '_' or '-': ${runId}`);
  const defaults = writableDefaults(INSTALLED, env);

  return {
    command,
    runId,
    line: lines[0]!,
    lineExplicit: versions.length > 0,
    lines,
    clusterName: given('name') ?? 'kube-claims',
    topology: topologies[0]!,
    topologies,
    kindConfig,
    kubeconfig,
    context,
    kubectl: given('kubectl'),
    keep: on('keep'),
    imageSource,
    nodeImage: given('node-image'),
    nodeShellImage: given('node-shell-image'),
    workloadImage: given('workload-image'),
    focus: selectClaims(list(given('focus'))),
    skip: selectClaims(list(given('skip'))),
    claimsOnly: on('claims-only'),
    requireControls: on('require-controls'),
    reportsDir: reportDir ?? defaults.reportsDir,
    formats,
    allowDisruption: on('allow-disruption'),
    readOnly,
    verbose: on('verbose'),
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
  if (config.kubeconfig && !existsSync(config.kubeconfig))
    throw new UsageError(`kubeconfig ${config.kubeconfig} does not exist`);
  if (config.kubectl?.includes('/') && !existsSync(config.kubectl))
    throw new UsageError(`kubectl ${config.kubectl} (--kubectl) does not exist`);
  if (config.kindConfig && !existsSync(config.kindConfig))
    throw new UsageError(`kind configuration ${config.kindConfig} does not exist`);
}
