// The two vitest projects: unit tests (pure checks on recorded observations, reports, helpers: no cluster)
// and the live claims (one cluster per run, given by the global setup or by `verify`). vitest.config.ts
// (the test command) and app/verify.ts build their runs from these.
import type { TestProjectInlineConfiguration } from 'vitest/config';
import type { RunConfig } from './config.ts';

declare module 'vitest' {
  interface ProvidedContext {
    /** The test command's configuration, for the global setup (verify provides the cluster itself). */
    config: RunConfig;
  }
}

export const UNIT_PROJECT = 'unit';
export const CLAIMS_PROJECT = 'claims';
export const ETCD_PROJECT = 'claims-etcd';
export const DISRUPTIVE_PROJECT = 'claims-disruptive';

export function unitProject(): TestProjectInlineConfiguration {
  return {
    test: {
      name: UNIT_PROJECT,
      include: ['{app,contract,helpers,kind,report,scripts}/**/*.test.ts', 'suites/checks/**/*.test.ts'],
      testTimeout: 60_000,
      // First: a broken helper shows before any cluster work.
      sequence: { groupOrder: 0 },
    },
  };
}

/** Files that observe etcd alone (etcdctl in the etcd pod, its keys, a lax etcd of the run): nothing the disruptive controls move. */
const ETCD_ONLY_FILES = ['suites/etcd/etcdctl.test.ts', 'suites/etcd/key-operations.test.ts'];

/**
 * The live claims, in two groups: first every claim and negative control that observes the control plane's
 * pods and containers, files in parallel; then (sequence.groupOrder) the controls that disturb the control
 * plane (a static pod moved, coredns scaled), and beside them the files that observe etcd alone, which
 * those controls do not touch. The first group's global setup provides the cluster to all (verify provides
 * it itself).
 */
export function claimsProjects(config: RunConfig): TestProjectInlineConfiguration[] {
  const common = { testTimeout: 120_000, hookTimeout: 120_000, isolate: false };
  // Without the negative controls nothing disturbs the control plane: the etcd files join the first group.
  const etcdBeside = !config.claimsOnly;
  return [
    {
      test: {
        ...common,
        name: CLAIMS_PROJECT,
        include: ['suites/**/*.test.ts'],
        exclude: ['suites/checks/**', 'suites/**/*.disruptive.test.ts', ...(etcdBeside ? ETCD_ONLY_FILES : [])],
        globalSetup: ['./suites/setup/cluster.global.ts'],
        provide: { config },
        // Files share the cluster but not their state: three run at once (the waits are the API server's, not the CPU's).
        // Files of a worker share its module graph (client-node, etcd3 are imported once per worker, not per file)
        // and its worker-scoped fixtures; what a file opens it closes in its file-scoped fixtures' teardown
        // (suites/fixtures.ts).
        maxWorkers: 3,
        sequence: { groupOrder: 1 },
      },
    },
    ...(etcdBeside ? [{
      // One group, one worker count (vitest requires it): a worker for each etcd file and one for the disruptive file.
      test: { ...common, name: ETCD_PROJECT, include: ETCD_ONLY_FILES, maxWorkers: 3, sequence: { groupOrder: 2 } },
    }] : []),
    {
      test: {
        ...common,
        name: DISRUPTIVE_PROJECT,
        include: ['suites/**/*.disruptive.test.ts'],
        maxWorkers: 3,
        sequence: { groupOrder: 2 },
      },
    },
  ];
}
