#!/usr/bin/env node
// Benchmark: the node-image build (warm, and cold with --cold), cluster creation, and `verify` on the ready
// cluster side by side: the claims only, then the claims with their negative controls. Prints the figures
// and writes them to reports/bench-ID.json; they go into the README. Tests never assert times.
//
//   node scripts/bench.ts [--kubernetes v1.33] [--cold]
// --cold removes kube-claims' build outputs and images for that line and builds with an empty Go build
// cache (GOCACHE in a temporary folder); the Go module cache is kept (downloads are not the build).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { parseConfig } from '../app/config.ts';
import { main } from '../app/main.ts';
import { verify } from '../app/verify.ts';
import { OWNER_LABEL } from '../contract/marks.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { scriptArgs } from './args.ts';

const flags = scriptArgs('bench', 'node scripts/bench.ts [--kubernetes v1.33] [--cold]', { kubernetes: { type: 'string' }, cold: { type: 'boolean' } });

$.verbose = false;
$.cwd = PACKAGE_ROOT;

async function seconds<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [Math.round((performance.now() - t0) / 100) / 10, result];
}

await main(async () => {
  const base = parseConfig(['verify', ...(flags.kubernetes ? ['--kubernetes', flags.kubernetes] : [])], process.env);
  // The Node.js running this script (24), whatever `node` is first on PATH.
  const cli = [process.execPath, 'bin/kube-claims.ts'];
  const figures: Record<string, number | string> = {};
  await $`${cli} host prepare`;

  if (flags.cold) {
    const gocache = await mkdtemp(join(tmpdir(), 'kube-claims-gocache-'));
    await rm(join(base.kind.cacheDir, 'bin'), { recursive: true, force: true });
    await rm(join(base.kind.cacheDir, 'rootfs'), { recursive: true, force: true });
    const ours = (await $`docker images --filter label=${OWNER_LABEL} --format {{.Repository}}:{{.Tag}}`).stdout.split('\n').filter(Boolean);
    if (ours.length) await $`docker rmi -f ${ours}`;
    console.error(`cold build: empty GOCACHE ${gocache}, ${ours.length} images removed`);
    [figures.imageBuildColdSeconds] = await seconds(() => $({ env: { ...process.env, GOCACHE: gocache } })`${cli} image build --kubernetes ${base.line.id}`);
    await rm(gocache, { recursive: true, force: true });
  }
  [figures.imageBuildWarmSeconds] = await seconds(() => $`${cli} image build --kubernetes ${base.line.id}`);

  const name = 'kube-claims-bench';
  try {
    [figures.clusterUpSeconds] = await seconds(() => $`${cli} cluster up --name ${name} --kubernetes ${base.line.id}`);
    // The same ready cluster, verified twice: claims only, then claims and negative controls (formats none).
    for (const [label, claimsOnly] of [['verifyClaimsOnly', true], ['verifyWithControls', false]] as const) {
      const config = { ...parseConfig(['verify', '--name', name, '--kubernetes', base.line.id, '--keep', '--formats', 'none'], process.env), claimsOnly };
      const [s, result] = await seconds(() => verify(config));
      figures[`${label}Seconds`] = s;
      figures[`${label}Tests`] = `${result.model.testCases.passed} passed, ${result.model.testCases.failed} failed, ${result.model.testCases.skipped} skipped (exit ${result.exitCode})`;
      figures[`${label}VitestSeconds`] = Math.round(result.model.durationMs / 100) / 10;
    }
  } finally {
    await $`${cli} cluster down --name ${name}`.nothrow();
  }

  const out = { line: base.line.id, version: base.line.version, date: new Date().toISOString(), machine: `${cpus().length} cores`, figures };
  await mkdir(base.reportsDir, { recursive: true });
  const file = join(base.reportsDir, `bench-${base.runId}.json`);
  await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
  const width = Math.max(32, ...Object.keys(figures).map((k) => k.length));
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(width)} ${typeof v === 'number' ? `${v.toFixed(1).padStart(8)} s` : v}`);
  console.log(`written to ${file}`);
  return 0;
});
