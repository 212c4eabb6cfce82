#!/usr/bin/env node
/* global process, URL */
// The package's command (`npx kube-claims`). In a checkout it runs the TypeScript itself (bin/kube-claims.ts),
// so it works right after `npm ci`, with nothing built and nothing stale; on a Node.js that cannot strip types
// it runs it on the checkout's Node.js 24 (the `node` devDependency). Installed from the tarball, where there
// is no TypeScript, it runs the built dist/bin/kube-claims.js.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('./kube-claims.ts', import.meta.url));
const checkoutNode = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));

if (!existsSync(source)) {
  await import(new URL('../dist/bin/kube-claims.js', import.meta.url).href);
} else if (process.features.typescript) {
  await import(new URL('./kube-claims.ts', import.meta.url).href);
} else if (existsSync(checkoutNode)) {
  const r = spawnSync(checkoutNode, [source, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.signal) process.kill(process.pid, r.signal);
  process.exit(r.status ?? 1);
} else {
  process.stderr.write(
    `kube-claims: Node.js ${process.version} cannot run the TypeScript of this checkout; run \`npm ci\` (it installs Node.js 24) or use Node.js 24\n`,
  );
  process.exit(2);
}
