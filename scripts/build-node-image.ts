#!/usr/bin/env node
// Builds the offline kind node image for a Kubernetes version (default: the article's line).
// Usage: node scripts/build-node-image.ts [--kubernetes v1.34]
import { argv } from 'zx';
import { config, resolveKubernetesVersion } from '../helpers/config.ts';
import { main } from '../helpers/main.ts';
import { buildNodeImage } from '../kind/recipe/node-image.ts';

await main(async () => {
  const { version } = resolveKubernetesVersion(String(argv.kubernetes ?? config.kubernetesVersion));
  const result = await buildNodeImage(version);
  console.log(result.tag);
});
