// Which deviation helper stages which kind of deviation (contract/catalogue.ts, Staging): the table the
// declarations of the negative controls are held to (suites/checks/staging-kinds.test.ts), so that a control
// calling a helper of one kind cannot declare another.
import type { Staging } from '../../contract/catalogue.ts';

export const DEVIATION_HELPERS: Readonly<Record<Staging, readonly string[]>> = {
  // Made on the cluster and undone: run-named bindings and objects, a static pod moved, a process stopped, a
  // Deployment scaled, a kubeconfig context's namespace.
  live: [
    'withAnonymousPodReader',
    'withoutAnonymousVersion',
    'withStaticPodRemoved',
    'withProcessStopped',
    'withDeploymentScaled',
    'withContextNamespace',
    'withCustomResource',
    'withPaddedConfigMap',
    'withKeyOutsideRegistry',
    'withRunMadeNamespace',
    'withRunMadePod',
  ],
  // The run's own deviating thing beside the real one: a file tree in a run-named folder on the node, another
  // etcd container of the cluster's etcd image.
  beside: ['withNodeTempDir', 'withLaxEtcd'],
  // A live observation deviated in memory.
  copy: [
    'structuredClone',
    'withExtraKey',
    'withoutKey',
    'schedulerWithEtcdFlag',
    'podImageOtherRelease',
    'withoutApfHeaders',
  ],
  // The cluster and its observation untouched; another expectation.
  expectation: ['expectingNextPatch'],
  // An observation recorded from a real run.
  recorded: ['recordedAnonymousVersionDenied'],
};

/** The kind a helper stages, if it is one of the table's. */
export function kindOfHelper(name: string): Staging | undefined {
  return (Object.keys(DEVIATION_HELPERS) as Staging[]).find((k) => DEVIATION_HELPERS[k].includes(name));
}
