#!/usr/bin/env node
// Brings up (or reuses) the named kind cluster and returns when every kube-system pod is Ready.
// Usage: node scripts/cluster-up.ts [--kubernetes v1.34] [--name NAME] [--image-source auto|offline|upstream]
import { argv } from 'zx';
import { main } from '../helpers/main.ts';
import { provisionCluster } from '../helpers/cluster/provision.ts';

await main(async () => {
  const info = await provisionCluster({
    name: argv.name, kubernetesVersion: argv.kubernetes, imageSource: argv['image-source'],
  });
  console.log(`cluster ${info.name} (${info.kubernetesVersion}, node ${info.nodeName}) is ready`);
  console.log(`export KUBECONFIG=${info.kubeconfig}`);
});
