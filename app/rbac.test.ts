// `kube-claims rbac`: the YAML parses, its roles grant every right of the table (and the read-only ones no write),
// bound to the ServiceAccount asked for.
import { describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { UsageError } from '../contract/errors.ts';
import { allRights, isWrite, READ_VERBS, type Right } from '../contract/rights.ts';
import { parseRbacArgs, rbacYaml, rulesAllow, type PolicyRule } from './rbac.ts';

interface Obj {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  subjects?: unknown[];
  roleRef?: { kind: string; name: string };
}

function objects(text: string): Obj[] {
  const docs = parseAllDocuments(text);
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as Obj).filter(Boolean);
}

/**
 * Whether the printed roles grant the right where the run uses it (a kube-system right by the ClusterRole or the Role
 * there).
 */
function granted(objs: Obj[], r: Right): boolean {
  const clusterRole = objs.find((o) => o.kind === 'ClusterRole')!;
  const role = objs.find((o) => o.kind === 'Role' && o.metadata.namespace === 'kube-system');
  return (
    rulesAllow(clusterRole.rules!, r) ||
    (!('path' in r) && r.scope === 'kube-system' && !!role && rulesAllow(role.rules!, r))
  );
}

describe('kube-claims rbac', () => {
  test('the YAML parses: a ServiceAccount, a ClusterRole and its binding, a Role in kube-system and its binding, to the account asked for', () => {
    const objs = objects(rbacYaml(parseRbacArgs(['--service-account', 'ci/checker'])));
    expect(
      objs.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`),
    ).toEqual([
      'ServiceAccount ci/checker',
      'ClusterRole kube-claims',
      'ClusterRoleBinding kube-claims',
      'Role kube-system/kube-claims',
      'RoleBinding kube-system/kube-claims',
    ]);
    for (const b of objs.filter((o) => o.kind.endsWith('Binding')))
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', namespace: 'ci', name: 'checker' }]);
    expect(objs.find((o) => o.kind === 'RoleBinding')!.roleRef).toMatchObject({ kind: 'Role', name: 'kube-claims' });
  });

  test('the full roles grant every right of the table', () => {
    const objs = objects(rbacYaml(parseRbacArgs([])));
    const missing = allRights().filter((r) => !granted(objs, r));
    expect(missing).toEqual([]);
    expect(objs[0]!.metadata).toMatchObject({ namespace: 'kube-claims', name: 'kube-claims' });
  });

  test('read-only: no write verb and nothing on pods/exec or pods/portforward; every read of the table granted; the comments say what is left out', () => {
    const text = rbacYaml(parseRbacArgs(['--read-only']));
    const objs = objects(text);
    const rules = objs.filter((o) => o.rules).flatMap((o) => o.rules!);
    for (const rule of rules) {
      for (const verb of rule.verbs) expect(READ_VERBS, JSON.stringify(rule)).toContain(verb);
      for (const resource of rule.resources ?? []) expect(resource).not.toMatch(/\/(exec|portforward)$/);
    }
    expect(allRights().filter((r) => !isWrite(r) && !granted(objs, r))).toEqual([]);
    expect(allRights().filter((r) => isWrite(r) && granted(objs, r))).toEqual([]);
    expect(objs.find((o) => o.kind === 'ClusterRole')!.metadata.name).toBe('kube-claims-read-only');
    expect(text).toMatch(/^# Read-only leaves out every create, update, patch, delete and impersonate/m);
    expect(text).toMatch(
      /^# {3}- hold the run's lease in a namespace of its own \(required: a run under this role alone needs --read-only, which leaves it out\)$/m,
    );
    expect(text).toMatch(/^# and these claims go unchecked .*ETCD-04/m);
  });

  test("rulesAllow follows RBAC: resourceNames restrict, '*' matches, a URL pattern ending in * matches below it", () => {
    const rules: PolicyRule[] = [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubeadm-config'], verbs: ['get'] },
      { apiGroups: ['*'], resources: ['probes'], verbs: ['create'] },
      { nonResourceURLs: ['/apis/*'], verbs: ['get'] },
    ];
    expect(
      rulesAllow(rules, {
        verb: 'get',
        group: '',
        resource: 'configmaps',
        name: 'kubeadm-config',
        scope: 'kube-system',
      }),
    ).toBe(true);
    expect(rulesAllow(rules, { verb: 'get', group: '', resource: 'configmaps', scope: 'kube-system' })).toBe(false);
    expect(rulesAllow(rules, { verb: 'create', group: 'x.kube-claims.io', resource: 'probes', scope: 'run' })).toBe(
      true,
    );
    expect(rulesAllow(rules, { verb: 'get', path: '/apis/apps' })).toBe(true);
    expect(rulesAllow(rules, { verb: 'get', path: '/api' })).toBe(false);
  });

  test('options: an unknown one or a malformed account is a usage error', () => {
    expect(parseRbacArgs([])).toEqual({ readOnly: false, serviceAccount: 'kube-claims/kube-claims' });
    expect(() => parseRbacArgs(['--kubeconfig', 'x'])).toThrow(UsageError);
    expect(() => parseRbacArgs(['--service-account', 'no-slash'])).toThrow(/NAMESPACE\/NAME/);
  });
});
