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

export function unitProject(): TestProjectInlineConfiguration {
  return {
    test: {
      name: UNIT_PROJECT,
      include: ['{app,contract,environment,lib,report,scripts}/**/*.test.ts', 'suites/checks/**/*.test.ts'],
      testTimeout: 60_000,
    },
  };
}

export function claimsProject(config: RunConfig): TestProjectInlineConfiguration {
  return {
    test: {
      name: CLAIMS_PROJECT,
      include: ['suites/**/*.test.ts'],
      exclude: ['suites/checks/**'],
      globalSetup: ['./suites/setup/cluster.global.ts'],
      provide: { config },
      // Files share the cluster but not their state: two run at once (the waits are the API server's, not the CPU's).
      maxWorkers: 2,
      testTimeout: 120_000,
      // Hooks never wait for the cluster (the global setup did what must be waited for): bounded like tests.
      hookTimeout: 120_000,
    },
  };
}
