// Typed wrappers over the docker CLI (the same engine kind uses).
import { execa } from 'execa';

export async function dockerAnswers(): Promise<boolean> {
  return (await dockerVersion()) !== undefined;
}

/** The Docker engine's version, or undefined when no engine answers (within 15 s). */
export async function dockerVersion(): Promise<string | undefined> {
  const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false, timeout: 15_000 });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** Labels of a local image, or undefined when the image is not present. */
export async function imageLabels(ref: string): Promise<Record<string, string> | undefined> {
  const r = await execa('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', ref], { reject: false });
  if (r.exitCode !== 0) return undefined;
  return (JSON.parse(r.stdout) as Record<string, string> | null) ?? {};
}

export async function imageExists(ref: string): Promise<boolean> {
  return (await imageLabels(ref)) !== undefined;
}

/**
 * The images this host's Docker holds, as REPOSITORY:TAG and REPOSITORY@DIGEST; empty when no engine answers.
 * Providers put them in the cluster contract (ClusterInfo.hostImages), so the suites never ask Docker themselves.
 */
export async function localImages(): Promise<string[]> {
  const r = await execa('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}} {{.Repository}}@{{.Digest}}'], {
    reject: false,
    timeout: 15_000,
  });
  if (r.exitCode !== 0) return [];
  return [...new Set(r.stdout.split(/\s+/).filter((ref) => ref && !ref.includes('<none>')))];
}

/** Tries to pull; false (quickly) where no registry is reachable. */
export async function tryPull(ref: string, timeoutMs = 60_000): Promise<boolean> {
  const r = await execa('docker', ['pull', '--quiet', ref], { reject: false, timeout: timeoutMs });
  return r.exitCode === 0;
}

export interface BuildOptions {
  tag: string;
  context: string;
  dockerfile: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
}

export async function dockerBuild(o: BuildOptions): Promise<void> {
  const args = ['build', '--quiet', '-t', o.tag, '-f', o.dockerfile];
  for (const [k, v] of Object.entries(o.buildArgs ?? {})) args.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(o.labels ?? {})) args.push('--label', `${k}=${v}`);
  args.push(o.context);
  // The legacy builder needs no image pulls for FROM scratch or local bases.
  const r = await execa('docker', args, { reject: false, all: true, env: { DOCKER_BUILDKIT: '0' } });
  if (r.exitCode !== 0)
    throw new Error(`docker build ${o.tag} failed: ${(r.all ?? '').trim().split('\n').slice(-8).join(' | ')}`);
}

/** Imports a root filesystem tarball stream as an image. */
export async function dockerImportDir(dir: string, tag: string, changes: string[] = []): Promise<void> {
  const r = await execa('tar', ['-C', dir, '--numeric-owner', '-c', '.'], { buffer: { stdout: false } }).pipe(
    'docker',
    ['import', ...changes.flatMap((c) => ['--change', c]), '-', tag],
    { reject: false },
  );
  if (r.exitCode !== 0) throw new Error(`docker import ${tag} failed: ${r.stderr.trim()}`);
}

export async function dockerSave(refs: string[], file: string): Promise<void> {
  await execa('docker', ['save', '-o', file, ...refs]);
}

export async function containerExists(name: string): Promise<boolean> {
  const r = await execa('docker', ['container', 'inspect', '--format', '{{.Name}}', name], { reject: false });
  return r.exitCode === 0;
}
