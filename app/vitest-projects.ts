// The one vitest wiring of kube-claims: the projects, the claim tags and their filter, the reporter and
// the session's values. The test command (vitest.config.ts) and `verify` (app/verify.ts) both build their
// run from vitestOptions, so `npm test` and `verify` select, run and report the same way; provideSession
// is the one place that hands a session's cluster to the tests.
import type { RunNodeFiles } from '../contract/node-files.ts';
import type { RunNodeBinaries } from '../suites/node-binaries.ts';
import { fileURLToPath } from 'node:url';
import type { TestProjectInlineConfiguration, TestTagDefinition } from 'vitest/config';
import type { Reporter, Vitest } from 'vitest/node';
import { CLAIM_TAG, CLAIM_TAGS as CATALOGUE_TAGS, NEGATIVE_CONTROL_TAG } from '../contract/catalogue.ts';
import { MODULE_EXTENSION as EXT } from '../contract/package-root.ts';
import type { ClusterInfo, RunContext } from '../contract/cluster.ts';
import { exportDiagnostics } from '../kind/providers/diagnostics.ts';
import type { EnvironmentFacts } from '../kind/providers/facts.ts';
import KubeClaimsReporter from '../report/vitest-reporter.ts';
import { selectedClaims, type RunConfig } from './config.ts';
import TouchSequencer from './touch-sequencer.ts';

declare module 'vitest' {
  interface ProvidedContext {
    /** The test command's configuration, for the global setup (verify provides the cluster itself). */
    config: RunConfig;
  }
}

export const UNIT_PROJECT = 'unit';
export const CLAIMS_PROJECT = 'claims';
export const HA_PROJECT = 'claims-ha-disruptive';
export const ACCOUNTS_PROJECT = 'accounts';
/** kube-claims run again through --kubeconfig with other credentials, after every claim (npm test only). */
const ACCOUNTS_FILES = `suites/accounts/*.live.test${EXT}`;
/** The controls of a highly available control plane (registered on clusters of several control planes only). */
const HA_FILES = `suites/**/*.ha.disruptive.test${EXT}`;

/**
 * Every test of a claim carries the tag `claim` or `negative-control` and the claim's catalogue ID
 * (suites/claim.ts), from the catalogue entry it is defined for: selection goes by that, never by test names.
 */
export const CLAIM_TAGS: TestTagDefinition[] = [...CATALOGUE_TAGS];

/**
 * vitest's tags filter for --focus, --skip and --claims-only. Tests that belong to no claim (the unit
 * tests) always run; a filter holds for claim tests only.
 */
export function claimTagsFilter(config: Pick<RunConfig, 'focus' | 'skip' | 'claimsOnly'>): string[] | undefined {
  const notAClaim = `!(${CLAIM_TAG} || ${NEGATIVE_CONTROL_TAG})`;
  const anyOf = (ids: string[]) => `(${ids.join(' || ')})`;
  const filters: string[] = [];
  if (config.focus.length) filters.push(`${notAClaim} || ${anyOf(config.focus.map((c) => c.id))}`);
  if (config.skip.length) filters.push(`${notAClaim} || !${anyOf(config.skip.map((c) => c.id))}`);
  if (config.claimsOnly) filters.push(`!${NEGATIVE_CONTROL_TAG}`);
  return filters.length ? filters : undefined;
}

function unitProject(): TestProjectInlineConfiguration {
  return {
    test: {
      name: UNIT_PROJECT,
      include: ['{app,contract,helpers,kind,report,scripts}/**/*.test.ts', 'suites/checks/**/*.test.ts'],
      testTimeout: 60_000,
      tags: CLAIM_TAGS,
      // First: a broken helper shows before any cluster work.
      sequence: { groupOrder: 0 },
    },
  };
}

const CLUSTER_SETUP = fileURLToPath(new URL(`./cluster-setup${EXT}`, import.meta.url));

/**
 * The live claims and their negative controls, disruptive or not, in one pool of three reused workers: modules load
 * once per worker per run. What may run at once is not a matter of groups: each test declares the cluster state it
 * reads and a disruptive control the state it disturbs (contract/touches.ts), and the run's scheduler (started by
 * the global setup, helpers/touches.ts) holds back a test while a running one conflicts with it. The global setup
 * also provides the cluster to all (verify provides it itself). On a cluster of several control planes the HA
 * controls follow, last and alone: they stop an API server or an etcd member that every other test talks to.
 */
function claimsProjects(config: RunConfig): TestProjectInlineConfiguration[] {
  const common = { testTimeout: 120_000, hookTimeout: 120_000, isolate: false, tags: CLAIM_TAGS };
  return [
    {
      test: {
        ...common,
        name: CLAIMS_PROJECT,
        include: [`suites/**/*.test${EXT}`],
        exclude: ['suites/checks/**', ACCOUNTS_FILES, HA_FILES],
        globalSetup: [CLUSTER_SETUP],
        provide: { config },
        // Files share the cluster but not their state: three run at once (the waits are the API server's, not the
        // CPU's). Files of a worker share its module graph (client-node, etcd3 are imported once per worker, not per
        // file) and its worker-scoped fixtures; what a file opens it closes in its file-scoped fixtures' teardown
        // (suites/fixtures.ts).
        maxWorkers: 3,
        sequence: { groupOrder: 1 },
      },
    },
    // Without the negative controls the HA project is left out: vitest would import and collect its files to run
    // nothing.
    ...(config.claimsOnly
      ? []
      : [
          {
            test: { ...common, name: HA_PROJECT, include: [HA_FILES], maxWorkers: 1, sequence: { groupOrder: 2 } },
          },
        ]),
  ];
}

/**
 * After every claim and control (alone: its runs of kube-claims would see a control's deviation): the test
 * command's check that other credentials and fewer rights give the outcomes users are promised.
 */
function accountsProject(): TestProjectInlineConfiguration {
  return {
    test: {
      name: ACCOUNTS_PROJECT,
      include: [ACCOUNTS_FILES],
      testTimeout: 180_000,
      hookTimeout: 120_000,
      maxWorkers: 1,
      sequence: { groupOrder: 3 },
    },
  };
}

export interface VitestOptions {
  projects: TestProjectInlineConfiguration[];
  /** The order the live files start in, from what their tests touch (app/touch-sequencer.ts). */
  sequence: { sequencer: typeof TouchSequencer };
  tags: TestTagDefinition[];
  tagsFilter: string[] | undefined;
  reporters: Array<Reporter | 'default'>;
  /** The kube-claims reporter of the run: its `model` holds the results once the run ended. */
  reporter: KubeClaimsReporter;
}

/** The run's vitest options: `npm test` with the unit project first, `verify` with the live claims only. */
export function vitestOptions(config: RunConfig, { unit }: { unit: boolean }): VitestOptions {
  const reporter = new KubeClaimsReporter({
    runId: config.runId,
    reportsDir: config.reportsDir,
    formats: config.formats,
    diagnostics: exportDiagnostics,
    selected: selectedClaims(config).map((c) => c.id),
    negativeControls: !config.claimsOnly,
    // The test command's exit code says unchecked (3) as verify's does; verify sets its own.
    ...(unit ? { setExitCode: { requireControls: config.requireControls } } : {}),
  });
  return {
    projects: [...(unit ? [unitProject()] : []), ...claimsProjects(config), ...(unit ? [accountsProject()] : [])],
    sequence: { sequencer: TouchSequencer },
    tags: CLAIM_TAGS,
    tagsFilter: claimTagsFilter(config),
    // The kube-claims reporter first: it redacts what the reporters after it print, and prints last.
    reporters: [reporter, 'default'],
    reporter,
  };
}

export interface SessionValues {
  cluster: ClusterInfo;
  run: RunContext;
  facts: EnvironmentFacts;
  nodeFiles?: RunNodeFiles;
  runBinaries?: RunNodeBinaries;
}

/** Hands the session's cluster, run and environment to every project of the run. */
export function provideSession(vitest: Pick<Vitest, 'provide'>, session: SessionValues): void {
  vitest.provide('cluster', session.cluster);
  vitest.provide('run', session.run);
  vitest.provide('environment', session.facts);
  if (session.nodeFiles) vitest.provide('nodeFiles', session.nodeFiles);
  if (session.runBinaries) vitest.provide('runBinaries', session.runBinaries);
}
