// An etcd3 client in the test process, talking to the cluster's etcd over mTLS through a port-forward.
// The certificates are the ones the API server itself uses (its --etcd-cafile/--etcd-certfile/--etcd-keyfile),
// read from the node into memory only: never written, logged or recorded.
import type { KubeConfig } from '@kubernetes/client-node';
import { Etcd3, type IOptions } from 'etcd3';
import type { ClusterInfo } from '../../contract/cluster.ts';
import { readNodeTextFiles } from '../node.ts';
import type { PodRef } from './exec.ts';
import { portForward, type PortForwarding } from './port-forward.ts';

export interface EtcdClientFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface EtcdClientCredentials {
  /** Paths on the node the material was read from (safe to show). */
  files: EtcdClientFiles;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** Reads the CA and a client certificate and key from the control-plane node (docker exec, argv only). */
export async function readClientCredentials(
  cluster: ClusterInfo,
  files: EtcdClientFiles,
): Promise<EtcdClientCredentials> {
  const [ca, cert, key] = (await readNodeTextFiles(cluster, [files.ca, files.cert, files.key])).map((text) =>
    Buffer.from(text),
  );
  return { files, ca: ca!, cert: cert!, key: key! };
}

export type Etcd3Security =
  | { kind: 'mtls'; credentials: EtcdClientCredentials }
  /** TLS that checks the server, without a client certificate. */
  | { kind: 'tls-no-client-cert'; ca: Buffer }
  /** Plain http/2, no TLS at all. */
  | { kind: 'plain' };

export interface Etcd3Options {
  /** Per-call deadline for unary calls (streams such as watch and lease keep-alive have none). */
  callTimeoutMs?: number;
  dialTimeoutMs?: number;
}

/** An etcd3 client for host:port; `security` decides the scheme and what is presented. */
export function etcd3Client(hostPort: string, security: Etcd3Security, options: Etcd3Options = {}): Etcd3 {
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const base: IOptions = {
    hosts: `${security.kind === 'plain' ? 'http' : 'https'}://${hostPort}`,
    // The server certificate is checked against the name "localhost" (one of its SANs, as is 127.0.0.1):
    // TLS does not send an IP address as server name (RFC 6066).
    grpcOptions:
      security.kind === 'plain'
        ? undefined
        : { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
    dialTimeout: options.dialTimeoutMs ?? 5_000,
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  };
  if (security.kind === 'mtls') {
    const c = security.credentials;
    return new Etcd3({ ...base, credentials: { rootCertificate: c.ca, certChain: c.cert, privateKey: c.key } });
  }
  if (security.kind === 'tls-no-client-cert')
    return new Etcd3({ ...base, credentials: { rootCertificate: security.ca } });
  return new Etcd3(base);
}

export interface EtcdConnection extends AsyncDisposable {
  client: Etcd3;
  /** What the client dials, e.g. https://127.0.0.1:40123 (a port-forward to the pod's 2379). */
  endpoint: string;
  forwarding: PortForwarding;
  close(): Promise<void>;
}

/**
 * etcd3 through a port-forward to the etcd pod's client port (127.0.0.1:PORT here). The server certificate's
 * SANs include localhost and 127.0.0.1; the client verifies it as "localhost".
 */
export async function connectThroughPortForward(
  kc: KubeConfig,
  ref: PodRef,
  security: Etcd3Security,
  options: Etcd3Options & { remotePort?: number } = {},
): Promise<EtcdConnection> {
  const forwarding = await portForward(kc, ref, options.remotePort ?? 2379);
  const hostPort = `127.0.0.1:${forwarding.port}`;
  let client: Etcd3;
  try {
    client = etcd3Client(hostPort, security, options);
  } catch (error) {
    await forwarding.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      try {
        client.close();
      } finally {
        await forwarding.close();
      }
    })());
  return {
    client,
    endpoint: `${security.kind === 'plain' ? 'http' : 'https'}://${hostPort}`,
    forwarding,
    close,
    [Symbol.asyncDispose]: close,
  };
}
