// The import-structure check (`npm run lint:imports`: dependency-cruiser with .dependency-cruiser.js) passes
// on the package's tree and fails on a cycle and on an upward import. The failing trees are written to a
// temporary folder of this test's own, outside the package (no other test, tsc or ESLint run sees them), and
// checked there with the package's configuration; the folder is removed afterwards, whatever the outcome.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const DEPCRUISE = join(PACKAGE_ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const CONFIG = join(PACKAGE_ROOT, '.dependency-cruiser.js');

interface Checked {
  status: number | null;
  output: string;
}

function depcruise(cwd: string, args: string[]): Promise<Checked> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEPCRUISE, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 30_000,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

/** Small trees (path → source), each checked in a folder of its own. */
const TREES: Record<string, Record<string, string>> = {
  downward: {
    'contract/c.ts': 'export const c = 1;\n',
    'helpers/h.ts': "import { c } from '../contract/c.ts';\nexport const h = c;\n",
    'suites/s.ts': "import { h } from '../helpers/h.ts';\nexport const s = h;\n",
    'report/r.test.ts': "import { s } from '../suites/s.ts';\nexport const r = s;\n",
    'app/a.ts': "import { s } from '../suites/s.ts';\nimport { h } from '../helpers/h.ts';\nexport const a = s + h;\n",
    'bin/b.ts': "import { a } from '../app/a.ts';\nconsole.log(a);\n",
  },
  cycle: {
    'helpers/a.ts': "import { b } from './b.ts';\nexport const a = () => b();\n",
    'helpers/b.ts': "import { a } from './a.ts';\nexport const b = () => a();\n",
  },
  upward: {
    'helpers/h.ts': 'export const h = 1;\n',
    'contract/c.ts': "import { h } from '../helpers/h.ts';\nexport const c = h;\n",
  },
  suitesToKind: {
    'kind/k.ts': 'export const k = 1;\n',
    'suites/s.ts': "import { k } from '../kind/k.ts';\nexport const s = k;\n",
  },
  upwardTypeFromTest: {
    'app/config.ts': 'export interface RunConfig { runId: string }\n',
    'suites/x.test.ts':
      "import type { RunConfig } from '../app/config.ts';\nexport const id = (c: RunConfig) => c.runId;\n",
  },
};

describe('lint:imports', () => {
  let scratch: string;
  let pkg: Checked;
  const trees: Record<string, Checked> = {};

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'kc-lint-imports-'));
    // The package as `npm run lint:imports` checks it: the same arguments, not a copy of them.
    const scripts = (
      JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const [command, ...args] = scripts['lint:imports']!.split(/\s+/);
    expect(command).toBe('depcruise');
    const runs = Object.entries(TREES).map(async ([name, files]) => {
      const root = join(scratch, name);
      for (const [path, source] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), source);
      }
      const layers = [...new Set(Object.keys(files).map((path) => path.split('/')[0]!))];
      trees[name] = await depcruise(root, ['--config', CONFIG, ...layers]);
    });
    [pkg] = await Promise.all([depcruise(PACKAGE_ROOT, args), ...runs]);
  }, 60_000);
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  test('the package passes', () => {
    expect(pkg.output).toContain('no dependency violations found');
    expect(pkg.status).toBe(0);
  });

  test('imports down the layers, and across one, pass', () => {
    expect(trees.downward!.output).toContain('no dependency violations found');
    expect(trees.downward!.status).toBe(0);
  });

  test('a cycle fails, named by its rule', () => {
    expect(trees.cycle!.status).not.toBe(0);
    expect(trees.cycle!.output).toMatch(/error no-circular: helpers\/[ab]\.ts/);
  });

  test('an upward import fails, named by its rule', () => {
    expect(trees.upward!.status).not.toBe(0);
    expect(trees.upward!.output).toContain('error layer-contract-imports-upward: contract/c.ts → helpers/h.ts');
  });

  test('suites importing kind/ fails: the cluster contract serves them', () => {
    expect(trees.suitesToKind!.status).not.toBe(0);
    expect(trees.suitesToKind!.output).toContain('error suites-not-to-kind: suites/s.ts → kind/k.ts');
  });

  test('a test file importing a type from a higher layer fails too', () => {
    expect(trees.upwardTypeFromTest!.status).not.toBe(0);
    expect(trees.upwardTypeFromTest!.output).toContain(
      'error layer-suites-imports-upward: suites/x.test.ts → app/config.ts',
    );
  });
});
