#!/usr/bin/env node
// Benchmark: times the node-image build (warm, and cold with --cold), cluster creation and each suite,
// prints the figures and writes them to reports/bench-ID.json. Figures go in the README; tests never assert times.
//
//   node scripts/bench.ts [--kubernetes v1.33] [--cold]
// --cold removes kube-claims' build outputs and images for that version and builds with an empty Go
// build cache (GOCACHE in a temporary folder); the Go module cache is kept (downloads are not the build).
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $, argv } from 'zx';
import { config, PROJECT_ROOT, resolveKubernetesVersion } from '../app/config.ts';
import { main } from '../app/main.ts';
import { runId } from '../lib/run-id.ts';

$.verbose = false;
$.cwd = PROJECT_ROOT;

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return Math.round((performance.now() - t0) / 100) / 10;
}

await main(async () => {
  const { version } = resolveKubernetesVersion(String(argv.kubernetes ?? config.kubernetesVersion));
  const cli = ['node', 'bin/kube-claims.ts'];
  const figures: Record<string, number> = {};
  await $`${cli} host prepare`;

  if (argv.cold) {
    const gocache = await mkdtemp(join(tmpdir(), 'kube-claims-gocache-'));
    await rm(join(config.cacheDir, 'bin'), { recursive: true, force: true });
    await rm(join(config.cacheDir, 'rootfs'), { recursive: true, force: true });
    const ours = (await $`docker images --filter label=${config.ownerLabel} --format {{.Repository}}:{{.Tag}}`).stdout.split('\n').filter(Boolean);
    if (ours.length) await $`docker rmi -f ${ours}`;
    console.error(`cold build: empty GOCACHE ${gocache}, ${ours.length} images removed`);
    figures.imageBuildColdSeconds = await seconds(() => $({ env: { ...process.env, GOCACHE: gocache } })`${cli} image build --kubernetes ${version}`);
    await rm(gocache, { recursive: true, force: true });
  }
  figures.imageBuildWarmSeconds = await seconds(() => $`${cli} image build --kubernetes ${version}`);

  const name = `kube-claims-bench-${runId().slice(-6)}`;
  try {
    figures.clusterCreateSeconds = await seconds(() => $`${cli} cluster up --name ${name} --kubernetes ${version}`);
    const kubeconfig = join(config.stateDir, `${name}.kubeconfig`);
    // Every test file under suites/, sub-folders included (suites/etcd/*.test.ts), named by its path below suites/.
    const suites = (await readdir(join(PROJECT_ROOT, 'suites'), { recursive: true })).filter((f) => f.endsWith('.test.ts')).sort();
    for (const suite of suites) {
      // Each suite on its own against the same cluster, as vitest runs it in `npm test`.
      figures[`suite ${suite}`] = await seconds(() => $({ env: { ...process.env, KUBE_CLAIMS_CLUSTER: name, KUBE_CLAIMS_FORMATS: 'none' }, nothrow: true })`npx vitest run ${join('suites', suite)} --reporter=dot`);
    }
  } finally {
    await $`${cli} cluster down --name ${name}`.nothrow();
  }

  const out = { version, date: new Date().toISOString(), machine: `${(await $`nproc`).stdout.trim()} cores`, figures };
  await mkdir(config.reportsDir, { recursive: true });
  const file = join(config.reportsDir, `bench-${runId()}.json`);
  await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
  const width = Math.max(40, ...Object.keys(figures).map((k) => k.length));
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(width)} ${v.toFixed(1).padStart(8)} s`);
  console.log(`written to ${file}`);
});
