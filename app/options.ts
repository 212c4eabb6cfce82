// The CLI's options, each declared once: its flag (and short flag), its environment variable, its type,
// default, help text and the commands it applies to. parseArgs' options, `--help` (USAGE), the
// ENVIRONMENT_VARIABLES map and docs/configuration.md (`npm run docs`) are all generated from this table;
// app/config.ts reads each value through it. A new option is one entry here (then its use in parseConfig).
import { GROUPS } from '../contract/catalogue.ts';
import { DEFAULT_LINE, describeLine, LINE_IDS, LINES } from '../contract/lines.ts';
import { DEFAULT_TOPOLOGY, TOPOLOGIES, TOPOLOGY_IDS } from '../contract/topology.ts';
import { EXIT, EXIT_CODE_HELP } from '../contract/exit-codes.ts';

export const COMMANDS = {
  verify: 'provision (or reuse) a kind cluster, or take --kubeconfig, check every claim, write the reports',
  matrix: 'verify on several Kubernetes lines, one cluster at a time, and merge the runs into one report',
  'matrix merge DIR…': 'merge finished runs (reports/RUN-ID folders) into a matrix report',
  list: 'print the claims catalogue',
  'host prepare': 'install/start what kube-claims needs on this machine (Docker engine, kind)',
  'image build': 'build the offline kind node image of --kubernetes',
  'cluster up|down': 'bring the named kind cluster up, or delete it',
  rbac: 'print (YAML) the ServiceAccount, roles and bindings a run needs; its own options: --service-account NS/NAME, --read-only',
} as const;

/** The commands an option applies to, as the docs name them. */
export type CommandName =
  | 'verify'
  | 'matrix'
  | 'matrix merge'
  | 'list'
  | 'host prepare'
  | 'image build'
  | 'cluster up'
  | 'cluster down'
  | 'all';

export interface OptionSpec {
  /** The long flag without `--`; absent for a setting made by environment variable only. */
  readonly flag?: string;
  readonly short?: string;
  /** The value's placeholder in --help (V, FILE, LIST); absent for a boolean flag. */
  readonly value?: string;
  /** The KUBE_CLAIMS_* variable; a boolean's is set with 1 (or true). */
  readonly env?: string;
  /** The default, as the docs say it. */
  readonly default: string;
  /** The help text: the first line beside the flag in --help, the rest below it. */
  readonly help: readonly string[];
  readonly commands: readonly CommandName[];
}

const RUNS: CommandName[] = ['verify', 'matrix'];
const KIND: CommandName[] = ['verify', 'matrix', 'cluster up'];

export const OPTIONS = [
  {
    flag: 'kubernetes',
    value: 'V',
    env: 'KUBE_CLAIMS_K8S_VERSION',
    default: DEFAULT_LINE,
    commands: [...KIND, 'image build'],
    help: [
      `Kubernetes line or version: ${LINE_IDS.map((l) => describeLine(LINES[l])).join(', ')}; default ${DEFAULT_LINE}.`,
      'matrix: a comma list (default the released lines; a pre-release line only when named).',
      'With --kubeconfig: the version the cluster is expected to run.',
    ],
  },
  {
    flag: 'name',
    value: 'NAME',
    env: 'KUBE_CLAIMS_CLUSTER',
    default: 'kube-claims',
    commands: [...KIND, 'cluster down'],
    help: ['kind cluster name (default kube-claims)'],
  },
  {
    flag: 'topology',
    value: 'T',
    env: 'KUBE_CLAIMS_TOPOLOGY',
    default: DEFAULT_TOPOLOGY,
    commands: KIND,
    help: [
      `shape of the kind cluster: ${TOPOLOGY_IDS.map((t) => `${t} (${TOPOLOGIES[t].description})`).join('; ')};`,
      `default ${DEFAULT_TOPOLOGY}. matrix: a comma list (each line on each topology).`,
    ],
  },
  {
    flag: 'kind-config',
    value: 'FILE',
    env: 'KUBE_CLAIMS_KIND_CONFIG',
    default: '(none)',
    commands: KIND,
    help: ['your own kind configuration (its nodes and settings; kube-claims sets name and image)'],
  },
  {
    flag: 'kubeconfig',
    value: 'FILE',
    env: 'KUBE_CLAIMS_KUBECONFIG',
    default: '(none: a kind cluster of its own)',
    commands: ['verify'],
    help: ['check an existing cluster instead of a kind cluster of kube-claims'],
  },
  {
    flag: 'context',
    value: 'NAME',
    env: 'KUBE_CLAIMS_CONTEXT',
    default: 'the current context',
    commands: ['verify'],
    help: ['kubeconfig context (with --kubeconfig)'],
  },
  {
    flag: 'kubectl',
    value: 'PATH',
    env: 'KUBE_CLAIMS_KUBECTL',
    default: "PATH's within one minor of the server, else built",
    commands: RUNS,
    help: ["the kubectl to run (default: PATH's when within one minor of the server, else built)"],
  },
  {
    flag: 'keep',
    env: 'KUBE_CLAIMS_KEEP_CLUSTER',
    default: 'off',
    commands: RUNS,
    help: ['keep a kind cluster this run created'],
  },
  {
    flag: 'image-source',
    value: 'S',
    env: 'KUBE_CLAIMS_IMAGE_SOURCE',
    default: 'auto',
    commands: KIND,
    help: ['auto (default: kindest/node when present or pullable, else the offline build), offline, upstream'],
  },
  {
    flag: 'node-image',
    value: 'REF',
    env: 'KUBE_CLAIMS_NODE_IMAGE',
    default: '(chosen by --image-source)',
    commands: KIND,
    help: ['use this node image as it is (e.g. kindest/node:v1.34.0@sha256:...)'],
  },
  {
    flag: 'node-shell-image',
    value: 'R',
    env: 'KUBE_CLAIMS_NODE_SHELL_IMAGE',
    default: 'one the node already has',
    commands: ['verify'],
    help: ['image for the node-shell pod on other clusters (default: one the node already has)'],
  },
  {
    flag: 'workload-image',
    value: 'R',
    env: 'KUBE_CLAIMS_WORKLOAD_IMAGE',
    default: 'one the node has, else redis:7',
    commands: RUNS,
    help: ["redis image for the article's StatefulSet on other clusters (default: one the node has, else redis:7)"],
  },
  {
    flag: 'allow-disruption',
    env: 'KUBE_CLAIMS_ALLOW_DISRUPTION',
    default: 'off',
    commands: ['verify'],
    help: [
      'on clusters kube-claims did not make, also run the negative controls that grant rights,',
      'move static pods or scale system components (held back by default)',
    ],
  },
  {
    flag: 'read-only',
    env: 'KUBE_CLAIMS_READ_ONLY',
    default: 'off',
    commands: ['verify'],
    help: [
      'write nothing to the cluster (needs --kubeconfig): no lease, workload, node shell or leftover',
      'removal; every claim and control that needs a write is unchecked, naming it',
    ],
  },
  {
    flag: 'focus',
    value: 'LIST',
    env: 'KUBE_CLAIMS_FOCUS',
    default: 'every claim',
    commands: RUNS,
    help: [`only these claim IDs or groups (${Object.keys(GROUPS).join(', ')}), comma-separated`],
  },
  {
    flag: 'skip',
    value: 'LIST',
    env: 'KUBE_CLAIMS_SKIP',
    default: '(none)',
    commands: RUNS,
    help: ['leave out these claim IDs or groups'],
  },
  {
    flag: 'claims-only',
    default: 'off',
    commands: RUNS,
    help: ['the claims without their negative controls (quicker; the controls prove each check can fail)'],
  },
  {
    flag: 'require-controls',
    env: 'KUBE_CLAIMS_REQUIRE_CONTROLS',
    default: 'off (on in npm test)',
    commands: RUNS,
    help: [
      'exit 3 when a claim passed but none of its negative controls ran and passed (held back, not',
      'staged, not applicable, --claims-only): it was not falsified in this run',
    ],
  },
  {
    flag: 'report-dir',
    value: 'DIR',
    env: 'KUBE_CLAIMS_REPORTS',
    default: 'reports/',
    commands: [...RUNS, 'matrix merge'],
    help: [
      'parent folder of the RUN-ID report folders (default reports/ of the checkout, or of the',
      'working directory when installed)',
    ],
  },
  {
    flag: 'formats',
    value: 'LIST',
    env: 'KUBE_CLAIMS_FORMATS',
    default: 'junit,json,md,html',
    commands: RUNS,
    help: ['junit,json,md,html (default all), or none'],
  },
  {
    flag: 'verbose',
    short: 'v',
    env: 'KUBE_CLAIMS_VERBOSE',
    default: 'off',
    commands: ['all'],
    help: ['more progress detail'],
  },
  { flag: 'help', short: 'h', default: '', commands: ['all'], help: ['this text'] },
  { env: 'KUBE_CLAIMS_RUN_ID', default: 'a new one', commands: RUNS, help: ['the run ID; a new one by default'] },
  {
    env: 'KUBE_CLAIMS_CACHE',
    default: '~/.cache/kube-claims',
    commands: ['all'],
    help: ['the build cache; ~/.cache/kube-claims'],
  },
  {
    env: 'KUBE_CLAIMS_STATE',
    default: '.kube-claims/ of the checkout',
    commands: ['all'],
    help: [
      'kubeconfigs and logs of kind clusters; .kube-claims/ of the checkout, or $XDG_STATE_HOME/kube-claims (~/.local/state/kube-claims) when installed',
    ],
  },
  {
    env: 'KUBE_CLAIMS_NODE_REPO',
    default: 'kube-claims/node',
    commands: KIND,
    help: ['repository of the offline node image; kube-claims/node'],
  },
  {
    env: 'KUBE_CLAIMS_DEBIAN_MIRROR',
    default: 'http://deb.debian.org/debian',
    commands: [...KIND, 'image build'],
    help: ['Debian mirror of the offline images; http://deb.debian.org/debian'],
  },
] as const satisfies readonly OptionSpec[];

type Spec = (typeof OPTIONS)[number];
type FlagSpec = Extract<Spec, { flag: string }>;
export type FlagName = FlagSpec['flag'];
/** What parseArgs gives for each flag: a string for one that takes a value, a boolean otherwise. */
export type FlagValues = { [S in FlagSpec as S['flag']]?: S extends { value: string } ? string : boolean };
export type EnvName = Extract<Spec, { env: string }>['env'];

/** parseArgs' options, from the table. */
export function parseArgsOptions(): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    (OPTIONS as readonly OptionSpec[])
      .filter((o) => o.flag)
      .map((o) => [o.flag!, { type: o.value ? 'string' : 'boolean', ...(o.short ? { short: o.short } : {}) }]),
  );
}

/** The variable of a flag, if it has one. */
export function envOf(flag: FlagName): string | undefined {
  return (OPTIONS as readonly OptionSpec[]).find((o) => o.flag === flag)?.env;
}

const flagText = (o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${o.flag}${o.value ? ` ${o.value}` : ''}`;

/** Each variable and what it sets: the flag (with `(1)` for a boolean), or the setting it is. */
export const ENVIRONMENT_VARIABLES: Record<string, string> = Object.fromEntries(
  (OPTIONS as readonly OptionSpec[])
    .filter((o) => o.env)
    .map((o) => [o.env!, o.flag ? `--${o.flag}${o.value ? '' : ' (1)'}` : `(${o.help.join(' ')})`]),
);

/** `kube-claims --help`. */
export function usage(): string {
  const commands = Object.entries(COMMANDS).map(([name, text]) => `  ${name.padEnd(17)} ${text}`);
  const options = (OPTIONS as readonly OptionSpec[])
    .filter((o) => o.flag)
    .flatMap((o) => {
      const text = flagText(o);
      return o.help.map((line, i) => `  ${(i === 0 ? text : '').padEnd(21)} ${line}`);
    });
  const exits = Object.entries(EXIT_CODE_HELP)
    .map(([code, text]) => `${code} ${text}`)
    .join('; ');
  return [
    'usage: kube-claims <command> [options]',
    '',
    'commands:',
    ...commands,
    '',
    'options:',
    ...options,
    '',
    `Environment variables (flags win): ${Object.entries(ENVIRONMENT_VARIABLES)
      .map(([k, v]) => `${k} ${v}`)
      .join('; ')}.`,
    '',
    `Exit codes: ${exits}. (\`kube-claims\` alone prints this and exits ${EXIT.USAGE_OR_ENVIRONMENT}.)`,
  ].join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** docs/configuration.md, generated (`npm run docs`); scripts/docs.test.ts fails when the committed file differs. */
export function configurationMarkdown(): string {
  const rows = (OPTIONS as readonly OptionSpec[]).map(
    (o) =>
      `| ${o.flag ? `\`${flagText(o)}\`` : ''} | ${o.env ? `\`${o.env}\`${o.flag && !o.value ? '=1' : ''}` : ''} | ${o.value ? 'string' : o.flag ? 'boolean' : 'string'} | ${cell(o.default)} | ${o.commands.join(', ')} | ${cell(o.help.join(' '))} |`,
  );
  return [
    '<!-- Generated by `npm run docs` from app/options.ts: edit that table, not this file. -->',
    '# Configuration',
    '',
    'Flags win over environment variables, which win over the defaults. `app/config.ts` is the only module that',
    'reads them, and it validates everything before any work starts: an unknown flag, format, claim, group,',
    'topology or version is a usage error (exit 2) with a one-line reason.',
    '',
    '## Commands',
    '',
    '| command | what it does |',
    '|---|---|',
    ...Object.entries(COMMANDS).map(([name, text]) => `| \`${cell(name)}\` | ${cell(text)} |`),
    '',
    '## Options and environment variables',
    '',
    '| flag | variable | type | default | commands | what it does |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    '## Exit codes',
    '',
    '| code | name | meaning |',
    '|---|---|---|',
    ...Object.entries(EXIT).map(([name, code]) => `| ${code} | \`${name}\` | ${cell(EXIT_CODE_HELP[code])} |`),
    '',
  ].join('\n');
}
