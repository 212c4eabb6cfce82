// The ESLint rule that keeps value-defaulting catches out (eslint.config.js, kube-claims/justified-catch): a
// handler that resolves a value needs a comment saying why; one that rethrows, or unlessNotFound, needs none.
import { Linter, type Rule } from 'eslint';
import { describe, expect, test } from 'vitest';

// eslint.config.js is plain JavaScript without declarations: its exports, typed here.
const { CATCH_JUSTIFICATIONS, justifiedCatch } = (await import('../eslint.config.js' as string)) as {
  CATCH_JUSTIFICATIONS: string[];
  justifiedCatch: Rule.RuleModule;
};

function problems(code: string): string[] {
  const linter = new Linter({ configType: 'flat' });
  return linter
    .verify(code, [
      {
        languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
        plugins: { 'kube-claims': { rules: { 'justified-catch': justifiedCatch } } },
        rules: { 'kube-claims/justified-catch': 'error' },
      },
    ])
    .map((m) => m.message);
}

describe('kube-claims/justified-catch', () => {
  test('a catch that defaults a value without a reason is refused', () => {
    expect(problems('const cm = await read().catch(() => undefined);')).toHaveLength(1);
    expect(problems('const n = (await list().catch(() => undefined))?.items ?? [];')).toHaveLength(1);
    expect(problems('const r = await exec().catch((e) => ({ exitCode: -1, stderr: e.message }));')).toHaveLength(1);
    expect(problems('await remove().catch((e) => { if (e.code !== 404) throw e; });')).toHaveLength(1);
    expect(problems('const v = await p.then((x) => x, () => 0);')).toHaveLength(1);
    expect(problems('// defaulting here\nconst cm = await read().catch(() => undefined);')).toHaveLength(1);
  });

  test('each justification of the allowed set lets it pass, above the call or inside it', () => {
    for (const j of CATCH_JUSTIFICATIONS)
      expect(problems(`// ${j} why\nconst cm = await read().catch(() => undefined);`)).toEqual([]);
    expect(
      problems(
        'await run({\n  a: 1,\n  // reported: thrown below\n}).catch((e) => ({ exitCode: -1, stderr: e.message }));',
      ),
    ).toEqual([]);
  });

  test('rethrowing handlers, unlessNotFound and named handlers need none', () => {
    expect(problems('await build().catch((e) => { throw new Error(`build failed: ${e.message}`); });')).toEqual([]);
    expect(problems('const cm = await unlessNotFound(read());')).toEqual([]);
    expect(problems('await step().catch(handler);')).toEqual([]);
  });
});
