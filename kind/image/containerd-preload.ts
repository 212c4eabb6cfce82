// The node image's component images imported into its containerd store at build time, as `kind build
// node-image` does (pkg/build/nodeimage/buildcontext.go, imageimporter.go of kind v0.33.0): a build
// container of the image runs containerd, `ctr images import --no-unpack` takes the archive from the host,
// and the container is committed. A node then boots with its images in place, as kindest/node's do; an
// import at boot cost each node of an HA cluster minutes, all five at once.
import { execa } from 'execa';
import { processAlive, processIdentity } from '../../helpers/host-process.ts';

/** Build containers are named after the process that runs the build ("PID:START" → "PID-START"). */
const BUILD_CONTAINER_PREFIX = 'kube-claims-node-build-';
const buildContainerName = (identity: string) => `${BUILD_CONTAINER_PREFIX}${identity.replace(':', '-')}`;
const BUILD_CONTAINER_NAME = new RegExp(`^${BUILD_CONTAINER_PREFIX}(\\d+)-(\\d+)$`);

/** kind's own import flags (imageimporter.go LoadCommand), pinned so that kubelet's image GC leaves them. */
export const IMPORT_ARGS = [
  '--namespace=k8s.io',
  'images',
  'import',
  '--label=io.cri-containerd.pinned=pinned',
  '--all-platforms',
  '--no-unpack',
  '--digests',
  '-',
] as const;

/** What `docker commit` must set again: the build container ran `sleep infinity` instead of the node's init. */
export const COMMIT_CHANGES = ['ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]', 'CMD []'] as const;

export interface PreloadCommit {
  /** The image built from the node recipe, without its component images. */
  from: string;
  /** The node image to commit. */
  tag: string;
  /** `docker save` archive, each image named as the node must know it. */
  archive: string;
  /** The names that must be in the store afterwards. */
  refs: string[];
  labels: Record<string, string>;
}

async function docker(
  args: string[],
  what: string,
  options: { inputFile?: string; timeout?: number } = {},
): Promise<string> {
  const r = await execa('docker', args, { reject: false, all: true, ...options });
  if (r.exitCode !== 0)
    throw new Error(`${what} failed: ${(r.all ?? r.shortMessage ?? '').trim().split('\n').slice(-5).join(' | ')}`);
  return r.stdout;
}

/** Build containers of builds whose process is gone (a killed build): removed before a new one starts. */
export function staleBuildContainers(names: string[], alive: (identity: string) => boolean = processAlive): string[] {
  return names.filter((n) => {
    const m = BUILD_CONTAINER_NAME.exec(n);
    return m ? !alive(`${m[1]}:${m[2]}`) : false;
  });
}

async function removeStaleBuildContainers(): Promise<void> {
  const out = await docker(
    ['ps', '-a', '--filter', `name=^${BUILD_CONTAINER_PREFIX}`, '--format', '{{.Names}}'],
    'listing build containers',
  );
  const stale = staleBuildContainers(out.split('\n').filter(Boolean));
  if (stale.length) await docker(['rm', '-f', ...stale], 'removing build containers of ended builds');
}

/** Imports `archive` into the store of a container of `from`, checks every ref is there, and commits it as `tag`. */
export async function commitWithPreload(p: PreloadCommit): Promise<void> {
  await removeStaleBuildContainers();
  const name = buildContainerName(processIdentity());
  await docker(['rm', '-f', name], 'removing an earlier build container');
  await docker(
    ['run', '-d', '--name', name, '--entrypoint', 'sleep', '--security-opt', 'seccomp=unconfined', p.from, 'infinity'],
    `starting build container ${name}`,
  );
  try {
    // kind's importer: containerd in the background, then wait for its socket and `ctr info`.
    await docker(
      ['exec', name, 'bash', '-c', 'nohup containerd > /dev/null 2>&1 &'],
      'starting containerd in the build container',
    );
    await docker(
      [
        'exec',
        name,
        'bash',
        '-c',
        'for i in $(seq 1 30); do [ -S /run/containerd/containerd.sock ] && ctr info >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1',
      ],
      'waiting for containerd in the build container',
    );
    await docker(['exec', '-i', name, 'ctr', ...IMPORT_ARGS], 'ctr images import', {
      inputFile: p.archive,
      timeout: 600_000,
    });
    const listed = (
      await docker(['exec', name, 'ctr', '--namespace=k8s.io', 'images', 'list', '-q'], 'ctr images list')
    ).split('\n');
    const missing = p.refs.filter((ref) => !listed.includes(ref));
    if (missing.length) throw new Error(`containerd in the node image holds no ${missing.join(', ')} after the import`);
    // containerd stopped cleanly before the commit, so that its metadata database is closed. It stays a zombie
    // (`sleep`, PID 1 of the build container, reaps no children): gone means no containerd but zombies.
    await docker(
      [
        'exec',
        name,
        'bash',
        '-c',
        "pkill -x containerd; for i in $(seq 1 100); do ps -C containerd -o stat= | grep -qv '^Z' || exit 0; sleep 0.2; done; exit 1",
      ],
      'stopping containerd in the build container',
    );
    const changes = [...COMMIT_CHANGES, ...Object.entries(p.labels).map(([k, v]) => `LABEL ${k}=${v}`)];
    await docker(['commit', ...changes.flatMap((c) => ['--change', c]), name, p.tag], `docker commit ${p.tag}`);
  } finally {
    await execa('docker', ['rm', '-f', name], { reject: false });
  }
}
