// The import-structure check (`npm run lint:imports`: dependency-cruiser with .dependency-cruiser.js) passes
// on the package's tree and fails on a cycle and on an upward import. The failing trees are written to a
// temporary folder of this test's own, outside the package (no other test, tsc or ESLint run sees them), and
// checked there with the package's configuration; the folder is removed afterwards, whatever the outcome.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const DEPCRUISE = join(PACKAGE_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const CONFIG = join(PACKAGE_ROOT, '.dependency-cruiser.js');

function depcruise(cwd: string, args: string[]) {
  const run = spawnSync(process.execPath, [DEPCRUISE, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 30_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('lint:imports', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'kc-lint-imports-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Writes `files` (path → source) under a folder of its own and checks it as the package is checked. */
  function check(name: string, files: Record<string, string>) {
    const root = join(scratch, name);
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), source);
    }
    const layers = [...new Set(Object.keys(files).map((path) => path.split('/')[0]!))];
    return depcruise(root, ['--config', CONFIG, ...layers]);
  }

  test('the package passes, checked as `npm run lint:imports` checks it', () => {
    const scripts = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const [command, ...args] = scripts['lint:imports']!.split(/\s+/);
    expect(command).toBe('depcruise');
    const run = depcruise(PACKAGE_ROOT, args);
    expect(run.output).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  });

  test('imports down the layers, and across one, pass', () => {
    const run = check('downward', {
      'contract/c.ts': 'export const c = 1;\n',
      'helpers/h.ts': "import { c } from '../contract/c.ts';\nexport const h = c;\n",
      'suites/s.ts': "import { h } from '../helpers/h.ts';\nexport const s = h;\n",
      'report/r.test.ts': "import { s } from '../suites/s.ts';\nexport const r = s;\n",
      'app/a.ts': "import { s } from '../suites/s.ts';\nimport { h } from '../helpers/h.ts';\nexport const a = s + h;\n",
      'bin/b.ts': "import { a } from '../app/a.ts';\nconsole.log(a);\n",
    });
    expect(run.output).toContain('no dependency violations found');
    expect(run.status).toBe(0);
  });

  test('a cycle fails, named by its rule', () => {
    const run = check('cycle', {
      'helpers/a.ts': "import { b } from './b.ts';\nexport const a = () => b();\n",
      'helpers/b.ts': "import { a } from './a.ts';\nexport const b = () => a();\n",
    });
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/error no-circular: helpers\/[ab]\.ts/);
  });

  test('an upward import fails, named by its rule', () => {
    const run = check('upward', {
      'helpers/h.ts': 'export const h = 1;\n',
      'contract/c.ts': "import { h } from '../helpers/h.ts';\nexport const c = h;\n",
    });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('error layer-contract-imports-upward: contract/c.ts → helpers/h.ts');
  });

  test('a test file importing a type from a higher layer fails too', () => {
    const run = check('upward-test', {
      'app/config.ts': 'export interface RunConfig { runId: string }\n',
      'suites/x.test.ts': "import type { RunConfig } from '../app/config.ts';\nexport const id = (c: RunConfig) => c.runId;\n",
    });
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('error layer-suites-imports-upward: suites/x.test.ts → app/config.ts');
  });
});
