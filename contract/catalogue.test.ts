// Every catalogue entry has its claim test and at least one negative control in the live suites, and every
// claim the suites state is in the catalogue: a claim that cannot fail proves nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { CATALOGUE } from './catalogue.ts';

const suites = join(PACKAGE_ROOT, 'suites');
const sources = readdirSync(suites, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts') && !e.parentPath.includes(`${suites}/checks`))
  .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
  .join('\n');
const stated = (fn: string) => new Set([...sources.matchAll(new RegExp(`\\b${fn}\\('([A-Z]+-\\d+)'`, 'g'))].map((m) => m[1]!));

describe('the claims catalogue against the live suites', () => {
  const claims = stated('claim');
  const controls = stated('negativeControl');
  test.each(CATALOGUE.map((c) => [c.id]))('catalogue entry %s has its claim test and a negative control', (id) => {
    expect(claims.has(id), `no claim('${id}', …) in suites/`).toBe(true);
    expect(controls.has(id), `no negativeControl('${id}', …) in suites/`).toBe(true);
  });
  test('the suites state no claim the catalogue lacks', () => {
    const known = new Set(CATALOGUE.map((c) => c.id));
    expect([...claims, ...controls].filter((id) => !known.has(id))).toEqual([]);
  });
});
