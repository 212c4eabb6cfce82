// The main job: open a session with the cluster, run the claims through vitest with the cluster provided
// as values, take the results from the in-process reporter, and turn them into the exit code.
import { join } from 'node:path';
import { createVitest } from 'vitest/node';
import { prepareHost } from '../kind/host/host.ts';
import { PACKAGE_ROOT } from '../contract/package-root.ts';
import { onInterrupt } from '../helpers/cleanup.ts';
import { EnvironmentError } from '../contract/errors.ts';
import { log } from '../helpers/log.ts';
import type { RunExitCode } from '../contract/exit-codes.ts';
import { exitCodeOf } from '../report/exit-code.ts';
import type { ResultsModel } from '../report/types.ts';
import { checkFiles, selectedClaims, type RunConfig } from './config.ts';
import { openSession } from './session.ts';
import { provideSession, vitestOptions } from './vitest-projects.ts';

export type ExitCode = RunExitCode;
export { exitCodeOf };

export interface VerifyResult {
  exitCode: ExitCode;
  reportDir: string;
  model: ResultsModel;
}

export async function verify(config: RunConfig): Promise<VerifyResult> {
  checkFiles(config);
  if (!config.kubeconfig) await prepareHost();
  const session = await openSession(config);
  const unregister = onInterrupt(session.close);
  try {
    log.step(`run ${config.runId}: checking the claims on ${session.cluster.name} (${session.cluster.serverVersion})`);
    const { projects, sequence, tags, tagsFilter, reporters, reporter } = vitestOptions(config, { unit: false });
    // vitest's caches (its results, for the next run's order; the transformed modules) with the build cache,
    // not beside the suites: installed, those are under node_modules.
    const cache = { fsModuleCachePath: join(config.kind.cacheDir, 'vitest-modules') };
    const vitest = await createVitest(
      'test',
      {
        root: PACKAGE_ROOT,
        config: false,
        watch: false,
        run: true,
        projects,
        sequence,
        tags,
        tagsFilter,
        reporters,
        ...cache,
      },
      { cacheDir: join(config.kind.cacheDir, 'vite') },
    );
    try {
      provideSession(vitest, session);
      await vitest.start();
    } finally {
      await vitest.close();
    }
    if (!reporter.model)
      throw new EnvironmentError('the claims run ended without results (vitest failed before reporting; see above)');
    return {
      exitCode: exitCodeOf(reporter.model, new Set(selectedClaims(config).map((c) => c.id)), {
        requireControls: config.requireControls,
      }),
      reportDir: join(config.reportsDir, config.runId),
      model: reporter.model,
    };
  } finally {
    unregister();
    await session.close();
  }
}
