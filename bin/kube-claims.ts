#!/usr/bin/env node
// kube-claims: proof, not belief, about a kubeadm cluster.
// Exit codes: 0 every claim passed, 1 a claim failed, 2 usage or environment error.
import { parseArgs } from 'node:util';
import { CATALOGUE, GROUPS } from '../contract/catalogue.ts';
import { config } from '../app/config.ts';
import { UsageError } from '../lib/errors.ts';
import { deleteCluster, provisionCluster } from '../environment/providers/provision.ts';
import { prepareHost } from '../environment/host/host.ts';
import { main } from '../app/main.ts';
import { verify } from '../app/verify.ts';
import { mergeMatrix, runMatrix } from '../app/matrix.ts';
import { buildNodeImage } from '../environment/image/node-image.ts';
import { buildKind } from '../environment/image/components.ts';
import { resolveLine } from '../contract/lines.ts';

const USAGE = `usage: kube-claims <command> [options]

commands:
  verify            provision (or reuse) a kind cluster, check every claim, write the reports
  matrix            verify on several Kubernetes versions and merge the runs into one matrix report
  matrix merge DIR… merge finished runs (reports/RUN-ID folders) into a matrix report
  list              print the claims catalogue
  host prepare      install/start what kube-claims needs on this machine (Docker engine, kind)
  image build       build the offline kind node image
  cluster up|down   bring the named kind cluster up, or delete it

options:
  --kubernetes V      Kubernetes version or line (default ${config.kubernetesVersion}); matrix: comma list
  --name NAME         kind cluster name (default ${config.clusterName})
  --kubeconfig FILE   use an existing cluster instead of provisioning one
  --context NAME      kubeconfig context (with --kubeconfig)
  --keep              keep a kind cluster this run created (an existing one is always kept)
  --image-source S    auto (default), offline (always build the node image), upstream (kindest/node only)
  --node-image REF    use this node image as it is (e.g. kindest/node:v1.34.0@sha256:...)
  --focus LIST        only these claim IDs or groups (${Object.keys(GROUPS).join(', ')}), comma-separated
  --skip LIST         leave out these claim IDs or groups
  --report-dir DIR    parent folder of the RUN-ID report folders (default reports/)
  --formats LIST      junit,json,md,html (default all)
  -h, --help          this text`;

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

await main(async () => {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        kubernetes: { type: 'string' }, name: { type: 'string' }, kubeconfig: { type: 'string' }, context: { type: 'string' },
        keep: { type: 'boolean' }, 'image-source': { type: 'string' }, 'node-image': { type: 'string' }, focus: { type: 'string' }, skip: { type: 'string' },
        'report-dir': { type: 'string' }, formats: { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message} (kube-claims --help)`);
  }
  const { values: o, positionals: [command, sub, ...rest] } = parsed;
  if (o.help || !command) { console.log(USAGE); return command || o.help ? 0 : 2; }
  const imageSource = o['image-source'] as 'auto' | 'offline' | 'upstream' | undefined;
  if (imageSource && !['auto', 'offline', 'upstream'].includes(imageSource)) throw new UsageError(`--image-source must be auto, offline or upstream, not ${imageSource}`);
  if (o.context && !o.kubeconfig) throw new UsageError('--context needs --kubeconfig');

  switch (`${command}${sub ? ` ${sub}` : ''}`) {
    case 'verify': {
      const result = await verify({
        kubernetesVersion: o.kubernetes, name: o.name, kubeconfig: o.kubeconfig, context: o.context, keep: o.keep, imageSource, nodeImage: o['node-image'],
        focus: list(o.focus), skip: list(o.skip), reportDir: o['report-dir'], formats: o.formats,
      });
      return result.exitCode;
    }
    case 'matrix merge':
      if (!rest.length) throw new UsageError('matrix merge needs report folders (reports/RUN-ID ...)');
      return (await mergeMatrix(rest, o['report-dir'])).exitCode;
    case 'matrix':
      return (await runMatrix({ versions: list(o.kubernetes), imageSource, keep: o.keep, reportDir: o['report-dir'], focus: list(o.focus), skip: list(o.skip) })).exitCode;
    case 'list':
      for (const c of CATALOGUE) console.log(`${c.id.padEnd(8)} ${c.section.padEnd(5)} ${c.title}`);
      return 0;
    case 'host prepare':
      await prepareHost();
      console.log(`kind CLI: ${await buildKind()}`);
      return 0;
    case 'image build':
      console.log((await buildNodeImage(resolveLine(o.kubernetes ?? config.kubernetesVersion))).tag);
      return 0;
    case 'cluster up': {
      await prepareHost();
      const info = await provisionCluster({ name: o.name, kubernetesVersion: o.kubernetes, imageSource, nodeImage: o['node-image'] });
      console.log(`cluster ${info.name} (${info.kubernetesVersion}, node ${info.nodeName}) is ready\nexport KUBECONFIG=${info.kubeconfig}`);
      return 0;
    }
    case 'cluster down': {
      const name = o.name ?? config.clusterName;
      console.log((await deleteCluster(name)) ? `deleted kind cluster ${name}` : `no kind cluster ${name}`);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${[command, sub].filter(Boolean).join(' ')}" (kube-claims --help)`);
  }
});
