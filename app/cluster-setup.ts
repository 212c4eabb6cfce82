// vitest globalSetup of the claims projects: the environment step of the test command. When `verify` runs
// the claims it has provided the cluster already; otherwise (npm test) this opens the session itself from
// the provided configuration (app/session.ts), provides it, and closes it when the run ends. It opens a
// session, so it lives in app/ (suites/ is below app).
import type { TestProject } from 'vitest/node';
import { prepareHost } from '../kind/host/host.ts';
import { log, setVerbose } from '../helpers/log.ts';
import type {} from '../contract/cluster.ts';
import { openSession } from './session.ts';
import type {} from './vitest-projects.ts';

export default async function setup(project: TestProject) {
  const provided = project.getProvidedContext();
  if (provided.cluster) return undefined;
  const config = provided.config;
  setVerbose(config.verbose);
  if (!config.kubeconfig) await prepareHost();
  const session = await openSession(config);
  // To every project of the run (the disruptive controls' too), not only this one.
  project.vitest.provide('cluster', session.cluster);
  project.vitest.provide('run', session.run);
  project.vitest.provide('environment', session.facts);
  log.step(`run ${config.runId}: checking the claims on ${session.cluster.name} (${session.cluster.serverVersion})`);
  return () => session.close();
}
