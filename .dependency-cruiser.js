// `npm run lint:imports`: the import structure. No cycles anywhere, and each layer imports its own layer or a
// lower one, never a higher one. Bottom to top:
//   contract < helpers < kind < suites < report < app < {bin, scripts, vitest.config.ts}
// suites/ also skips one layer: it never imports kind/. What a suite needs of the cluster environment comes
// through the cluster contract (contract/cluster.ts ClusterInfo, filled by the providers), so the claims run
// the same on any provider.
// Test files are held to the same rules as any file (report/ tests run suites/claim.ts: suites is lower).
// Paths are relative to the working directory: run it from the package root (scripts/lint-imports.test.ts
// runs it on a temporary tree of its own, with this file, to see that it fails).
import { join } from 'node:path';

const LAYERS = ['contract', 'helpers', 'kind', 'suites', 'report', 'app'];
/** The top: entry points and tooling, which may import any layer (and no layer imports them). */
const TOP = ['bin/', 'scripts/', 'vitest\\.config\\.ts$', 'eslint\\.config\\.js$'];

const upward = LAYERS.map((layer, i) => ({
  name: `layer-${layer}-imports-upward`,
  comment: `${layer}/ may import ${LAYERS.slice(0, i + 1).join(', ')} only (bottom to top: ${LAYERS.join(' < ')} < bin, scripts, vitest.config.ts)`,
  severity: 'error',
  from: { path: `^${layer}/` },
  to: { path: `^(?:${[...LAYERS.slice(i + 1).map((l) => `${l}/`), ...TOP].join('|')})` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules that import each other, directly or through others: move what both need below both',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...upward,
    {
      name: 'suites-not-to-kind',
      comment:
        'suites/ gets what it needs of the cluster environment through the cluster contract (contract/cluster.ts), not from kind/',
      severity: 'error',
      from: { path: '^suites/' },
      to: { path: '^kind/' },
    },
    {
      name: 'no-foreign-fixtures',
      comment: "a fixtures/ folder is its own layer's test material, not an interface of that layer",
      severity: 'error',
      from: { path: '^([^/]+)/' },
      to: { path: '(?:^|/)fixtures/', pathNot: '^$1/' },
    },
    {
      name: 'not-to-test',
      comment: 'a test file is run by vitest, not imported: move what it shares to a module of its own',
      severity: 'error',
      from: {},
      to: { path: '\\.test\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to no file (a typo, a moved module, a package not installed)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(?:reports|dist|\\.kube-claims|\\.scratch)/' },
    // Imports name their files with the .ts extension, as Node's type stripping runs them.
    tsConfig: { fileName: join(import.meta.dirname, 'tsconfig.json') },
    // Type-only imports count: an upward `import type` ties a layer to a higher one all the same.
    tsPreCompilationDeps: true,
    // Packages by their exports maps (vitest/config, eslint/config), as Node resolves them.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
