// The one-exec read of a node's files (helpers/node-files.ts): its script run by this machine's sh on a folder of
// its own (GNU stat and ls, as on a kind node), and its framing parsed.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NODE_FILES_SCRIPT, parseNodeFiles } from './node-files.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'kc-node-files-'));
  await writeFile(join(root, 'admin.conf'), 'apiVersion: v1\nkind: Config\n');
  await chmod(join(root, 'admin.conf'), 0o600);
  await writeFile(join(root, 'no-newline.conf'), 'last line without newline');
  await chmod(join(root, 'no-newline.conf'), 0o644);
  await writeFile(join(root, 'empty.conf'), '');
  await mkdir(join(root, 'manifests'), { mode: 0o755 });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const run = async (entries: string[], files: string[]) => {
  const r = await execa('sh', ['-c', NODE_FILES_SCRIPT, 'read', root, ...entries, '--', ...files]);
  expect(r.exitCode).toBe(0);
  return parseNodeFiles(r.stdout, files);
};

describe('readNodeFiles reads stat, listing and texts in one exec', () => {
  test('texts exactly as stored; a missing file is null, not empty', async () => {
    const f = (n: string) => join(root, n);
    const got = await run(
      [f('admin.conf'), f('manifests'), f('pki')],
      [f('admin.conf'), f('no-newline.conf'), f('empty.conf'), f('missing.conf')],
    );
    expect(got.texts).toEqual({
      [f('admin.conf')]: 'apiVersion: v1\nkind: Config\n',
      [f('no-newline.conf')]: 'last line without newline',
      [f('empty.conf')]: '',
      [f('missing.conf')]: null,
    });
    // stat prints the entries that exist, with their modes; pki/ is missing and has no line.
    expect(got.stat.trim().split('\n')).toEqual([
      `600|regular file|${f('admin.conf')}`,
      `755|directory|${f('manifests')}`,
    ]);
    expect(got.listing).toMatch(/^-rw-r--r-- .* no-newline\.conf$/m);
  });

  test('output that is not framed as asked is refused, naming the files', () => {
    expect(() => parseNodeFiles('stat\0listing\0text', ['/etc/kubernetes/admin.conf'])).toThrow(
      /reading \/etc\/kubernetes\/admin\.conf gave 0 framed file/,
    );
    expect(() => parseNodeFiles('stat\0listing\0text\0?\0', ['/a'])).toThrow(/framed file/);
  });
});
