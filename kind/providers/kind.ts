// The kind provider: create, reuse, describe and delete a named kind cluster.
// Kubeconfigs go to a project-local file, never ~/.kube/config.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { kubeconfigPath, logsDir, type KindSettings } from '../settings.ts';
import { containerExists } from '../host/docker.ts';
import { log } from '../../helpers/log.ts';
import { EnvironmentError } from '../../contract/errors.ts';

/** Written into the node container once kube-claims created the cluster: how we tell ours from others. */
const OWNER_MARKER = '/kind/kube-claims-owner';

export interface KindClusterSpec {
  name: string;
  image: string;
  /** kubelet 1.35+ refuses cgroup v1 unless told otherwise. */
  allowCgroupV1: boolean;
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
    const r = await execa('docker', ['inspect', '--format', '{{.State.Running}}', this.controlPlaneContainer], { reject: false });
    return r.stdout.trim() === 'true';
  }

  /** Seconds since the control-plane container (re)started; Docker restarts kind's nodes with the engine. */
  async secondsSinceStart(): Promise<number> {
    const { stdout } = await execa('docker', ['inspect', '--format', '{{.State.StartedAt}}', this.controlPlaneContainer]);
    return (Date.now() - Date.parse(stdout.trim())) / 1000;
  }

  /** The node image the control-plane container runs. */
  async image(): Promise<string> {
    const { stdout } = await execa('docker', ['inspect', '--format', '{{.Config.Image}}', this.controlPlaneContainer]);
    return stdout.trim();
  }

  async create(spec: KindClusterSpec): Promise<void> {
    const clusterConfig = {
      kind: 'Cluster',
      apiVersion: 'kind.x-k8s.io/v1alpha4',
      name: spec.name,
      // kind's default CNI either way: kindnet on kindest/node, flannel on the offline image (its /kind/manifests).
      networking: { apiServerAddress: '127.0.0.1' },
      nodes: [{ role: 'control-plane', image: spec.image }],
      ...(spec.allowCgroupV1 ? { kubeadmConfigPatches: ['kind: KubeletConfiguration\nfailCgroupV1: false\n'] } : {}),
    };
    const configFile = `${this.settings.stateDir}/${spec.name}.kind.yaml`;
    await mkdir(dirname(configFile), { recursive: true });
    await writeFile(configFile, stringify(clusterConfig));
    log.step(`kind create cluster --name ${spec.name} --image ${spec.image}`);
    const child = execa(this.kind, ['create', 'cluster', '--name', spec.name, '--config', configFile, '--kubeconfig', this.kubeconfigPath, '--wait', '0s', '--retain'], {
      reject: false, all: true,
    });
    child.all?.on('data', (d: Buffer) => { for (const line of d.toString().split('\n')) if (line.trim()) log.detail(line.trim()); });
    const r = await child;
    if (r.exitCode !== 0) {
      const failureLogs = `${logsDir(this.settings)}/${spec.name}-create-failure`;
      await execa(this.kind, ['export', 'logs', failureLogs, '--name', spec.name], { reject: false });
      await this.delete();
      const tail = (r.all ?? '').trim().split('\n').filter((l) => /ERROR|error|failed/i.test(l)).slice(-2).join(' | ');
      throw new EnvironmentError(`kind create cluster ${spec.name} failed (logs in ${failureLogs}): ${tail}`);
    }
    await execa('docker', ['exec', this.controlPlaneContainer, 'sh', '-c', `echo "${new Date().toISOString()}" > ${OWNER_MARKER}`]);
  }

  /** Rewrites the project-local kubeconfig of an existing cluster. */
  async exportKubeconfig(): Promise<void> {
    await mkdir(dirname(this.kubeconfigPath), { recursive: true });
    const r = await execa(this.kind, ['export', 'kubeconfig', '--name', this.name, '--kubeconfig', this.kubeconfigPath], { reject: false, all: true });
    if (r.exitCode !== 0) throw new EnvironmentError(`cannot export the kubeconfig of kind cluster ${this.name}: ${r.all?.trim().split('\n').at(-1)}`);
  }

  async loadImage(image: string): Promise<void> {
    const r = await execa(this.kind, ['load', 'docker-image', image, '--name', this.name], { reject: false, all: true });
    if (r.exitCode !== 0) throw new EnvironmentError(`kind load docker-image ${image} failed: ${r.all?.trim().split('\n').at(-1)}`);
  }

  async delete(): Promise<void> {
    await execa(this.kind, ['delete', 'cluster', '--name', this.name, '--kubeconfig', this.kubeconfigPath], { reject: false });
  }
}
