#!/usr/bin/env node
// Deletes the named kind cluster, if kube-claims made it.
import { argv } from 'zx';
import { config } from '../helpers/config.ts';
import { main } from '../helpers/main.ts';
import { deleteCluster } from '../helpers/cluster/provision.ts';

await main(async () => {
  const name = String(argv.name ?? config.clusterName);
  console.log((await deleteCluster(name)) ? `deleted kind cluster ${name}` : `no kind cluster ${name}`);
});
