// CONTRIBUTING.md's walkthrough stays true: its code blocks (marked `file=PATH` or `insert=PATH` after the
// language) are written into a copy of the tree, which must then type-check, and whose unit test of the
// example check and catalogue test (every claim has its claim test and a negative control) must pass.
// The walkthrough speaks the findings API of suites/differences.ts (finding(), expectDifference by check);
// until that API is in the tree the test is skipped, saying so.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

interface Block {
  lang: string;
  action: 'file' | 'insert';
  path: string;
  code: string;
}

/** The walkthrough's blocks: ```LANG file=PATH (a new file) or ```LANG insert=PATH (into an existing one). */
function walkthroughBlocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w+) (file|insert)=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1]!,
    action: m[2] as Block['action'],
    path: m[3]!,
    code: m[4]!,
  }));
}

/** Where an `insert` block goes: catalogue entries open the claims list. */
const INSERT_AFTER: Record<string, string> = {
  'contract/catalogue.ts': 'const claims = [\n',
  'contract/rights.ts': 'export const CLAIM_RIGHTS: Record<ClaimId, ClaimRights> = {\n',
};

const contributing = readFileSync(join(PACKAGE_ROOT, 'CONTRIBUTING.md'), 'utf8');
const blocks = walkthroughBlocks(contributing);
const findingsApi = /export function finding\(/.test(readFileSync(join(PACKAGE_ROOT, 'suites/differences.ts'), 'utf8'));
const copies: string[] = [];
afterAll(() => {
  for (const c of copies) rmSync(c, { recursive: true, force: true });
});

/** The tree's sources, with node_modules linked, and the walkthrough applied. */
function treeWithWalkthrough(): string {
  const root = mkdtempSync(join(tmpdir(), 'kc-contributing-'));
  copies.push(root);
  for (const entry of [
    'app',
    'bin',
    'contract',
    'helpers',
    'kind',
    'report',
    'scripts',
    'suites',
    'package.json',
    'tsconfig.json',
    'vitest.config.ts',
  ]) {
    cpSync(join(PACKAGE_ROOT, entry), join(root, entry), { recursive: true });
  }
  symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(root, 'node_modules'));
  for (const b of blocks) {
    const target = join(root, b.path);
    if (b.action === 'file') {
      expect(existsSync(target), `${b.path} of the walkthrough is a new file`).toBe(false);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, b.code);
    } else {
      const anchor = INSERT_AFTER[b.path];
      const text = readFileSync(target, 'utf8');
      expect(anchor && text.includes(anchor), `where to insert into ${b.path}`).toBeTruthy();
      writeFileSync(target, text.replace(anchor!, `${anchor}${b.code}`));
    }
  }
  return root;
}

describe("CONTRIBUTING.md's walkthrough", () => {
  test('has the blocks of every step: catalogue entry, its rights, fixture, check, its unit test, the live tests', () => {
    expect(blocks.map((b) => b.path)).toEqual([
      'contract/catalogue.ts',
      'contract/rights.ts',
      expect.stringMatching(/^suites\/checks\/fixtures\//),
      expect.stringMatching(/^suites\/checks\/[^/]+\.ts$/),
      expect.stringMatching(/^suites\/checks\/[^/]+\.test\.ts$/),
      expect.stringMatching(/^suites\/[^/]+\.test\.ts$/),
    ]);
    const live = blocks.at(-1)!.code;
    expect(live).toMatch(/\bclaim\('/);
    expect(live).toMatch(/\bnegativeControl\('[^']+', '[^']+', '(live|copy|recorded)'/);
  });

  test.skipIf(!findingsApi)(
    'applied to a copy of the tree, it type-checks and its unit tests pass (needs the findings API of suites/differences.ts)',
    () => {
      const root = treeWithWalkthrough();
      const node = process.execPath;
      const run = (args: string[]) =>
        execFileSync(node, args, {
          cwd: root,
          encoding: 'utf8',
          stdio: 'pipe',
          env: { ...process.env, NO_COLOR: '1' },
        });
      try {
        run([join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
      } catch (e) {
        throw new Error(
          `the tree with the walkthrough does not type-check:\n${(e as { stdout?: string }).stdout ?? e}`,
          { cause: e },
        );
      }
      const check = blocks.find((b) => /^suites\/checks\/.+\.test\.ts$/.test(b.path))!.path;
      let out: string;
      try {
        out = run([
          join(root, 'node_modules/vitest/vitest.mjs'),
          'run',
          '--project',
          'unit',
          check,
          'contract/catalogue.test.ts',
        ]);
      } catch (e) {
        throw new Error(`the walkthrough's unit tests fail:\n${(e as { stdout?: string }).stdout ?? e}`, { cause: e });
      }
      expect(out).toMatch(/ 0 failed/);
    },
    300_000,
  );
});
