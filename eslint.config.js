// `npm run lint:eslint`: typescript-eslint's recommended rules over the whole tree, plus the two type-aware
// rules that catch promises nobody awaits (a claim that "passes" before its check ran, a cleanup that never
// finishes) and promises handed where a plain value is expected (an async callback to forEach, a condition).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

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
);
