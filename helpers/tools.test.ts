import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, test } from 'vitest';
import { findOnPath, notOnPath, notStarted } from './tools.ts';

describe('programs on PATH', () => {
  test('execa says ENOENT for a program PATH does not have, and that is told from a failing program', async () => {
    const missing = await execa('kube-claims-no-such-tool', [], { reject: false });
    expect(notStarted(missing)).toBe(true);
    expect(notStarted(await execa('false', [], { reject: false }))).toBe(false);
    await expect(execa('kube-claims-no-such-tool', [])).rejects.toSatisfy(notStarted);
    expect(notOnPath('go')).toBe('`go` is not on PATH');
  });
  test("the first executable of the name in PATH's order; a file without x is passed over", () => {
    const a = mkdtempSync(join(tmpdir(), 'kc-path-'));
    const b = mkdtempSync(join(tmpdir(), 'kc-path-'));
    writeFileSync(join(a, 'kubectl'), '#!/bin/sh\n');
    writeFileSync(join(b, 'kubectl'), '#!/bin/sh\n');
    chmodSync(join(b, 'kubectl'), 0o755);
    expect(findOnPath('kubectl', `${a}:${b}`)).toBe(join(b, 'kubectl'));
    chmodSync(join(a, 'kubectl'), 0o755);
    expect(findOnPath('kubectl', `${a}:${b}`)).toBe(join(a, 'kubectl'));
    expect(findOnPath('kubectl', '/nonexistent')).toBeUndefined();
    expect(findOnPath(join(b, 'kubectl'), '')).toBe(join(b, 'kubectl'));
  });
});
