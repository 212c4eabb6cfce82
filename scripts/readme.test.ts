// The README's claims table and count say what the catalogue says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CATALOGUE } from '../contract/catalogue.ts';
import { describeLine, LINE_IDS, LINES } from '../contract/lines.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');

describe('README', () => {
  test('its claims table lists every claim of the catalogue, with its section and title, in order', () => {
    const rows = [...readme.matchAll(/^\| ([A-Z]+-\d+) \| (§[\d.]+) \| (.+?) \| (yes)? ?\|$/gm)].map((m) => ({ id: m[1], section: m[2], title: m[3]!.replace(/\\\|/g, '|'), node: !!m[4] }));
    expect(rows).toEqual(CATALOGUE.map((c) => ({ id: c.id, section: c.section, title: c.title, node: !!c.needsNode })));
  });
  test('the claim count it states is the catalogue\'s', () => {
    expect(readme).toContain(`${CATALOGUE.length} claims`);
  });
  test('it names every line with the version built for it', () => {
    for (const id of LINE_IDS) expect(readme).toContain(describeLine(LINES[id]));
  });
});
