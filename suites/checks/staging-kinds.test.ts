// Every negative control's declared staging matches the deviation helpers it calls (suites/deviations/kinds.ts):
// read from the suites' source with the TypeScript parser, as contract/catalogue.test.ts reads the controls.
import { readFileSync, readdirSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { STAGINGS, type Staging } from '../../contract/catalogue.ts';
import { DEVIATION_HELPERS, kindOfHelper } from '../deviations/kinds.ts';

const SUITES = new URL('../', import.meta.url);

function testFiles(): string[] {
  return (readdirSync(SUITES, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.test.ts') && !f.startsWith('checks/'),
  );
}

interface Control {
  where: string;
  declared: Staging[];
  helpers: string[];
}

function declared(node: ts.Expression): Staging[] {
  if (ts.isStringLiteral(node)) return [node.text as Staging];
  if (ts.isObjectLiteralExpression(node))
    return node.properties.flatMap((p) =>
      ts.isPropertyAssignment(p) && ts.isStringLiteral(p.initializer) ? [p.initializer.text as Staging] : [],
    );
  return [];
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
}

function controls(): Control[] {
  return testFiles().flatMap((file) => controlsIn(file, readFileSync(new URL(file, SUITES), 'utf8')));
}

function mismatches(all: Control[]): string[] {
  return all.flatMap((c) =>
    c.helpers
      .filter((h) => !c.declared.includes(kindOfHelper(h)!))
      .map((h) => `${c.where}: declared ${c.declared.join('/')}, but ${h} stages ${kindOfHelper(h)}`),
  );
}

function controlsIn(file: string, text: string): Control[] {
  const found: Control[] = [];
  {
    const source = parse(file, text);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.expression.getText() === 'negativeControl') {
        const [, deviation, staging, body] = node.arguments;
        const helpers = new Set<string>();
        const calls = (n: ts.Node): void => {
          if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && kindOfHelper(n.expression.text))
            helpers.add(n.expression.text);
          ts.forEachChild(n, calls);
        };
        if (body) calls(body);
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push({
          where: `${file}:${line} ${deviation?.getText() ?? ''}`,
          declared: staging ? declared(staging) : [],
          helpers: [...helpers],
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('staging declarations', () => {
  test('the table names each helper once, under a kind the catalogue knows', () => {
    const names = Object.values(DEVIATION_HELPERS).flat();
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(DEVIATION_HELPERS).sort()).toEqual([...STAGINGS].sort());
  });

  test('every helper of the table is exported by suites/deviations or the recorded fixtures, or is a global', () => {
    const exported = new Set(
      [
        'deviations/apiserver.ts',
        'deviations/components.ts',
        'deviations/etcd.ts',
        'checks/fixtures/recorded.ts',
      ].flatMap((f) => {
        const source = parse(f, readFileSync(new URL(f, SUITES), 'utf8'));
        return source.statements.flatMap((n) =>
          ts.isFunctionDeclaration(n) && n.name && n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
            ? [n.name.text]
            : [],
        );
      }),
    );
    const missing = Object.values(DEVIATION_HELPERS)
      .flat()
      .filter((name) => !exported.has(name) && typeof (globalThis as Record<string, unknown>)[name] !== 'function');
    expect(missing).toEqual([]);
  });

  test("a control that calls a deviation helper declares that helper's kind", () => {
    const all = controls();
    expect(all.length).toBeGreaterThan(40);
    expect(mismatches(all)).toEqual([]);
  });

  test('the check can fail: a control declared live whose helper stages beside the real one is named (on a made-up source)', () => {
    const made = controlsIn(
      'made-up.test.ts',
      "negativeControl('API-07', 'a tree in /tmp', 'live', async () => { await withNodeTempDir({}, 'x', async () => {}); });",
    );
    expect(mismatches(made)).toEqual([
      "made-up.test.ts:1 'a tree in /tmp': declared live, but withNodeTempDir stages beside",
    ]);
  });
});
