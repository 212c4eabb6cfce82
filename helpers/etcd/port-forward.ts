// A pod port on 127.0.0.1:PORT of the test process, through the API server (pods/portforward over WebSockets),
// with @kubernetes/client-node's PortForward: one WebSocket per accepted connection.
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { createServer, type Socket } from 'node:net';
import type WebSocket from 'isomorphic-ws';
import type { PodRef } from './exec.ts';

export interface PortForwarding extends AsyncDisposable {
  /** The local port on 127.0.0.1. */
  port: number;
  /** Errors the forwarding met (connection-level; shown in messages when a client fails). */
  errors: string[];
  close(): Promise<void>;
}

export async function portForward(
  kc: KubeConfig,
  ref: Pick<PodRef, 'namespace' | 'pod'>,
  remotePort: number,
): Promise<PortForwarding> {
  const forwarder = new PortForward(kc);
  const sockets = new Set<Socket>();
  const sessions = new Set<WebSocket.WebSocket>();
  const errors: string[] = [];
  let closing = false;

  const server = createServer((socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (e) => errors.push(`local socket: ${e.message}`));
    forwarder.portForward(ref.namespace, ref.pod, [remotePort], socket, null, socket).then(
      (opened) => {
        const ws = typeof opened === 'function' ? opened() : opened;
        if (!ws) {
          socket.destroy();
          return;
        }
        // A session that opens while closing (a client redialling) is closed at once.
        if (closing || socket.destroyed) {
          ws.terminate();
          socket.destroy();
          return;
        }
        sessions.add(ws);
        ws.on('close', () => {
          sessions.delete(ws);
          socket.destroy();
        });
        ws.on('error', (e: Error) => errors.push(`port-forward WebSocket: ${e.message}`));
        socket.on('close', () => ws.close());
        // reported: a forward that cannot open is kept in errors, which the forwarding's user reads
      },
      (e: unknown) => {
        errors.push(`port-forward to ${ref.pod}:${remotePort}: ${e instanceof Error ? e.message : String(e)}`);
        socket.destroy();
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('port-forward: the local server has no TCP address');

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      closing = true;
      for (const ws of sessions) ws.terminate();
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }));
  return { port: address.port, errors, close, [Symbol.asyncDispose]: close };
}
