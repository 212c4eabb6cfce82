// `npm run lint:eslint`: typescript-eslint's recommended rules over the whole tree, plus the two type-aware
// rules that catch promises nobody awaits (a claim that "passes" before its check ran, a cleanup that never
// finishes) and promises handed where a plain value is expected (an async callback to forEach, a condition).
// And one rule of kube-claims' own: no failed request quietly becomes a value (`kube-claims/justified-catch`).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * What a catch handler that resolves a value must say for itself, in a comment just above it (or inside the
 * call): why the value is the truth and no check judges a made-up observation. A 404 that means "absent" uses
 * unlessNotFound (helpers/not-found.ts) instead; a refusal is thrown (suites/claim.ts reports it unchecked).
 */
export const CATCH_JUSTIFICATIONS = [
  'absent is the truth:',
  'best-effort:',
  'retried:',
  'reported:',
  'not judged:',
  'awaited elsewhere:',
];

/**
 * A handler's body resolves a value unless every way out of it throws (approximated: it ends in a throw and returns
 * nothing).
 */
function resolvesValue(fn) {
  if (fn.body.type !== 'BlockStatement') return true;
  const last = fn.body.body.at(-1);
  if (!last || last.type !== 'ThrowStatement') return true;
  const returns = (node) => {
    if (!node || typeof node !== 'object') return false;
    if (node.type === 'ReturnStatement') return true;
    if (node !== fn && /Function/.test(node.type)) return false;
    return Object.entries(node).some(
      ([k, v]) =>
        k !== 'parent' && (Array.isArray(v) ? v.some(returns) : v && typeof v.type === 'string' && returns(v)),
    );
  };
  return returns(fn.body);
}

export const justifiedCatch = {
  meta: {
    type: 'problem',
    messages: {
      unjustified: `a catch handler that resolves a value must say why in a comment starting with one of: ${CATCH_JUSTIFICATIONS.join(' ')} (or use unlessNotFound for a 404, or rethrow)`,
    },
  },
  create(context) {
    const source = context.sourceCode;
    const check = (call, handler) => {
      if (!handler || !/^(Arrow)?FunctionExpression$/.test(handler.type) || !resolvesValue(handler)) return;
      const from = call.loc.start.line - 3;
      const ok = source
        .getAllComments()
        .some(
          (c) =>
            c.loc.start.line >= from &&
            c.loc.start.line <= call.loc.end.line &&
            CATCH_JUSTIFICATIONS.some((j) => c.value.trim().startsWith(j)),
        );
      if (!ok) context.report({ node: handler, messageId: 'unjustified' });
    };
    return {
      CallExpression(call) {
        if (call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier') return;
        if (call.callee.property.name === 'catch') check(call, call.arguments[0]);
        if (call.callee.property.name === 'then') check(call, call.arguments[1]);
      },
    };
  },
};

export default defineConfig(
  { ignores: ['node_modules/', 'reports/', '.kube-claims/', '.scratch/', 'dist/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // vitest fixtures that need no other fixture are written `async ({}, use) => …` (vitest reads the pattern).
      'no-empty-pattern': ['error', { allowObjectPatternsAsParameters: true }],
    },
  },
  {
    // Prettier (npm run lint:format) lays out the code at 120 columns but leaves comments and strings as written:
    // comments are held to the same width here; a message or a test name reads better whole than split.
    files: ['**/*.{ts,js}'],
    rules: {
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  {
    // The code that observes clusters and reports on them; its own unit tests may catch as they like.
    files: ['{app,contract,helpers,kind,suites,report}/**/*.ts'],
    ignores: ['**/*.test.ts', '**/fixtures/**'],
    plugins: { 'kube-claims': { rules: { 'justified-catch': justifiedCatch } } },
    rules: { 'kube-claims/justified-catch': 'error' },
  },
  {
    // The claims are test files of suites/: held to it as well.
    files: ['suites/**/*.test.ts'],
    ignores: ['suites/checks/**'],
    plugins: { 'kube-claims': { rules: { 'justified-catch': justifiedCatch } } },
    rules: { 'kube-claims/justified-catch': 'error' },
  },
);
