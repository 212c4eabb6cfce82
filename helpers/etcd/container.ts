// A throw-away etcd in a local container (testcontainers), configured the way the cluster's etcd must NOT be:
// client URLs over plain http, and https without client-certificate authentication.
// No registry is reachable: the image must already be in the local Docker (kube-claims builds it), and
// testcontainers' Ryuk (a pulled image) is not used (withAutoCleanup(false)), so the caller always stops the container
// itself.
import { runHash, runName } from '../../contract/run-id.ts';

import {
  DOCKER_OWNER_PROCESS_LABEL,
  DOCKER_PURPOSE_LABEL,
  DOCKER_RUN_LABEL,
  OWNER_LABEL,
} from '../../contract/marks.ts';
import { processIdentity } from '../host-process.ts';

export interface EtcdctlRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The etcdctl command as typed, for evidence. */
  typed: string;
}

export interface StartedLaxEtcd extends AsyncDisposable {
  /** Where it runs, for evidence: "container NAME" on this host, or "pod NS/NAME" on the node. */
  where: string;
  name: string;
  image: string;
  /** 127.0.0.1:PORT on this host for the plain-http client URL (port 2379). */
  plainHostPort: string;
  /** Inside the container: http on 2379, https (self-signed, no client-cert-auth) on 2378. */
  plainUrl: string;
  tlsUrl: string;
  /** Inside the container: the self-signed server certificate of the https URL (--auto-tls), to verify it with. */
  serverCa: string;
  /** etcdctl inside its container (docker exec through testcontainers, or pods/exec), argv only. */
  etcdctl(argv: string[]): Promise<EtcdctlRun>;
  stop(): Promise<void>;
}

const PLAIN_URL = 'http://127.0.0.1:2379';
const TLS_URL = 'https://127.0.0.1:2378';

/** etcd with client URLs over plain http and https without client-certificate authentication, data in `dataDir`. */
export function laxEtcdCommand(dataDir: string): string[] {
  return [
    'etcd',
    '--name=lax',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=http://0.0.0.0:2379,${TLS_URL}`,
    `--advertise-client-urls=${PLAIN_URL}`,
    // Self-signed server certificate for the https listener; --client-cert-auth stays false (its default).
    '--auto-tls',
    '--listen-peer-urls=http://127.0.0.1:2380',
    '--initial-advertise-peer-urls=http://127.0.0.1:2380',
    '--initial-cluster=lax=http://127.0.0.1:2380',
  ];
}

export interface LaxEtcdParts {
  where: string;
  name: string;
  image: string;
  plainHostPort: string;
  /** The data dir laxEtcdCommand was given. */
  dataDir: string;
  /** Runs argv inside the lax etcd's container. */
  exec(argv: string[]): Promise<Omit<EtcdctlRun, 'typed'>>;
  stop(): Promise<void>;
}

/** A started lax etcd from where it runs; its URLs and certificate are laxEtcdCommand's wherever that is. */
export function laxEtcdHandle(p: LaxEtcdParts): StartedLaxEtcd {
  return {
    where: p.where,
    name: p.name,
    image: p.image,
    plainHostPort: p.plainHostPort,
    plainUrl: PLAIN_URL,
    tlsUrl: TLS_URL,
    // Where --auto-tls puts the self-signed server certificate, under the data dir.
    serverCa: `${p.dataDir}/fixtures/client/cert.pem`,
    async etcdctl(argv) {
      const r = await p.exec(['etcdctl', ...argv]);
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, typed: ['etcdctl', ...argv].join(' ') };
    },
    stop: p.stop,
    [Symbol.asyncDispose]: p.stop,
  };
}

const DATA_DIR = '/tmp/etcd-data';

/** Starts `image` (the cluster's own etcd image) with plain http and unauthenticated https client URLs. */
export async function startLaxEtcd(
  image: string,
  runId: string,
  options: { startupTimeoutMs?: number } = {},
): Promise<StartedLaxEtcd> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const name = `${runName(runId, 'etcd-lax')}-${process.pid}`;
  const container = await new GenericContainer(image)
    .withName(name)
    .withLabels({
      [OWNER_LABEL]: 'kube-claims',
      [DOCKER_RUN_LABEL]: runHash(runId),
      [DOCKER_PURPOSE_LABEL]: 'etcd-negative-control',
      [DOCKER_OWNER_PROCESS_LABEL]: processIdentity(),
    })
    .withCommand(laxEtcdCommand(DATA_DIR))
    .withExposedPorts(2379)
    // No Ryuk reaper (a pulled image): the run stops the container itself, and the next run removes a killed run's.
    .withAutoCleanup(false)
    // etcd's own log line only: testcontainers' port check runs a shell pipeline inside the container, and
    // upstream's etcd image has bash and nothing else (no cat, no awk).
    .withWaitStrategy(Wait.forLogMessage(/ready to serve client requests/))
    .withStartupTimeout(options.startupTimeoutMs ?? 30_000)
    .start();

  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= container.stop({ remove: true, removeVolumes: true }).then(() => undefined));
  return laxEtcdHandle({
    where: `container ${name}`,
    name,
    image,
    plainHostPort: `127.0.0.1:${container.getMappedPort(2379)}`,
    dataDir: DATA_DIR,
    exec: (argv) => container.exec(argv),
    stop,
  });
}
