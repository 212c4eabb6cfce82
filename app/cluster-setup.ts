// vitest globalSetup of the live claims under the test command (`npm test`): the environment step. When
// `verify` runs the claims it has provided the cluster already; otherwise this opens the session from the
// provided configuration (app/session.ts), provides it (app/vitest-projects.ts provideSession), and closes
// it when the run ends.
import type { TestProject } from 'vitest/node';
import { prepareHost } from '../kind/host/host.ts';
import { log, setVerbose } from '../helpers/log.ts';
import { openSession } from './session.ts';
import { provideSession } from './vitest-projects.ts';

export default async function setup(project: TestProject) {
  const provided = project.getProvidedContext();
  if (provided.cluster) return undefined;
  const config = provided.config;
  setVerbose(config.verbose);
  if (!config.kubeconfig) await prepareHost();
  const session = await openSession(config);
  // To every project of the run (the disruptive controls' too), not only this one.
  provideSession(project.vitest, session);
  log.step(`run ${config.runId}: checking the claims on ${session.cluster.name} (${session.cluster.serverVersion})`);
  return () => session.close();
}
