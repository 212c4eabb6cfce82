// `npm run build` (and `npm pack`'s prepack): the package as installed runs JavaScript, since Node strips
// no types under node_modules. tsc emits dist/ from the TypeScript (imports rewritten to .js, with
// declarations for programmatic use); the files the modules read beside themselves (the image recipes,
// the node files, the capability shim) are copied byte for byte, so their cache keys stay the checkout's.
import { cp, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../contract/package-root.ts';

/** The layers the package ships (scripts/ is the checkout's tooling). */
const SHIPPED = ['bin', 'app', 'contract', 'helpers', 'kind', 'report', 'suites'];
const DIST = join(PACKAGE_ROOT, 'dist');

/** The package's command, which runs dist/bin/kube-claims.js when installed: it stays where it is, beside dist/. */
const BIN_SHIM = 'bin/kube-claims.js';

/**
 * Not needed by a run: sources (emitted instead), unit tests' material, documentation. The recordings under
 * suites/checks/fixtures/ stay: a negative control judges one where it cannot stage its deviation live (API-04).
 */
const runtimeFile = (path: string) =>
  path !== BIN_SHIM &&
  !/\.ts$/.test(path) &&
  (!/(^|\/)fixtures\//.test(path) || path.startsWith('suites/checks/fixtures/')) &&
  !/\.md$/.test(path);

await rm(DIST, { recursive: true, force: true });
await execa('tsc', ['-p', join(PACKAGE_ROOT, 'tsconfig.build.json')], {
  cwd: PACKAGE_ROOT,
  preferLocal: true,
  stdio: 'inherit',
});
let copied = 0;
for (const layer of SHIPPED) {
  for (const e of await readdir(join(PACKAGE_ROOT, layer), { withFileTypes: true, recursive: true })) {
    const path = relative(PACKAGE_ROOT, join(e.parentPath, e.name));
    if (!e.isFile() || !runtimeFile(path)) continue;
    await cp(join(PACKAGE_ROOT, path), join(DIST, path), { preserveTimestamps: true });
    copied++;
  }
}
console.log(`dist/: built from TypeScript, ${copied} runtime files copied`);
