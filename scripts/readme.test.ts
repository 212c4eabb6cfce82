// The README is the front door and keeps its promises: it is short, what a new user needs comes first, every
// link into the tree leads somewhere, and every command it shows is one that exists.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { OPTIONS } from '../app/options.ts';
import { CATALOGUE } from '../contract/catalogue.ts';
import { EXIT } from '../contract/exit-codes.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
const lines = readme.split('\n');
const scripts = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

/** The commands of the README's sh blocks, without comments. */
const shellCommands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .map((l) => l.replace(/#.*$/, '').trim())
  .filter(Boolean)
  .flatMap((l) => l.split(/\s*&&\s*/));

/**
 * Relative links of a markdown file, resolved from its folder (anchors dropped; the seed outside the tree kept apart).
 */
function links(file: string): string[] {
  const text = readFileSync(join(PACKAGE_ROOT, file), 'utf8');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith('#'))
    .map((l) => join(dirname(file), l.split('#')[0]!));
}

describe('README', () => {
  test('is at most 150 lines', () => {
    expect(lines.length).toBeLessThanOrEqual(150);
  });
  test('gets a new user from nothing to a report before line 60: requirements, then the command', () => {
    const verifyAt = lines.findIndex((l) => l.startsWith('npm ci && npm run verify'));
    expect(verifyAt).toBeGreaterThan(lines.findIndex((l) => l === '## Requirements'));
    expect(verifyAt).toBeLessThan(60);
  });
  test('every npm command it shows is a script of package.json', () => {
    const npm = shellCommands.filter((c) => c.startsWith('npm '));
    expect(npm.length).toBeGreaterThan(0);
    for (const c of npm) {
      const [, verb, name] = /^npm (\S+)\s*(\S*)/.exec(c)!;
      if (verb === 'ci') continue;
      const script = verb === 'run' ? name! : verb!;
      expect(scripts, `README shows \`${c}\``).toHaveProperty(script);
    }
  });
  test('every kube-claims command it shows has flags the CLI knows', () => {
    const flags = new Set(OPTIONS.flatMap((o) => ('flag' in o ? [`--${o.flag}`] : [])));
    for (const c of shellCommands.filter((x) => x.startsWith('npx kube-claims'))) {
      for (const f of c.match(/--[a-z-]+/g) ?? []) expect(flags, `README shows \`${c}\``).toContain(f);
    }
  });
  test('its links into the tree exist, and it links every file of docs/', () => {
    const targets = links('README.md').filter((l) => !l.startsWith('../'));
    for (const t of targets.filter((l) => !l.startsWith('docs/images/')))
      expect(existsSync(join(PACKAGE_ROOT, t)), `README links ${t}`).toBe(true);
    const docs = [
      'architecture',
      'configuration',
      'claims',
      'clusters',
      'kubernetes-lines',
      'offline-image',
      'performance',
      'ci',
      'troubleshooting',
    ];
    for (const d of docs) expect(targets, `README links docs/${d}.md`).toContain(`docs/${d}.md`);
  });
  test('the links of docs/ and CONTRIBUTING.md exist', () => {
    const files = [
      'CONTRIBUTING.md',
      ...[
        'architecture',
        'configuration',
        'claims',
        'clusters',
        'kubernetes-lines',
        'offline-image',
        'performance',
        'ci',
        'troubleshooting',
        'package',
      ].map((d) => `docs/${d}.md`),
    ];
    for (const f of files)
      for (const t of links(f).filter((l) => !l.includes('shared/seed')))
        expect(existsSync(join(PACKAGE_ROOT, t)), `${f} links ${t}`).toBe(true);
  });
  test('keeps the sample output and the screenshot in their marked places', () => {
    expect(readme).toMatch(/<!-- sample-output -->\n```[\s\S]+```\n<!-- \/sample-output -->/);
    expect(readme).toMatch(/<!-- screenshot -->\n!\[[^\]]*\]\(docs\/images\/report\.png\)/);
  });
  test('its exit code table is contract/exit-codes.ts', () => {
    const rows = [...readme.matchAll(/^\| (\d) \| /gm)].map((m) => Number(m[1]));
    expect(rows).toEqual(Object.values(EXIT));
  });
  test("the claim count it states is the catalogue's", () => {
    expect(readme).toContain(`${CATALOGUE.length} of them`);
  });
});
