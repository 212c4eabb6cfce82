import { defineConfig } from 'vitest/config';
import { runId } from './lib/run-id.ts';

// Fixed here, in the main process, so globalSetup, workers and reporters share it.
runId();

export default defineConfig({
  test: {
    include: ['suites/**/*.test.ts', 'helpers/**/*.test.ts', 'report/**/*.test.ts', 'kind/**/*.test.ts', 'scripts/**/*.test.ts'],
    globalSetup: ['./suites/setup/cluster.global.ts'],
    // Claims share one cluster; files run one after another so that a heavy claim
    // (kubectl proxy, redis) does not starve another's timeouts on two cores.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 900_000,
    // The kube-claims reporter first: it redacts what the reporters after it print, and prints last.
    reporters: ['./report/vitest-reporter.ts', 'default'],
  },
});
