#!/usr/bin/env node
// kube-claims: proof, not belief, about a kubeadm cluster.
// Exit codes: contract/exit-codes.ts (0 passed, 1 failed, 2 usage or environment error, 3 claims unchecked).
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
import { EXIT } from '../contract/exit-codes.ts';

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
      // `kube-claims` alone is a usage error: it was not asked for the help.
      return process.argv.length > 2 ? EXIT.PASSED : EXIT.USAGE_OR_ENVIRONMENT;
    case 'verify':
      return (await verify(config)).exitCode;
    case 'matrix':
      return (await runMatrix(config)).exitCode;
    case 'matrix merge':
      return (await mergeMatrix(config, config.command.dirs)).exitCode;
    case 'list':
      listClaims();
      return EXIT.PASSED;
    case 'host prepare':
      await prepareHost();
      console.log(`kind CLI: ${await buildKind(binDir(config.kind))}`);
      return EXIT.PASSED;
    case 'image build':
      console.log((await buildNodeImage(config.line, config.kind)).tag);
      return EXIT.PASSED;
    case 'cluster up':
      return clusterUp(config);
    case 'cluster down':
      return clusterDown(config);
  }
});
