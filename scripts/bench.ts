#!/usr/bin/env node
// Benchmark: the node-image build (warm, and cold with --cold), cluster creation, and `verify` on the ready
// cluster side by side: the claims only, then the claims with their negative controls; then, in the same run,
// a plain `kind create cluster` of the same image and nodes (the time users already accept for a cluster) and
// each verify's ratio to it; where each verify's CPU went, by process class (scripts/process-cpu.ts), and its pool
// of workers (report/types.ts PoolUse). The machine's peak memory in use is sampled throughout. Prints the figures and
// writes them to reports/bench-ID.json; they go into the README. Tests never assert times.
//
//   node scripts/bench.ts [--kubernetes v1.33] [--topology single|workers|ha] [--cold]
// --cold removes kube-claims' build outputs and images for that line and builds with an empty Go build
// cache (GOCACHE in a temporary folder); the Go module cache is kept (downloads are not the build).
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { parseConfig, type RunConfig } from '../app/config.ts';
import { main } from '../app/main.ts';
import { verify } from '../app/verify.ts';
import { OWNER_LABEL } from '../contract/marks.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { buildKind } from '../kind/image/components.ts';
import { KindCluster, kindClusterConfig, readKindConfig } from '../kind/providers/kind.ts';
import { binDir } from '../kind/settings.ts';
import { stringify } from 'yaml';
import { scriptArgs } from './args.ts';
import { cpuByClass, snapshot } from './process-cpu.ts';
import { poolLine } from '../report/terminal.ts';

const usage = 'node scripts/bench.ts [--kubernetes v1.33] [--topology single|workers|ha] [--cold]';
const flags = scriptArgs('bench', usage, {
  kubernetes: { type: 'string' },
  topology: { type: 'string' },
  cold: { type: 'boolean' },
});

$.verbose = false;
$.cwd = PACKAGE_ROOT;

async function seconds<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [Math.round((performance.now() - t0) / 100) / 10, result];
}

await main(async () => {
  const lineArgs = [
    ...(flags.kubernetes ? ['--kubernetes', flags.kubernetes] : []),
    ...(flags.topology ? ['--topology', flags.topology] : []),
  ];
  const base = parseConfig(['verify', ...lineArgs], process.env);
  const memory = sampleMemory();
  // The Node.js running this script (24), whatever `node` is first on PATH.
  const cli = [process.execPath, 'bin/kube-claims.ts'];
  const figures: Record<string, number | string> = {};
  /** CPU-seconds by process class during each verify (scripts/process-cpu.ts). */
  const cpu: Record<string, Record<string, number>> = {};
  await $`${cli} host prepare`;

  if (flags.cold) {
    const gocache = await mkdtemp(join(tmpdir(), 'kube-claims-gocache-'));
    await rm(join(base.kind.cacheDir, 'bin'), { recursive: true, force: true });
    await rm(join(base.kind.cacheDir, 'rootfs'), { recursive: true, force: true });
    const ours = (await $`docker images --filter label=${OWNER_LABEL} --format {{.Repository}}:{{.Tag}}`).stdout
      .split('\n')
      .filter(Boolean);
    if (ours.length) await $`docker rmi -f ${ours}`;
    console.error(`cold build: empty GOCACHE ${gocache}, ${ours.length} images removed`);
    [figures.imageBuildColdSeconds] = await seconds(
      () => $({ env: { ...process.env, GOCACHE: gocache } })`${cli} image build --kubernetes ${base.line.id}`,
    );
    await rm(gocache, { recursive: true, force: true });
  }
  [figures.imageBuildWarmSeconds] = await seconds(() => $`${cli} image build --kubernetes ${base.line.id}`);

  const name = 'kube-claims-bench';
  const kind = await buildKind(binDir(base.kind));
  let image: string | undefined;
  try {
    [figures.clusterUpSeconds] = await seconds(() => $`${cli} cluster up --name ${name} ${lineArgs}`);
    image = await new KindCluster(kind, name, base.kind).image();
    // The same ready cluster, verified twice: claims only, then claims and negative controls (formats none).
    for (const [label, claimsOnly] of [
      ['verifyClaimsOnly', true],
      ['verifyWithControls', false],
    ] as const) {
      const config = {
        ...parseConfig(['verify', '--name', name, ...lineArgs, '--keep', '--formats', 'none'], process.env),
        claimsOnly,
      };
      const before = snapshot();
      const [s, result] = await seconds(() => verify(config));
      cpu[label] = { ...cpuByClass(before, snapshot()), 'the two cores had': Math.round(s * cpus().length * 10) / 10 };
      figures[`${label}Seconds`] = s;
      if (result.model.pool) figures[`${label}Pool`] = poolLine(result.model.pool);
      figures[`${label}Tests`] =
        `${result.model.testCases.passed} passed, ${result.model.testCases.failed} failed, ${result.model.testCases.skipped} skipped (exit ${result.exitCode})`;
      figures[`${label}VitestSeconds`] = Math.round(result.model.durationMs / 100) / 10;
    }
  } finally {
    await $`${cli} cluster down --name ${name}`.nothrow();
  }
  if (image) {
    figures.kindCreateSeconds = await plainKindCreate(kind, base, image);
    for (const label of ['verifyClaimsOnly', 'verifyWithControls']) {
      const s = figures[`${label}Seconds`];
      if (typeof s === 'number')
        figures[`${label}PerKindCreate`] = `${(s / figures.kindCreateSeconds).toFixed(2)} × kind create`;
    }
  }
  figures.peakMemoryInUseMiB = memory.stop();

  const out = {
    line: base.line.id,
    version: base.line.version,
    topology: base.kindConfig ? 'kind-config' : base.topology.id,
    date: new Date().toISOString(),
    machine: `${cpus().length} cores`,
    figures,
    cpuSeconds: cpu,
  };
  await mkdir(base.reportsDir, { recursive: true });
  const file = join(base.reportsDir, `bench-${base.runId}.json`);
  await writeFile(file, `${JSON.stringify(out, null, 2)}\n`);
  const width = Math.max(32, ...Object.keys(figures).map((k) => k.length));
  const unit = (k: string) => (k.endsWith('MiB') ? 'MiB' : 's');
  for (const [k, v] of Object.entries(figures))
    console.log(
      `${k.padEnd(width)} ${typeof v === 'number' ? `${v.toFixed(unit(k) === 's' ? 1 : 0).padStart(8)} ${unit(k)}` : v}`,
    );
  for (const [label, classes] of Object.entries(cpu)) {
    console.log(`CPU-s during ${label}:`);
    for (const [c, v] of Object.entries(classes)) console.log(`  ${c.padEnd(width - 2)} ${v.toFixed(1).padStart(8)} s`);
  }
  console.log(`written to ${file}`);
  return 0;
});

/**
 * `kind create cluster` as a user runs it (kind's defaults: no --wait), on the image and nodes the bench's cluster
 * had, with the same kind configuration kube-claims gives (loopback API server, the line's kubelet patch).
 */
async function plainKindCreate(kind: string, base: RunConfig, image: string): Promise<number> {
  const name = 'kube-claims-bench-kind';
  const dir = await mkdtemp(join(tmpdir(), 'kube-claims-bench-kind-'));
  const config = join(dir, 'kind.yaml');
  // The shape the bench's cluster had: the user's kind configuration if one is set, else the topology.
  const shape = base.kindConfig ? await readKindConfig(base.kindConfig) : base.topology;
  await writeFile(
    config,
    stringify(kindClusterConfig({ name, image, allowCgroupV1: base.line.behaviour.cgroupV1NeedsOptIn, shape })),
  );
  try {
    const [s] = await seconds(
      () => $`${kind} create cluster --name ${name} --config ${config} --kubeconfig ${join(dir, 'kubeconfig')}`,
    );
    return s;
  } finally {
    await $`${kind} delete cluster --name ${name} --kubeconfig ${join(dir, 'kubeconfig')}`.nothrow();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The machine's memory in use (MemTotal − MemAvailable), sampled every second; stop() gives the peak in MiB. */
function sampleMemory(): { stop: () => number } {
  let peak = 0;
  const sample = async () => {
    const info = await readFile('/proc/meminfo', 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    peak = Math.max(peak, kib('MemTotal') - kib('MemAvailable'));
  };
  void sample();
  const timer = setInterval(() => void sample(), 1000);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(peak / 1024);
    },
  };
}
