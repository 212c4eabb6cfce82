// `npx kube-claims` works in a fresh checkout after `npm ci`, with nothing built: the package's bin is a
// JavaScript shim that runs the TypeScript in a checkout and dist/ when installed (npm pack ships the shim).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  files: string[];
};

describe('the kube-claims command', () => {
  test('is the shim, which the package ships beside dist/', () => {
    expect(pkg.bin['kube-claims']).toBe('bin/kube-claims.js');
    expect(pkg.files).toContain('bin/kube-claims.js');
    expect(pkg.files).toContain('dist/');
  });
  test("runs the checkout's TypeScript without a build", () => {
    const out = execFileSync(process.execPath, [join(PACKAGE_ROOT, 'bin/kube-claims.js'), '--help'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(out).toMatch(/^usage: kube-claims <command>/);
  }, 30_000);
});
