// The public GitHub Actions workflow cannot run here: keep it valid (actionlint, built from its Go
// module) and keep its steps the local commands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { $ } from 'zx';
import { LINE_IDS } from '../contract/lines.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const WORKFLOW = join(PACKAGE_ROOT, '.github/workflows/claims-matrix.yml');
const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';

describe('the GitHub Actions workflow', () => {
  test('passes actionlint', async () => {
    // Findings go to stdout; stderr carries go's own download and build messages on a first run.
    const r = await $({ nothrow: true, quiet: true, env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } })`go run ${ACTIONLINT} -no-color ${WORKFLOW}`;
    expect(r.stdout, 'actionlint findings').toBe('');
    expect(r.exitCode, r.stderr).toBe(0);
  }, 300_000);

  test('runs the local commands: npm scripts that exist, the matrix over every supported line', () => {
    const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, { steps: Array<{ run?: string }> }> };
    const scripts = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.map((s) => s.run).filter((r): r is string => !!r));
    for (const run of runs) {
      for (const [, name] of run.matchAll(/npm run ([\w:-]+)/g)) expect(scripts, `npm run ${name}`).toHaveProperty(name!);
    }
    const matrix = runs.find((r) => r.includes('npm run matrix'));
    expect(matrix).toContain(`--kubernetes ${LINE_IDS.join(',')}`);
  });
});
