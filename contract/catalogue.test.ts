// Every catalogue entry has its claim test and at least one negative control in the live suites, each control
// declaring how it stages its deviation, and every claim the suites state is in the catalogue: a claim that
// cannot fail proves nothing. The suites are read as the compiler reads them (calls and their arguments),
// so a comment or a string that mentions negativeControl counts for nothing, and a declaration must be one
// the reports know.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { CATALOGUE, STAGINGS, type Staging } from './catalogue.ts';

interface StatedTest {
  fn: 'claim' | 'negativeControl';
  id: string;
  file: string;
  /**
   * A control's declared stagings (one, or one for clusters kube-claims made and one elsewhere), or why none is valid.
   */
  staging?: Staging[] | { invalid: string };
  /** The control's body is a function with statements. */
  hasBody: boolean;
}

const suites = join(PACKAGE_ROOT, 'suites');
const files = readdirSync(suites, { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts') && !e.parentPath.includes(`${suites}/checks`))
  .map((e) => join(e.parentPath, e.name));

function declaredStaging(node: ts.Expression | undefined): Staging[] | { invalid: string } {
  const valid = (e: ts.Expression | undefined): Staging | undefined =>
    e && ts.isStringLiteral(e) && (STAGINGS as readonly string[]).includes(e.text) ? (e.text as Staging) : undefined;
  if (!node) return { invalid: 'no staging argument' };
  const one = valid(node);
  if (one) return [one];
  if (ts.isObjectLiteralExpression(node)) {
    const props = new Map(
      node.properties.filter(ts.isPropertyAssignment).map((p) => [p.name.getText(), p.initializer]),
    );
    const made = valid(props.get('madeByKubeClaims'));
    const elsewhere = valid(props.get('elsewhere'));
    if (made && elsewhere && props.size === 2) return [made, elsewhere];
  }
  return {
    invalid: `staging ${node.getText()} is none of ${STAGINGS.join(', ')} (nor { madeByKubeClaims, elsewhere } of them)`,
  };
}

function statedTests(file: string): StatedTest[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: StatedTest[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      ['claim', 'negativeControl'].includes(node.expression.text)
    ) {
      const fn = node.expression.text as StatedTest['fn'];
      const [idArg, ...rest] = node.arguments;
      if (idArg && ts.isStringLiteral(idArg)) {
        const body = fn === 'claim' ? rest[0] : rest[2];
        const hasBody =
          !!body &&
          (ts.isArrowFunction(body) || ts.isFunctionExpression(body)) &&
          ts.isBlock(body.body) &&
          body.body.statements.length > 0;
        out.push({
          fn,
          id: idArg.text,
          file,
          hasBody,
          ...(fn === 'negativeControl' ? { staging: declaredStaging(rest[1]) } : {}),
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const stated = files.flatMap(statedTests);

describe('the claims catalogue against the live suites', () => {
  test.each(CATALOGUE.map((c) => [c.id]))(
    'catalogue entry %s has its claim test and a negative control that declares its staging',
    (id) => {
      expect(
        stated.some((t) => t.fn === 'claim' && t.id === id && t.hasBody),
        `no claim('${id}', …) with a body in suites/`,
      ).toBe(true);
      const controls = stated.filter((t) => t.fn === 'negativeControl' && t.id === id);
      expect(controls.length, `no negativeControl('${id}', …) in suites/`).toBeGreaterThan(0);
      for (const c of controls) {
        expect(Array.isArray(c.staging) ? '' : c.staging?.invalid, `a negative control of ${id} in ${c.file}`).toBe('');
        expect(c.hasBody, `a negative control of ${id} in ${c.file} has no body`).toBe(true);
      }
    },
  );
  test('the suites state no claim the catalogue lacks', () => {
    const known = new Set(CATALOGUE.map((c) => c.id));
    expect(stated.filter((t) => !known.has(t.id)).map((t) => `${t.fn}('${t.id}') in ${t.file}`)).toEqual([]);
  });
});
