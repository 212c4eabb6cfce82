#!/usr/bin/env node
// kube-claims: proof, not belief, about a kubeadm cluster.
// Exit codes: 0 every selected claim passed, 1 a claim failed, 2 usage or environment error, 3 claims unchecked.
import { parseConfig, USAGE } from '../app/config.ts';
import { main } from '../app/main.ts';
import { mergeMatrix, runMatrix } from '../app/matrix.ts';
import { parseRbacArgs, rbacYaml } from '../app/rbac.ts';
import { verify } from '../app/verify.ts';
import { clusterDown, clusterUp, listClaims } from '../app/commands.ts';
import { prepareHost } from '../kind/host/host.ts';
import { buildKind } from '../kind/image/components.ts';
import { buildNodeImage } from '../kind/image/node-image.ts';
import { binDir } from '../kind/settings.ts';
import { setVerbose } from '../helpers/log.ts';

await main(async () => {
  // rbac has options of its own (app/rbac.ts), and needs no run configuration.
  if (process.argv[2] === 'rbac') {
    process.stdout.write(rbacYaml(parseRbacArgs(process.argv.slice(3))));
    return 0;
  }
  const config = parseConfig(process.argv.slice(2), process.env);
  setVerbose(config.verbose);
  switch (config.command.name) {
    case 'help':
      console.log(USAGE);
      return process.argv.length > 2 ? 0 : 2;
    case 'verify':
      return (await verify(config)).exitCode;
    case 'matrix':
      return (await runMatrix(config)).exitCode;
    case 'matrix merge':
      return (await mergeMatrix(config, config.command.dirs)).exitCode;
    case 'list':
      listClaims();
      return 0;
    case 'host prepare':
      await prepareHost();
      console.log(`kind CLI: ${await buildKind(binDir(config.kind))}`);
      return 0;
    case 'image build':
      console.log((await buildNodeImage(config.line, config.kind)).tag);
      return 0;
    case 'cluster up':
      return clusterUp(config);
    case 'cluster down':
      return clusterDown(config);
  }
});
