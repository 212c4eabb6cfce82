#!/usr/bin/env node
// Prepares this machine for kube-claims: Docker engine (with the capability shim where the
// host needs it) and the kind CLI built from its Go module. Safe to run again.
import { main } from '../helpers/main.ts';
import { prepareHost } from '../helpers/host.ts';
import { buildKind } from '../kind/recipe/components.ts';
import { log } from '../helpers/log.ts';

await main(async () => {
  await prepareHost();
  log.step(`kind CLI: ${await buildKind()}`);
});
