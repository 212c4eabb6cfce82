// The rights table against the catalogue and the suites: every claim has its entry, every control phrase names a
// live negative control of its claim, and the descriptions read as the unchecked reasons print them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CATALOGUE } from './catalogue.ts';
import { PACKAGE_ROOT } from './package-root.ts';
import {
  allRights,
  CLAIM_RIGHTS,
  claimNeeds,
  describeRight,
  isWrite,
  lackingOf,
  NODE_SHELL,
  rightKey,
  RUN_NEEDS,
  uncheckedText,
  type ClaimRights,
  type LackingRights,
} from './rights.ts';

const ns = { run: 'kc-run-abc123', context: 'default', runGroup: 'kc-abc123.kube-claims.io' };

/**
 * negativeControl('ID', 'deviation', 'staging' | {…}: the controls the suites state, with their deviation and whether
 * they stage live anywhere.
 */
function statedControls(): Array<{ id: string; deviation: string; live: boolean }> {
  const suites = join(PACKAGE_ROOT, 'suites');
  const files = readdirSync(suites, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts') && !e.parentPath.includes(`${suites}/checks`))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
  const call = /negativeControl\(\s*'([A-Z]+-\d+)',\s*(['"`])((?:\\.|(?!\2).)*)\2,\s*('(\w+)'|\{[^}]*\})/g;
  return files.flatMap((text) =>
    [...text.matchAll(call)].map((m) => ({
      id: m[1]!,
      deviation: m[3]!.replace(/\\(.)/g, '$1'),
      live: /'(live|beside)'/.test(m[5] ? `'${m[5]}'` : m[4]!),
    })),
  );
}

describe('contract/rights.ts', () => {
  test('every catalogue claim has its rights, and the table names no other claim', () => {
    expect(Object.keys(CLAIM_RIGHTS).sort()).toEqual(CATALOGUE.map((c) => c.id).sort());
  });

  test("each control phrase names a negative control of its claim staged live somewhere; '*' only where the claim has one", () => {
    const controls = statedControls();
    expect(controls.length).toBeGreaterThan(40);
    for (const [id, entry] of Object.entries(CLAIM_RIGHTS) as Array<[string, ClaimRights]>) {
      const live = controls.filter((c) => c.id === id && c.live);
      for (const phrase of Object.keys(entry.controls ?? {})) {
        if (phrase === '*') expect(live.length, `${id} has a live control`).toBeGreaterThan(0);
        else
          expect(
            live.filter((c) => c.deviation.includes(phrase)).map((c) => c.deviation),
            `${id}: "${phrase}"`,
          ).toHaveLength(1);
      }
    }
  });

  test('a claim that needs the node needs the node shell too; the others need their own rights only', () => {
    for (const c of CATALOGUE) {
      const id = c.id as keyof typeof CLAIM_RIGHTS;
      const keys = claimNeeds(id).claim.map(rightKey);
      const own = [...new Set(CLAIM_RIGHTS[id].claim.map(rightKey))];
      if (c.needsNode) expect(keys, c.id).toEqual(expect.arrayContaining([...own, ...NODE_SHELL.map(rightKey)]));
      else expect(keys, c.id).toEqual(own);
    }
  });

  test("the run's lease, its namespace and the nodes are required; what the run can go without is not", () => {
    const required = RUN_NEEDS.filter((n) => n.required)
      .flatMap((n) => n.rights)
      .map((r) => describeRight(r, ns));
    expect(required).toEqual(
      expect.arrayContaining([
        'create namespaces',
        "create leases.coordination.k8s.io in the run's namespace kc-run-abc123",
        "patch leases.coordination.k8s.io in the run's namespace kc-run-abc123",
        'list nodes',
        'get /version',
      ]),
    );
    expect(RUN_NEEDS.find((n) => n.for === 'open a shell on the nodes')?.required).toBe(false);
  });

  test('rights are described as the unchecked reasons print them', () => {
    const texts = allRights().map((r) => describeRight(r, ns));
    expect(texts).toEqual(
      expect.arrayContaining([
        'create pods/exec in namespace kube-system',
        'get pods/portforward in namespace kube-system',
        'list pods in all namespaces',
        "list pods in namespace default (the context's)",
        "create probes.kc-abc123.kube-claims.io in the run's namespace kc-run-abc123",
        'impersonate users system:anonymous',
        'patch clusterroles.rbac.authorization.k8s.io system:public-info-viewer',
        'get /api',
      ]),
    );
    expect(new Set(texts).size).toBe(texts.length);
    expect(
      uncheckedText(['list nodes', 'create pods/exec in namespace kube-system'], { user: 'system:serviceaccount:x:y' }),
    ).toBe(
      'unchecked: needs list nodes, create pods/exec in namespace kube-system, denied for system:serviceaccount:x:y',
    );
  });

  test('exec and port-forward count as writes whatever the verb; reads are get, list and watch', () => {
    const writes = allRights()
      .filter(isWrite)
      .map((r) => describeRight(r, ns));
    expect(writes).toEqual(
      expect.arrayContaining([
        'get pods/exec in namespace kube-system',
        "create leases.coordination.k8s.io in the run's namespace kc-run-abc123",
      ]),
    );
    expect(writes).not.toContain('list pods in all namespaces');
  });

  test('a read-only run keeps only what reads: no lease, no leftovers, no workload, no node shell', () => {
    const kept = RUN_NEEDS.filter((n) => n.readOnly);
    expect(kept.map((n) => n.for)).toEqual([
      'reach the API server',
      'know the nodes and their roles',
      'describe the environment',
      'collect diagnostics of a failed run',
    ]);
    expect(kept.flatMap((n) => n.rights).filter(isWrite)).toEqual([]);
  });

  test('the claims that need the node or the etcd pod need a write: a node shell is a privileged pod, etcdctl an exec', () => {
    for (const c of CATALOGUE.filter((c) => c.needsNode || c.group === 'etcd')) {
      expect(claimNeeds(c.id as keyof typeof CLAIM_RIGHTS).claim.some(isWrite), c.id).toBe(true);
    }
    expect(NODE_SHELL.filter(isWrite).map((r) => describeRight(r, ns))).toEqual(
      expect.arrayContaining(['create namespaces', "create pods in the run's namespace kc-run-abc123"]),
    );
  });

  test('the unchecked reason of a read-only run: the writes because the run is read-only, the denied rights for whom', () => {
    const readOnly = {
      user: 'u',
      readOnlyWrites: ['create pods/exec in namespace kube-system', 'get pods/exec in namespace kube-system'],
    };
    expect(
      uncheckedText(['create pods/exec in namespace kube-system', 'get pods/exec in namespace kube-system'], readOnly),
    ).toBe(
      'unchecked: needs create pods/exec in namespace kube-system, get pods/exec in namespace kube-system, and the run is read-only (--read-only)',
    );
    expect(uncheckedText(['list nodes', 'create pods/exec in namespace kube-system'], readOnly)).toBe(
      'unchecked: needs list nodes, denied for u; needs create pods/exec in namespace kube-system, and the run is read-only (--read-only)',
    );
  });

  test("a control lacks its claim's rights, and those of its live staging by the phrase of its deviation", () => {
    const l: LackingRights = {
      user: 'u',
      claims: { 'ETCD-16': ['list services in all namespaces'] },
      controls: {
        'ETCD-16': [
          { deviation: 'custom resource', lacking: ['create customresourcedefinitions.apiextensions.k8s.io'] },
          { deviation: '*', lacking: ['x'] },
        ],
      },
    };
    expect(lackingOf(l, 'ETCD-16')).toEqual(['list services in all namespaces']);
    expect(
      lackingOf(l, 'ETCD-16', { name: 'ETCD-16 negative control: a custom resource beside them', live: true }),
    ).toEqual(['list services in all namespaces', 'create customresourcedefinitions.apiextensions.k8s.io', 'x']);
    expect(lackingOf(l, 'ETCD-16', { name: 'ETCD-16 negative control: a ConfigMap of the run', live: true })).toEqual([
      'list services in all namespaces',
      'x',
    ]);
    expect(lackingOf(l, 'ETCD-16', { name: 'ETCD-16 negative control: a custom resource', live: false })).toEqual([
      'list services in all namespaces',
    ]);
    expect(lackingOf(l, 'COMP-01')).toEqual([]);
  });
});
