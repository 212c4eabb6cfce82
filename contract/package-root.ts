// Where this package's own files are, resolved from this module (not from the working directory), so that
// tests and the CLI find them wherever the package is checked out or installed.
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The root of the module tree: the checkout (TypeScript, run by Node's type stripping), or dist/ of the built package.
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');

/**
 * Whether the package runs as installed (under a node_modules folder) rather than from its checkout: then a
 * run writes nothing beside its files (app/config.ts takes the user's state folder and working directory).
 */
export const INSTALLED = PACKAGE_ROOT.split(sep).includes('node_modules');

/**
 * The extension of the package's modules, `.ts` in the checkout, `.js` when built: test files and setup modules are
 * named with it.
 */
export const MODULE_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
