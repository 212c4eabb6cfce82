// What the running binaries say of where they came from: each control-plane node's process of a component, its
// Go build information read on the node (helpers/running-binaries.ts), and the Go checksum database asked about
// its main module's version and hash (helpers/go-proxy.ts). The binaries are the run's one observation of each node.
import type { ClusterInfo } from '../contract/cluster.ts';
import { goEnvironment, ModuleNotVerified, verifyWithSumdb } from '../helpers/go-proxy.ts';
import { runningBinaries, type RunningBinary } from '../helpers/running-binaries.ts';
import { DEVEL, type BinaryProvenance } from './checks/provenance.ts';
import { controlPlaneNodes, onNode } from './observations.ts';
import { READ_TOGETHER } from './node-binaries.ts';
import { runOrLive } from './run-observations.ts';
import { inject } from 'vitest';

export interface ProvenanceObservation {
  binaries: BinaryProvenance[];
  /**
   * Control-plane nodes whose binary could not be read, and why (no shell on the node, no such process, no build
   * information).
   */
  unread: string[];
}

const observed = new Map<string, Promise<ProvenanceObservation>>();

const onNodes = new Map<string, Promise<RunningBinary[]>>();
/**
 * The running binaries of a node: the run's observation (suites/node-binaries.ts), or, where it has none for this
 * node or component, read live once per worker.
 */
function binariesOn(c: ClusterInfo, component: string): Promise<RunningBinary[]> {
  const together = READ_TOGETHER.includes(component);
  const components = together ? READ_TOGETHER : [component];
  const run = together ? inject('runBinaries')?.[c.nodeName] : undefined;
  return runOrLive(run, onNodes, `${c.name}/${c.nodeName}/${components.join(',')}`, () =>
    runningBinaries(c, components),
  );
}

/**
 * The running `component` (its process name) on every control-plane node, with what the checksum database says of it.
 */
export function binaryProvenance(cluster: ClusterInfo, component: string): Promise<ProvenanceObservation> {
  const key = `${cluster.name}/${component}`;
  let o = observed.get(key);
  if (!o) observed.set(key, (o = observe(cluster, component)));
  return o;
}

async function observe(cluster: ClusterInfo, component: string): Promise<ProvenanceObservation> {
  const binaries: BinaryProvenance[] = [];
  const unread: string[] = [];
  const env = goEnvironment();
  // Asked once per module version and hash: every control plane of a cluster usually runs the same build.
  const asked = new Map<string, Promise<BinaryProvenance['checksum']>>();
  const vouch = (path: string, version: string, sum: string) => {
    const k = `${path}@${version} ${sum}`;
    let v = asked.get(k);
    if (!v)
      asked.set(
        k,
        (v = verifyWithSumdb(path, version, sum, env).then(
          (vouched) => ({ vouched }),
          (e: unknown) => {
            // The database answered against the hash: a finding. Anything else (no answer) is an observation not made.
            // reported: the refusal is the finding the check reports; other errors are thrown
            if (e instanceof ModuleNotVerified) return { refused: e.message };
            throw e;
          },
        )),
      );
    return v;
  };
  for (const node of controlPlaneNodes(cluster)) {
    if (node.access.kind === 'none') {
      unread.push(`${node.name}: no shell on the node (${node.access.reason})`);
      continue;
    }
    const running = (await binariesOn(onNode(cluster, node), component)).find((b) => b.component === component);
    if (!running) {
      unread.push(`${node.name}: no running ${component} container in kube-system/${component}-${node.name}`);
      continue;
    }
    if (!running.info) {
      unread.push(`${node.name}: ${running.executable}: ${running.error}`);
      continue;
    }
    const main = running.info.main;
    const checksum =
      main && main.version !== DEVEL && main.sum ? await vouch(main.path, main.version, main.sum) : undefined;
    binaries.push({
      component,
      node: node.name,
      executable: running.executable,
      info: running.info,
      ...(checksum ? { checksum } : {}),
    });
  }
  return { binaries, unread };
}
