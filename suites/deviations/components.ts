// Deviations staged on the live cluster for negative controls; each is undone before it returns.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readFile } from 'node:fs/promises';
import { waitForControlPlane } from '../../environment/providers/readiness.ts';
import { waitUntil } from '../../lib/wait.ts';
import { Kubectl } from '../../lib/kubectl.ts';
import { nodeExec, nodeExecOk } from '../../lib/node.ts';
import { cluster, kube, kubectl, runScoped } from '../env.ts';

/** Moves a static pod manifest off /etc/kubernetes/manifests, runs fn, puts it back and waits for readiness. */
export async function withStaticPodRemoved(component: string, fn: () => Promise<void>): Promise<void> {
  const c = cluster();
  const manifest = `/etc/kubernetes/manifests/${component}.yaml`;
  const parked = `/etc/kubernetes/${component}.yaml.${runScoped('parked')}`;
  await nodeExecOk(c, ['mv', manifest, parked]);
  try {
    await waitUntil(`${component} container to stop`, async () => {
      const r = await nodeExec(c, ['crictl', 'ps', '--name', `^${component}$`, '-q']);
      return r.exitCode === 0 && r.stdout.trim() === '';
    });
    await fn();
  } finally {
    await nodeExecOk(c, ['mv', parked, manifest]);
    await waitForControlPlane(c.kubeconfig, c.context, 300_000);
  }
}

export async function withDeploymentScaled(namespace: string, name: string, replicas: number, fn: () => Promise<void>): Promise<void> {
  const k = await kubectl();
  const before = (await kube().apps.readNamespacedDeployment({ namespace, name })).spec?.replicas ?? 1;
  await k.ok(['-n', namespace, 'scale', `deployment/${name}`, `--replicas=${replicas}`]);
  try {
    await waitUntil(`${name} to have ${replicas} pod(s)`, async () => {
      const pods = (await kube().core.listNamespacedPod({ namespace, labelSelector: 'k8s-app=kube-dns' })).items;
      return pods.filter((p) => !p.metadata?.deletionTimestamp).length === replicas;
    });
    await fn();
  } finally {
    await k.ok(['-n', namespace, 'scale', `deployment/${name}`, `--replicas=${before}`]);
    await k.ok(['-n', namespace, 'rollout', 'status', `deployment/${name}`, '--timeout=180s'], { timeoutMs: 190_000 });
    const c = cluster();
    await waitForControlPlane(c.kubeconfig, c.context, 300_000);
  }
}

/** A copy of the run's kubeconfig whose current context names another namespace (removed afterwards). */
export async function withContextNamespace(namespace: string, fn: (k: Kubectl) => Promise<void>): Promise<void> {
  const base = await kubectl();
  const dir = await mkdtemp(join(tmpdir(), `${runScoped('kubeconfig')}-`));
  try {
    const kc = parse(await readFile(base.kubeconfig, 'utf8')) as { 'current-context': string; contexts: Array<{ name: string; context: Record<string, string> }> };
    const current = base.context ?? kc['current-context'];
    for (const ctx of kc.contexts) if (ctx.name === current) ctx.context.namespace = namespace;
    const file = join(dir, 'kubeconfig');
    await writeFile(file, stringify(kc), { mode: 0o600 });
    await fn(new Kubectl(base.binary, file, base.context));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
