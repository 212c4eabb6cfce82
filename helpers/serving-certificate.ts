// Which API server answered: each kube-apiserver serves its own certificate (kubeadm issues apiserver.crt per
// control-plane node, with that node's name among its DNS names), so a TLS handshake through a load balancer
// tells which server the connection reached. No request is sent; the kubeconfig's CA verifies the chain.
import { connect } from 'node:tls';
import { isIP } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * The DNS names of the serving certificate of fresh connections to the kubeconfig's server, one after another:
 * `count` of them, or fewer once `enough` says what was seen suffices.
 */
export async function servingDnsNames(
  kc: KubeConfig,
  count: number,
  enough: (seen: string[][]) => boolean = () => false,
  timeoutMs = 5_000,
): Promise<string[][]> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const options: { ca?: string | Buffer } = {};
  await kc.applyToHTTPSOptions(options as never);
  const host = server.hostname.replace(/^\[|\]$/g, '');
  const out: string[][] = [];
  // One after another: a load balancer's round robin is per connection.
  for (let i = 0; i < count && !enough(out); i++) {
    out.push(
      await new Promise<string[]>((resolve, reject) => {
        const socket = connect(
          {
            host,
            port: Number(server.port || 443),
            ca: options.ca,
            servername: isIP(host) ? undefined : host,
            timeout: timeoutMs,
          },
          () => {
            const san = socket.getPeerCertificate().subjectaltname ?? '';
            socket.end();
            resolve(
              san
                .split(', ')
                .filter((s) => s.startsWith('DNS:'))
                .map((s) => s.slice(4)),
            );
          },
        );
        socket.on('timeout', () => {
          socket.destroy();
          reject(new Error(`TLS handshake with ${server.host} took more than ${timeoutMs / 1000}s`));
        });
        socket.on('error', reject);
      }),
    );
  }
  return out;
}
