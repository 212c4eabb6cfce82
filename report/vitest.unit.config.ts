// Unit tests only (helpers and reports): no cluster global setup, so they run anywhere, before a cluster exists.
//   npm run test:unit
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { runId } from '../lib/run-id.ts';

runId();

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['report/**/*.test.ts', 'helpers/**/*.test.ts', 'kind/**/*.test.ts', 'scripts/**/*.test.ts'],
    reporters: ['./report/vitest-reporter.ts', 'default'],
  },
});
