// The generated documentation is what its sources say: a change to the option table (app/options.ts) or to
// the catalogue (contract/catalogue.ts) without `npm run docs` fails here, naming the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, test } from 'vitest';
import { ENVIRONMENT_VARIABLES, OPTIONS, parseArgsOptions, usage } from '../app/options.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { GENERATED } from './docs.ts';

describe('generated documentation', () => {
  test.each(Object.keys(GENERATED))('%s is up to date (npm run docs)', (path) => {
    const committed = readFileSync(join(PACKAGE_ROOT, path), 'utf8');
    expect(committed, `${path} differs from what \`npm run docs\` writes: run it and commit the result`).toBe(
      GENERATED[path]!(),
    );
  });
});

describe('the option table', () => {
  test('every flag is in --help, parseArgs accepts it, and every variable is listed', () => {
    const help = usage();
    for (const o of OPTIONS) {
      if ('flag' in o) {
        expect(help).toContain(`--${o.flag}`);
        const args = 'value' in o ? [`--${o.flag}`, 'x'] : [`--${o.flag}`];
        expect(() => parseArgs({ args, options: parseArgsOptions(), strict: true })).not.toThrow();
      }
      if ('env' in o) expect(ENVIRONMENT_VARIABLES).toHaveProperty(o.env);
    }
  });
  test('no flag, short flag or variable is declared twice', () => {
    const names = OPTIONS.flatMap((o) =>
      ['flag' in o ? `--${o.flag}` : [], 'short' in o ? `-${o.short}` : [], 'env' in o ? o.env : []].flat(),
    );
    expect(names.length).toBe(new Set(names).size);
  });
});
