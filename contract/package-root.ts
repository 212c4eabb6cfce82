// Where this package's own files are, resolved from this module (not from the working directory), so that
// tests and the CLI find them wherever the package is checked out or installed.
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
