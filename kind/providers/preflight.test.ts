// The preflight's verdicts with a review function standing in for the API server's authorizer: which rights are
// asked, which claims and controls go unchecked with which text, which run-level denial ends the run with which
// message, and that failed or slow reviews are reported as such, never as denied.
import { describe, expect, test } from 'vitest';
import { CATALOGUE, type ClaimId } from '../../contract/catalogue.ts';
import { EnvironmentError } from '../../contract/errors.ts';
import { allRights, claimNeeds, isWrite, lackingOf, uncheckedText } from '../../contract/rights.ts';
import {
  askAll,
  assertRunRights,
  KUBECONFIG_USER,
  lackingRights,
  preflight,
  reviewRequest,
  runDenial,
  runWarnings,
  scopeNamespaces,
  unknownRights,
  type Review,
  type ReviewRequest,
  type WhoAmI,
} from './preflight.ts';

const ns = scopeNamespaces('20261207-020000-abcdef', 'default');
const SA = { username: 'system:serviceaccount:x:y', groups: ['system:serviceaccounts', 'system:authenticated'] };
const whoami: WhoAmI = async () => SA;

/** A review that allows what `allow` says, with RBAC's answer shape (no reason when no rule matched). */
const reviewBy =
  (allow: (q: ReviewRequest) => boolean, reason?: string): Review =>
  async (q) => ({ allowed: allow(q), ...(allow(q) || !reason ? {} : { reason }) });
const attrs = (q: ReviewRequest) => q.resourceAttributes;
const everything: Review = reviewBy(() => true);

/**
 * Roughly the built-in ClusterRole view, bound cluster-wide: reads of namespaced objects (no secrets, no exec), no
 * nodes, no RBAC.
 */
const isViewRead = (q: ReviewRequest) => {
  if (q.nonResourceAttributes) return true;
  const a = attrs(q)!;
  if (!['get', 'list', 'watch'].includes(a.verb!) || a.subresource) return false;
  return ['pods', 'namespaces', 'services', 'configmaps', 'events', 'statefulsets', 'deployments'].includes(
    a.resource!,
  );
};
const viewLike: Review = reviewBy(isViewRead);

/** Everything but exec (pods/exec) and the CRDs: a run that holds its lease but cannot reach etcd. */
const noExec: Review = reviewBy(
  (q) =>
    attrs(q)?.subresource !== 'exec' &&
    !(attrs(q)?.resource === 'customresourcedefinitions' && attrs(q)?.verb !== 'list'),
  'RBAC: no rule',
);

describe('kind/providers/preflight.ts', () => {
  test("one review per distinct right, with the run's namespace, the context's and the run's group filled in", async () => {
    const asked: ReviewRequest[] = [];
    const r = await preflight(
      ns,
      async (q) => {
        asked.push(q);
        return { allowed: true };
      },
      whoami,
    );
    expect(asked).toHaveLength(allRights().length);
    expect(r.requests).toBe(allRights().length + 1);
    expect(new Set(asked.map((q) => JSON.stringify(q))).size).toBe(asked.length);
    expect(asked).toContainEqual({
      resourceAttributes: { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: ns.run },
    });
    expect(asked).toContainEqual({
      resourceAttributes: {
        verb: 'create',
        group: '',
        resource: 'pods',
        subresource: 'exec',
        namespace: 'kube-system',
      },
    });
    expect(asked).toContainEqual({ resourceAttributes: { verb: 'list', group: '', resource: 'pods', namespace: '' } });
    expect(asked).toContainEqual({ resourceAttributes: { verb: 'list', group: '', resource: 'nodes' } });
    expect(asked).toContainEqual({
      resourceAttributes: { verb: 'create', group: ns.runGroup, resource: 'probes', namespace: ns.run },
    });
    expect(asked).toContainEqual({ nonResourceAttributes: { verb: 'get', path: '/version' } });
    expect(
      reviewRequest({ verb: 'list', group: '', resource: 'pods', scope: 'context' }, scopeNamespaces('r', 'team-a'))
        .resourceAttributes?.namespace,
    ).toBe('team-a');
  });

  test('everything allowed (a cluster kube-claims made): no denial, no warning, nothing lacking', async () => {
    const r = await preflight(ns, everything, whoami);
    expect(r.user).toBe(SA.username);
    expect(runDenial(r)).toBeUndefined();
    expect(() => assertRunRights(r)).not.toThrow();
    expect(runWarnings(r)).toEqual([]);
    expect(lackingRights(r)).toEqual({ user: SA.username, claims: {}, controls: {} });
  });

  test('bound to view: the run cannot hold its lease, and the exit-2 message names every right it needs for itself', async () => {
    const view = await preflight(ns, viewLike, whoami);
    const denial = runDenial(view)!;
    expect(denial).toMatch(
      /^the run needs create namespaces, delete namespaces, create leases\.coordination\.k8s\.io in the run's namespace kc-run-\w+, patch leases\.coordination\.k8s\.io in the run's namespace kc-run-\w+ \(to hold the run's lease in a namespace of its own\); list nodes \(to know the nodes and their roles\); /,
    );
    expect(denial).toContain('list clusterrolebindings.rbac.authorization.k8s.io');
    expect(denial).toContain('get leases.coordination.k8s.io in all namespaces');
    expect(denial).toMatch(
      /\(to find what ended runs left\), denied for system:serviceaccount:x:y \(groups system:serviceaccounts, system:authenticated\)$/,
    );
    expect(() => assertRunRights(view)).toThrow(EnvironmentError);
  });

  test("the API's reason is kept beside a denied right", async () => {
    const r = await preflight(
      ns,
      reviewBy((q) => attrs(q)?.resource !== 'leases', 'RBAC: leases are not for you'),
      whoami,
    );
    expect(runDenial(r)).toBe(
      `the run needs create leases.coordination.k8s.io in the run's namespace ${ns.run} (RBAC: leases are not for you), patch leases.coordination.k8s.io in the run's namespace ${ns.run} (RBAC: leases are not for you) (to hold the run's lease in a namespace of its own); get leases.coordination.k8s.io in all namespaces (RBAC: leases are not for you) (to find what ended runs left), denied for system:serviceaccount:x:y (groups system:serviceaccounts, system:authenticated)`,
    );
  });

  test("without exec: the run starts, warns what it goes without, and the etcd claims and the node's are unchecked naming what they lack", async () => {
    const r = await preflight(ns, noExec, whoami);
    expect(runDenial(r)).toBeUndefined();
    expect(runWarnings(r)).toEqual([
      'the run cannot remove what ended runs left: delete customresourcedefinitions.apiextensions.k8s.io (RBAC: no rule), create pods/exec in namespace kube-system (RBAC: no rule), get pods/exec in namespace kube-system (RBAC: no rule) denied for system:serviceaccount:x:y',
      `the run cannot open a shell on the nodes: create pods/exec in the run's namespace ${ns.run} (RBAC: no rule), get pods/exec in the run's namespace ${ns.run} (RBAC: no rule) denied for system:serviceaccount:x:y`,
    ]);
    const l = lackingRights(r);
    const unchecked = Object.keys(l.claims);
    expect(unchecked).toEqual(
      CATALOGUE.filter((c) => c.group === 'etcd' || c.needsNode || c.id === 'COMP-05').map((c) => c.id),
    );
    expect(uncheckedText(lackingOf(l, 'ETCD-04'), l)).toBe(
      'unchecked: needs create pods/exec in namespace kube-system, get pods/exec in namespace kube-system, denied for system:serviceaccount:x:y',
    );
    expect(uncheckedText(lackingOf(l, 'COMP-01'), l)).toBe(
      `unchecked: needs create pods/exec in the run's namespace ${ns.run}, get pods/exec in the run's namespace ${ns.run}, denied for system:serviceaccount:x:y`,
    );
    // API-08's claim and control have their rights; ETCD-16's custom resource control does not, its ConfigMap control
    // does.
    expect(
      lackingOf(l, 'API-08', { name: 'API-08 negative control: system:anonymous is granted list on pods', live: true }),
    ).toEqual([]);
    expect(l.controls['ETCD-16']).toEqual([
      {
        deviation: 'custom resource',
        lacking: [
          'create customresourcedefinitions.apiextensions.k8s.io',
          'delete customresourcedefinitions.apiextensions.k8s.io',
        ],
      },
    ]);
  });

  test('read-only, everything allowed: no run-level need that writes; every claim and control that needs a write lacks it, named', async () => {
    const r = await preflight(ns, everything, whoami);
    const readOnly = { readOnly: true };
    expect(runDenial(r, readOnly)).toBeUndefined();
    expect(runWarnings(r, readOnly)).toEqual([]);
    const l = lackingRights(r, readOnly);
    // The etcd claims exec into the etcd pod, the node's go through a node-shell pod, COMP-05 needs the workload.
    const needWrite = CATALOGUE.filter((c) => c.group === 'etcd' || c.needsNode || c.id === 'COMP-05').map((c) => c.id);
    expect(Object.keys(l.claims)).toEqual(needWrite);
    expect(CATALOGUE.filter((c) => claimNeeds(c.id as ClaimId).claim.some(isWrite)).map((c) => c.id)).toEqual(
      needWrite,
    );
    expect(uncheckedText(lackingOf(l, 'ETCD-04'), l)).toBe(
      'unchecked: needs create pods/exec in namespace kube-system, get pods/exec in namespace kube-system, and the run is read-only (--read-only)',
    );
    expect(uncheckedText(lackingOf(l, 'COMP-05'), l)).toMatch(
      /^unchecked: needs create services in the run's namespace kc-run-\w+, create statefulsets.apps in the run's namespace kc-run-\w+, create pods\/exec .*, and the run is read-only \(--read-only\)$/,
    );
    // Claims that only read still run; their live controls that write do not.
    for (const id of ['API-01', 'API-02', 'API-04', 'API-08', 'API-10', 'API-13', 'COMP-02', 'COMP-03', 'COMP-04'])
      expect(lackingOf(l, id), id).toEqual([]);
    expect(
      lackingOf(l, 'API-08', { name: 'API-08 negative control: system:anonymous is granted list on pods', live: true }),
    ).toEqual([
      'create clusterroles.rbac.authorization.k8s.io',
      'delete clusterroles.rbac.authorization.k8s.io',
      'create clusterrolebindings.rbac.authorization.k8s.io',
      'delete clusterrolebindings.rbac.authorization.k8s.io',
    ]);
    expect(lackingOf(l, 'COMP-02', { name: 'COMP-02 negative control: coredns scaled to 0', live: true })).toEqual([
      'patch deployments.apps coredns in namespace kube-system',
    ]);
    expect(lackingOf(l, 'API-10', { name: 'API-10 negative control: as system:anonymous', live: true })).toEqual([
      'impersonate users system:anonymous',
    ]);
    expect(lackingOf(l, 'COMP-03', { name: 'COMP-03 negative control: another namespace', live: true })).toEqual([]);
    // A write is lacking as a write, never as denied; every one named is a write.
    expect(l.readOnlyWrites).toEqual(
      expect.arrayContaining([
        'create pods/exec in namespace kube-system',
        'patch deployments.apps coredns in namespace kube-system',
      ]),
    );
    expect(l.readOnlyWrites!.every((t) => r.verdicts.some((v) => v.text === t && isWrite(v.right)))).toBe(true);
    // Not read-only: the same user lacks nothing.
    expect(lackingRights(r)).toEqual({ user: SA.username, claims: {}, controls: {} });
  });

  test('read-only as a view-like user: the lease is no longer needed; the nodes still are; what it lacks besides a write says so', async () => {
    const view = await preflight(ns, viewLike, whoami);
    expect(runDenial(view, { readOnly: true })).toBe(
      'the run needs list nodes (to know the nodes and their roles), denied for system:serviceaccount:x:y (groups system:serviceaccounts, system:authenticated)',
    );
    const withNodes = await preflight(
      ns,
      reviewBy((q) => (attrs(q)?.resource === 'nodes' && ['get', 'list'].includes(attrs(q)!.verb!)) || isViewRead(q)),
      whoami,
    );
    expect(runDenial(withNodes, { readOnly: true })).toBeUndefined();
    expect(() => assertRunRights(withNodes, { readOnly: true })).not.toThrow();
    expect(() => assertRunRights(withNodes)).toThrow(EnvironmentError);
    const l = lackingRights(withNodes, { readOnly: true });
    expect(lackingOf(l, 'API-13')).toEqual([]);
    expect(
      uncheckedText(
        lackingOf(l, 'API-04', { name: 'API-04 negative control: anonymous /version denied', live: true }),
        l,
      ),
    ).toBe(
      'unchecked: needs get clusterrolebindings.rbac.authorization.k8s.io system:public-info-viewer, get clusterroles.rbac.authorization.k8s.io system:public-info-viewer, denied for system:serviceaccount:x:y; needs patch clusterroles.rbac.authorization.k8s.io system:public-info-viewer, and the run is read-only (--read-only)',
    );
  });

  test("a control staged on a copy needs only its claim's rights", async () => {
    const r = await preflight(
      ns,
      reviewBy((q) => attrs(q)?.resource !== 'clusterrolebindings' || attrs(q)?.verb !== 'create'),
      whoami,
    );
    const l = lackingRights(r);
    expect(l.claims['API-08']).toBeUndefined();
    expect(
      lackingOf(l, 'API-08', {
        name: 'API-08 negative control: system:anonymous is granted list on pods (a run-named ClusterRoleBinding)',
        live: true,
      }),
    ).toEqual(['create clusterrolebindings.rbac.authorization.k8s.io']);
    expect(lackingOf(l, 'API-08', { name: 'API-08 negative control: recorded', live: false })).toEqual([]);
  });

  test('SelfSubjectReview not served: "the kubeconfig\'s user"', async () => {
    const r = await preflight(
      ns,
      reviewBy((q) => attrs(q)?.resource !== 'nodes'),
      async () => undefined,
    );
    expect(r.user).toBe(KUBECONFIG_USER);
    expect(runDenial(r)).toBe(
      "the run needs list nodes (to know the nodes and their roles), denied for the kubeconfig's user",
    );
    expect(lackingRights(r).claims['API-03']).toEqual(['get nodes']);
  });

  test('a review that fails is reported as failed, not as denied: nothing is lacking, the run is not stopped', async () => {
    const r = await preflight(
      ns,
      async () => {
        throw Object.assign(new Error('Service Unavailable\nmore'), { code: 503 });
      },
      whoami,
    );
    expect(r.verdicts.every((v) => v.outcome === 'unknown')).toBe(true);
    expect(runDenial(r)).toBeUndefined();
    expect(lackingRights(r).claims).toEqual({});
    expect(unknownRights(r)[0]).toBe('get /version: the review failed: 503: Service Unavailable');
  });

  test('bounded: a review that hangs times out, the deadline stops the rest, `concurrency` workers', async () => {
    let inFlight = 0;
    let most = 0;
    const hang: Review = (q) =>
      new Promise((resolve) => {
        inFlight++;
        most = Math.max(most, inFlight);
        const done = () => {
          inFlight--;
          resolve({ allowed: true });
        };
        if (attrs(q)?.resource === 'nodes') setTimeout(done, 10_000).unref();
        else setTimeout(done, 5);
      });
    const t0 = Date.now();
    const verdicts = await askAll(allRights(), ns, hang, { concurrency: 4, timeoutMs: 100, deadlineMs: 400 });
    expect(Date.now() - t0).toBeLessThan(1_500);
    // The review that timed out is given up, not aborted: it stays in flight beside the four workers.
    expect(most).toBeLessThanOrEqual(5);
    expect(verdicts.find((v) => v.text === 'list nodes')).toMatchObject({
      outcome: 'unknown',
      reason: 'the review failed: no answer within 0.1s',
    });
    expect(verdicts.filter((v) => v.outcome === 'allowed').length).toBeGreaterThan(0);
  });

  test('the deadline: reviews not started in time are not asked', async () => {
    const slow: Review = () => new Promise((resolve) => setTimeout(() => resolve({ allowed: true }), 60));
    const verdicts = await askAll(allRights(), ns, slow, { concurrency: 1, timeoutMs: 1_000, deadlineMs: 100 });
    expect(verdicts.some((v) => v.reason === 'not asked: the preflight ran out of time')).toBe(true);
    expect(verdicts.filter((v) => v.outcome === 'allowed').length).toBeLessThan(5);
  });
});
