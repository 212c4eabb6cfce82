// The kind provider: create, reuse, describe and delete a named kind cluster.
// Kubeconfigs go to a project-local file, never ~/.kube/config.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { kubeconfigPath, logsDir, type KindSettings } from '../settings.ts';
import { containerExists } from '../host/docker.ts';
import { log } from '../../helpers/log.ts';
import { EnvironmentError, UsageError } from '../../contract/errors.ts';

/** Written into the node container once kube-claims created the cluster: how we tell ours from others. */
const OWNER_MARKER = '/kind/kube-claims-owner';

/** The nodes of a cluster to make: a topology's counts, or a user's own kind configuration (already parsed). */
export type KindShape =
  { controlPlanes: number; workers: number } | { userConfig: Record<string, unknown>; file: string };

export interface KindClusterSpec {
  name: string;
  image: string;
  /** kubelet 1.35+ refuses cgroup v1 unless told otherwise. */
  allowCgroupV1: boolean;
  shape: KindShape;
}

const KIND_API = 'kind.x-k8s.io/v1alpha4';
type KindNode = { role?: string; image?: string } & Record<string, unknown>;

/**
 * The kind configuration kube-claims creates a cluster from: the topology's nodes (or the user's, with their
 * other settings kept), every node on the run's image, the API server on loopback unless the user says
 * otherwise, and kube-claims' kubelet patch appended to the user's. Pure: what kind is given is what this returns.
 */
export function kindClusterConfig(spec: KindClusterSpec): Record<string, unknown> {
  const user = 'userConfig' in spec.shape ? spec.shape.userConfig : {};
  if ('userConfig' in spec.shape) {
    if (user.kind !== 'Cluster' || user.apiVersion !== KIND_API)
      throw new UsageError(`${spec.shape.file}: a kind configuration has kind: Cluster and apiVersion: ${KIND_API}`);
    if (
      user.nodes !== undefined &&
      (!Array.isArray(user.nodes) || !(user.nodes as KindNode[]).some((n) => n?.role === 'control-plane'))
    ) {
      throw new UsageError(`${spec.shape.file}: nodes must be a list with at least one role: control-plane`);
    }
  }
  const nodes: KindNode[] =
    'userConfig' in spec.shape
      ? ((user.nodes as KindNode[] | undefined) ?? [{ role: 'control-plane' }]).map((n) => ({
          ...n,
          image: spec.image,
        }))
      : [
          ...Array.from({ length: spec.shape.controlPlanes }, () => ({ role: 'control-plane', image: spec.image })),
          ...Array.from({ length: spec.shape.workers }, () => ({ role: 'worker', image: spec.image })),
        ];
  const networking = (user.networking ?? {}) as Record<string, unknown>;
  const patches = (user.kubeadmConfigPatches ?? []) as unknown[];
  return {
    ...user,
    kind: 'Cluster',
    apiVersion: KIND_API,
    name: spec.name,
    networking: { apiServerAddress: '127.0.0.1', ...networking },
    nodes,
    ...(spec.allowCgroupV1 || patches.length
      ? {
          kubeadmConfigPatches: [
            ...patches,
            ...(spec.allowCgroupV1 ? ['kind: KubeletConfiguration\nfailCgroupV1: false\n'] : []),
          ],
        }
      : {}),
  };
}

/** How many control-plane nodes a shape asks for (a user's configuration without nodes: kind's one). */
export function controlPlanesOf(shape: KindShape): number {
  if (!('userConfig' in shape)) return shape.controlPlanes;
  const nodes = shape.userConfig.nodes;
  return Array.isArray(nodes) ? (nodes as KindNode[]).filter((n) => n?.role === 'control-plane').length : 1;
}

/** A kind configuration file, parsed; a usage error when it is not one. */
export async function readKindConfig(file: string): Promise<KindShape> {
  let userConfig: unknown;
  try {
    userConfig = parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file} is not a readable YAML file: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!userConfig || typeof userConfig !== 'object' || Array.isArray(userConfig))
    throw new UsageError(`${file} is not a kind configuration (a YAML mapping)`);
  return { userConfig: userConfig as Record<string, unknown>, file };
}

export class KindCluster {
  readonly name: string;
  readonly kind: string;

  private readonly settings: KindSettings;

  constructor(kindBinary: string, name: string, settings: KindSettings) {
    this.kind = kindBinary;
    this.name = name;
    this.settings = settings;
  }

  get controlPlaneContainer(): string {
    return `${this.name}-control-plane`;
  }

  get kubeconfigPath(): string {
    return kubeconfigPath(this.settings, this.name);
  }

  /** The kind configuration the cluster was created from (written by create, removed by delete). */
  get configPath(): string {
    return `${this.settings.stateDir}/${this.name}.kind.yaml`;
  }

  async exists(): Promise<boolean> {
    const { stdout } = await execa(this.kind, ['get', 'clusters'], { reject: false });
    return stdout.split('\n').includes(this.name) || (await containerExists(this.controlPlaneContainer));
  }

  async isOurs(): Promise<boolean> {
    // docker cp also reads a stopped container.
    const r = await execa('docker', ['cp', `${this.controlPlaneContainer}:${OWNER_MARKER}`, '-'], { reject: false });
    return r.exitCode === 0;
  }

  async running(): Promise<boolean> {
    const r = await execa('docker', ['inspect', '--format', '{{.State.Running}}', this.controlPlaneContainer], {
      reject: false,
    });
    return r.stdout.trim() === 'true';
  }

  /** Seconds since the control-plane container (re)started; Docker restarts kind's nodes with the engine. */
  async secondsSinceStart(): Promise<number> {
    const { stdout } = await execa('docker', [
      'inspect',
      '--format',
      '{{.State.StartedAt}}',
      this.controlPlaneContainer,
    ]);
    return (Date.now() - Date.parse(stdout.trim())) / 1000;
  }

  /** The node image the control-plane container runs. */
  async image(): Promise<string> {
    const { stdout } = await execa('docker', ['inspect', '--format', '{{.Config.Image}}', this.controlPlaneContainer]);
    return stdout.trim();
  }

  async create(spec: KindClusterSpec): Promise<void> {
    const nodes = await this.writeConfig(spec);
    log.step(
      `kind create cluster --name ${spec.name} (${nodes.filter((n) => n.role === 'control-plane').length} control plane(s), ${nodes.filter((n) => n.role === 'worker').length} worker(s), ${spec.image})`,
    );
    const r = await this.runKindCreate(spec.name);
    if (r.exitCode !== 0) await this.failCreate(spec, r.all ?? '');
    await this.markOwned();
  }

  /** Writes the kind configuration of `spec` where kind reads it; returns its nodes. */
  private async writeConfig(spec: KindClusterSpec): Promise<KindNode[]> {
    const clusterConfig = kindClusterConfig(spec);
    await mkdir(dirname(this.configPath), { recursive: true });
    await writeFile(this.configPath, stringify(clusterConfig));
    return clusterConfig.nodes as KindNode[];
  }

  /** `kind create cluster`, its output streamed as progress detail; kube-claims waits for readiness itself. */
  private async runKindCreate(name: string): Promise<{ exitCode?: number; all?: string }> {
    const args = ['create', 'cluster', '--name', name, '--config', this.configPath];
    const child = execa(this.kind, [...args, '--kubeconfig', this.kubeconfigPath, '--wait', '0s', '--retain'], {
      reject: false,
      all: true,
    });
    child.all?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) if (line.trim()) log.detail(line.trim());
    });
    return await child;
  }

  /** A failed create: a configuration kind refused is the user's to fix; a failure while creating keeps kind's logs. */
  private async failCreate(spec: KindClusterSpec, output: string): Promise<never> {
    const lines = output.trim().split('\n');
    if (!/Creating cluster/.test(output)) {
      // kind refused the configuration before making anything (its Validate runs before the nodes exist).
      const reason = lines
        .filter((l) => /ERROR|error/i.test(l))
        .slice(-3)
        .join(' | ');
      const of = 'file' in spec.shape ? ` of ${spec.shape.file}` : '';
      throw new UsageError(`kind rejected the cluster configuration${of}: ${reason || lines.at(-1)}`);
    }
    const failureLogs = `${logsDir(this.settings)}/${spec.name}-create-failure`;
    await execa(this.kind, ['export', 'logs', failureLogs, '--name', spec.name], { reject: false });
    await this.delete();
    const tail = lines
      .filter((l) => /ERROR|error|failed/i.test(l))
      .slice(-2)
      .join(' | ');
    throw new EnvironmentError(`kind create cluster ${spec.name} failed (logs in ${failureLogs}): ${tail}`);
  }

  /** Marks every node as made by kube-claims, so a later run may delete the cluster. */
  private async markOwned(): Promise<void> {
    for (const node of await this.nodeContainers())
      await execa('docker', ['exec', node, 'sh', '-c', `echo "${new Date().toISOString()}" > ${OWNER_MARKER}`]);
  }

  /** The cluster's node containers (kind names each node's container and hostname alike), without its load balancer. */
  async nodeContainers(): Promise<string[]> {
    const { stdout } = await execa(this.kind, ['get', 'nodes', '--name', this.name], { reject: false });
    return stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((n) => n && !n.endsWith('-external-load-balancer'));
  }

  /** Rewrites the project-local kubeconfig of an existing cluster. */
  async exportKubeconfig(): Promise<void> {
    await mkdir(dirname(this.kubeconfigPath), { recursive: true });
    const r = await execa(
      this.kind,
      ['export', 'kubeconfig', '--name', this.name, '--kubeconfig', this.kubeconfigPath],
      { reject: false, all: true },
    );
    if (r.exitCode !== 0)
      throw new EnvironmentError(
        `cannot export the kubeconfig of kind cluster ${this.name}: ${r.all?.trim().split('\n').at(-1)}`,
      );
  }

  /** `kind load docker-image` into `nodes` (all of the cluster's by default); kind skips a node that has it already. */
  async loadImage(image: string, nodes: string[] = []): Promise<void> {
    const only = nodes.length ? ['--nodes', nodes.join(',')] : [];
    const r = await execa(this.kind, ['load', 'docker-image', image, '--name', this.name, ...only], {
      reject: false,
      all: true,
    });
    if (r.exitCode !== 0)
      throw new EnvironmentError(`kind load docker-image ${image} failed: ${r.all?.trim().split('\n').at(-1)}`);
  }

  async delete(): Promise<void> {
    await execa(this.kind, ['delete', 'cluster', '--name', this.name, '--kubeconfig', this.kubeconfigPath], {
      reject: false,
    });
    // kind takes the cluster's entries out of the kubeconfig but leaves the file: the run's own files go too.
    await rm(this.kubeconfigPath, { force: true });
    await rm(this.configPath, { force: true });
  }
}
