#!/usr/bin/env node
// Soak: `verify` N times in a row on one cluster (a kept kind cluster of its own, or --kubeconfig), each as a
// child process as users run it, then a table per claim and negative control of passes and failures. A test
// that fails now and then on a healthy cluster is a defect: this is where it shows. Tests never assert times.
//
//   node scripts/soak.ts --runs N [--claims-only] [--kubeconfig FILE] [--kubernetes v1.33]
import { EXIT } from '../contract/exit-codes.ts';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { parseConfig } from '../app/config.ts';
import { main } from '../app/main.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import type { ResultsModel } from '../report/types.ts';
import { scriptArgs } from './args.ts';
import { renderSoakTable, soakRows } from './soak-table.ts';

const USAGE = 'node scripts/soak.ts --runs N [--claims-only] [--kubeconfig FILE] [--kubernetes v1.33]';
const flags = scriptArgs('soak', USAGE, {
  runs: { type: 'string' },
  'claims-only': { type: 'boolean' },
  kubeconfig: { type: 'string' },
  kubernetes: { type: 'string' },
});
const runs = Number(flags.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`soak: --runs needs a positive whole number (usage: ${USAGE})\n`);
  process.exit(EXIT.USAGE_OR_ENVIRONMENT);
}

$.verbose = false;
$.quiet = true;
$.cwd = PACKAGE_ROOT;

await main(async () => {
  const lineArgs = flags.kubernetes ? ['--kubernetes', flags.kubernetes] : [];
  const base = parseConfig(['verify', ...lineArgs], process.env);
  const cli = [process.execPath, 'bin/kube-claims.ts'];
  const name = 'kc-soak';
  const target = flags.kubeconfig ? ['--kubeconfig', flags.kubeconfig] : ['--name', name, '--keep'];
  const dir = await mkdtemp(join(tmpdir(), 'kube-claims-soak-'));
  const models: ResultsModel[] = [];
  const walls: Array<{ run: number; exitCode: number | undefined; seconds: number }> = [];
  try {
    if (!flags.kubeconfig) await $({ quiet: false, stdio: 'inherit' })`${cli} cluster up --name ${name} ${lineArgs}`;
    for (let i = 1; i <= runs; i++) {
      const runId = `${base.runId}-soak-${i}`;
      const t0 = performance.now();
      const r = await $({
        nothrow: true,
        env: { ...process.env, NO_COLOR: '1', KUBE_CLAIMS_RUN_ID: runId },
      })`${cli} verify ${target} ${lineArgs} --formats json --report-dir ${dir} ${flags['claims-only'] ? ['--claims-only'] : []}`;
      const seconds = Math.round((performance.now() - t0) / 100) / 10;
      walls.push({ run: i, exitCode: r.exitCode ?? undefined, seconds });
      const model = JSON.parse(
        await readFile(join(dir, runId, 'results.json'), 'utf8').catch(() => 'null'),
      ) as ResultsModel | null;
      if (model) models.push(model);
      console.log(
        `run ${i}/${runs}: exit ${r.exitCode} in ${seconds} s${model ? `, ${model.testCases.passed} passed, ${model.testCases.failed} failed, ${model.testCases.skipped} skipped` : ', no results'}`,
      );
    }
  } finally {
    if (!flags.kubeconfig) await $({ nothrow: true })`${cli} cluster down --name ${name}`;
    await rm(dir, { recursive: true, force: true });
  }
  const rows = soakRows(models);
  console.log(`\n${renderSoakTable(rows, runs)}`);
  await mkdir(base.reportsDir, { recursive: true });
  const file = join(base.reportsDir, `soak-${base.runId}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ line: base.line.id, runs, claimsOnly: !!flags['claims-only'], kubeconfig: !!flags.kubeconfig, walls, rows }, null, 2)}\n`,
  );
  console.log(`written to ${file}`);
  const failed = walls.some((w) => w.exitCode !== 0) || rows.some((r) => r.fail > 0) || models.length < runs;
  return failed ? 1 : 0;
});
