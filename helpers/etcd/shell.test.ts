// The long-lived shell's framing, run by a local bash in POSIX mode (the etcd image's /bin/sh is bash in POSIX mode,
// ETCD-15): each command's stdout, stderr and exit status come back exactly, one command after the other.
import { spawn } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { commandLine, DRIVER, framable, unframe } from './shell.ts';

/** Feeds command lines to one driver shell and collects each framed result in turn. */
async function inLocalShell(commands: Array<{ argv: string[]; env?: Record<string, string> }>) {
  const sh = spawn('bash', ['--posix', '-c', DRIVER], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
  sh.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const results = [];
  for (const [i, c] of commands.entries()) {
    const mark = `kube-claims-frame-test-${i}`;
    [out, err] = ['', ''];
    sh.stdin.write(`${commandLine(c.argv, c.env ?? {}, mark)}\n`);
    for (let t = 0; t < 200 && !unframe(out, err, mark); t++) await new Promise((r) => setTimeout(r, 10));
    results.push(unframe(out, err, mark));
  }
  sh.stdin.end();
  await new Promise((r) => sh.on('close', r));
  return results;
}

describe('the long-lived shell’s framing', () => {
  test('stdout and stderr exactly (no newline added or taken), the exit status, one command after the other', async () => {
    const r = await inLocalShell([
      { argv: ['printf', 'no newline at the end'] },
      { argv: ['sh', '-c', 'printf "a\\n\\n"; printf "to stderr\\n" >&2; exit 3'] },
      { argv: ['sh', '-c', 'echo "$K1 $K2"'], env: { K1: "it's", K2: '$HOME `x`' } },
      // Its stdin is /dev/null: it cannot read the command lines that follow it.
      { argv: ['sh', '-c', 'read -r x; echo "read: [$x] $?"'] },
      { argv: ['printf', '%s|', 'quotes " and \' and $(x) and ;'] },
    ]);
    expect(r).toEqual([
      { stdout: 'no newline at the end', stderr: '', exitCode: 0 },
      { stdout: 'a\n\n', stderr: 'to stderr\n', exitCode: 3 },
      { stdout: "it's $HOME `x`\n", stderr: '', exitCode: 0 },
      { stdout: 'read: [] 1\n', stderr: '', exitCode: 0 },
      { stdout: 'quotes " and \' and $(x) and ;|', stderr: '', exitCode: 0 },
    ]);
  });

  test('an exported variable stays in its command: the shell and the next command do not see it', async () => {
    const r = await inLocalShell([
      { argv: ['sh', '-c', 'echo "[$ONLY_HERE]"'], env: { ONLY_HERE: 'x' } },
      { argv: ['sh', '-c', 'echo "[$ONLY_HERE]"'] },
    ]);
    expect(r.map((x) => x?.stdout)).toEqual(['[x]\n', '[]\n']);
  });

  test('a frame is read only once both markers arrived; an argument with a newline does not fit one line', () => {
    expect(unframe('out\nm 0\n', '', 'm')).toBeUndefined();
    expect(unframe('out\nm 0\n', 'err\nm\n', 'm')).toEqual({ stdout: 'out', stderr: 'err', exitCode: 0 });
    expect(framable(['put', 'k', 'v'])).toBe(true);
    expect(framable(['put', 'k', 'two\nlines'])).toBe(false);
  });
});
