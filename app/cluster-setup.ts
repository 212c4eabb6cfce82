// vitest globalSetup of the live claims under the test command (`npm test`): the environment step. When
// `verify` runs the claims it has provided the cluster already; otherwise this opens the session from the
// provided configuration (app/session.ts), provides it (app/vitest-projects.ts provideSession), and closes
// it when the run ends.
import type { TestProject } from 'vitest/node';
import { prepareHost } from '../kind/host/host.ts';
import { log, setVerbose } from '../helpers/log.ts';
import { startTouchScheduler } from '../helpers/touches.ts';
import { openSession } from './session.ts';
import { provideSession } from './vitest-projects.ts';

export default async function setup(project: TestProject) {
  // The scheduler of what the live tests touch, for every worker of the run (verify's too).
  const scheduler = await startTouchScheduler();
  project.vitest.provide('scheduler', scheduler.url);
  const closeScheduler = async () => {
    const s = scheduler.summary();
    log.step(
      `scheduler: ${s.tests} tests declared what they touch; ${s.waited} waited for a test that disturbs or reads it (${(s.waitedMs / 1000).toFixed(1)} s in all)`,
    );
    await scheduler.close();
  };
  const provided = project.getProvidedContext();
  if (provided.cluster) return closeScheduler;
  const config = provided.config;
  setVerbose(config.verbose);
  if (!config.kubeconfig) await prepareHost();
  const session = await openSession(config).catch(async (error: unknown) => {
    await closeScheduler();
    throw error;
  });
  // To every project of the run (the HA controls' too), not only this one.
  provideSession(project.vitest, session);
  log.step(`run ${config.runId}: checking the claims on ${session.cluster.name} (${session.cluster.serverVersion})`);
  return async () => {
    await session.close();
    await closeScheduler();
  };
}
