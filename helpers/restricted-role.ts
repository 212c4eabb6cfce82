// A ClusterRole a run took rules from, with the rules before recorded on the object itself: the run puts them
// back, and so does the next run if this one was killed (kind/providers/leftovers.ts finds the record). The
// API server reconciles its bootstrap roles only when it starts (the rbac/bootstrap-roles post-start hook), so
// nothing puts a rule back meanwhile; if it restarted, it would (the roles are marked autoupdate).
import type { V1PolicyRule } from '@kubernetes/client-node';
import { RESTRICTED_BY, RULES_BEFORE } from '../contract/marks.ts';
import { runHash } from '../contract/run-id.ts';
import type { KubeClients } from './kube.ts';

const pointer = (annotation: string) => `/metadata/annotations/${annotation.replace('/', '~1')}`;

/**
 * Replaces the role's rules with `restrict(rules)`, recording who did it and the rules before. The patch tests
 * the rules it read: a role changed meanwhile is not touched.
 */
export async function restrictRecorded(
  k: KubeClients,
  name: string,
  restrict: (rules: V1PolicyRule[]) => V1PolicyRule[],
  runId: string,
): Promise<void> {
  const role = await k.rbac.readClusterRole({ name });
  const before = role.rules ?? [];
  await k.rbac.patchClusterRole({
    name,
    body: [
      { op: 'test', path: '/rules', value: before },
      ...(role.metadata?.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
      { op: 'add', path: pointer(RESTRICTED_BY), value: runHash(runId) },
      { op: 'add', path: pointer(RULES_BEFORE), value: JSON.stringify(before) },
      { op: 'replace', path: '/rules', value: restrict(before) },
    ],
  });
}

/** Puts back the rules recorded before a run restricted the role, exactly as they were, and drops the record. */
export async function restoreRestricted(k: KubeClients, name: string): Promise<void> {
  const role = await k.rbac.readClusterRole({ name });
  const annotations = role.metadata?.annotations ?? {};
  const recorded = annotations[RULES_BEFORE];
  const others = Object.keys(annotations).filter((a) => a !== RESTRICTED_BY && a !== RULES_BEFORE);
  const patch: unknown[] = others.length
    ? [
        { op: 'remove', path: pointer(RESTRICTED_BY) },
        { op: 'remove', path: pointer(RULES_BEFORE) },
      ]
    : // The record was the only annotation: the role had none before.
      [{ op: 'remove', path: '/metadata/annotations' }];
  if (recorded !== undefined)
    patch.unshift({ op: 'replace', path: '/rules', value: JSON.parse(recorded) as V1PolicyRule[] });
  await k.rbac.patchClusterRole({ name, body: patch });
}
