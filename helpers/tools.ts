// The programs kube-claims runs from PATH (go, kubectl, docker): found by name, and named when missing. execa
// reports a program it cannot start because no directory of PATH holds it as code ENOENT (its exitCode is then
// undefined, its stdout empty): that is the program missing, not the program failing, and is said so.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Whether an execa error or result says the program could not be started since PATH has none of its name. */
export function notStarted(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { code?: unknown }).code === 'ENOENT';
}

/** The one-line reason for a program missing from PATH. */
export function notOnPath(tool: string): string {
  return `\`${tool}\` is not on PATH`;
}

function executable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The file a command `name` runs, as execvp finds it: the first executable NAME in PATH's directories; undefined when
 * none.
 */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  if (name.includes('/')) return executable(name) ? name : undefined;
  for (const dir of path.split(delimiter)) {
    // An empty entry is the working directory, as for execvp.
    const file = join(dir || '.', name);
    if (executable(file)) return isAbsolute(file) ? file : join(process.cwd(), file);
  }
  return undefined;
}
