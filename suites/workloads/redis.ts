// The article's redis StatefulSet (3 replicas), in a namespace of the run.
import type { ClusterInfo } from '../../environment/providers/provision.ts';
import { REDIS_IMAGE } from '../../environment/image/node-image.ts';
import { kubectl } from '../env.ts';

function manifest(namespace: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis', namespace }, spec: { clusterIP: 'None', selector: { app: 'redis' }, ports: [{ port: 6379 }] } },
      {
        apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'redis', namespace },
        spec: {
          serviceName: 'redis', replicas: 3, selector: { matchLabels: { app: 'redis' } },
          template: {
            metadata: { labels: { app: 'redis' } },
            spec: {
              containers: [{
                name: 'redis', image, imagePullPolicy: 'IfNotPresent',
                command: ['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'],
                ports: [{ containerPort: 6379 }],
                readinessProbe: { exec: { command: ['redis-cli', 'PING'] }, periodSeconds: 2 },
              }],
            },
          },
        },
      },
    ],
  });
}

/** Applies the StatefulSet and waits for its rollout; returns `kubectl get pod` of the namespace. */
export async function deployRedis(namespace: string, cluster: ClusterInfo): Promise<string> {
  const k = await kubectl();
  await k.ok(['apply', '-f', '-'], { input: manifest(namespace, cluster.redisImage ?? REDIS_IMAGE) });
  await k.ok(['-n', namespace, 'rollout', 'status', 'statefulset/redis', '--timeout=240s'], { timeoutMs: 250_000 });
  return (await k.ok(['-n', namespace, 'get', 'pod'])).stdout;
}

/** redis-cli PING in each replica: pod name → answer (or the error). */
export async function pingReplicas(namespace: string, replicas = 3): Promise<Record<string, string>> {
  const k = await kubectl();
  const answers: Record<string, string> = {};
  for (let i = 0; i < replicas; i++) {
    const r = await k.run(['-n', namespace, 'exec', `redis-${i}`, '--', 'redis-cli', 'PING']);
    answers[`redis-${i}`] = r.exitCode === 0 ? r.stdout.trim() : `error: ${r.stderr.trim()}`;
  }
  return answers;
}
