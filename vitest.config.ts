// The test command (`npm test`): unit tests and the live claims, configured from the environment
// (KUBE_CLAIMS_* variables, see `npx kube-claims --help`), reported by the kube-claims reporter.
import { defineConfig } from 'vitest/config';
import { parseConfig } from './app/config.ts';
import { claimsProjects, unitProject } from './app/vitest-projects.ts';
import { exportDiagnostics } from './kind/providers/diagnostics.ts';
import KubeClaimsReporter from './report/vitest-reporter.ts';

const config = parseConfig(['verify'], process.env);

export default defineConfig({
  test: {
    projects: [unitProject(), ...claimsProjects(config)],
    // The kube-claims reporter first: it redacts what the reporters after it print, and prints last.
    reporters: [new KubeClaimsReporter({ runId: config.runId, reportsDir: config.reportsDir, formats: config.formats, diagnostics: exportDiagnostics }), 'default'],
  },
});
