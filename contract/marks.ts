// How kube-claims marks what it owns, in a cluster and on this host: the names every layer shares, so that
// the run that makes a thing, the run that finds it left behind and the reports all agree (one place).
import { runName } from './run-id.ts';

/** Label on everything a run creates in a cluster; its value is the run's hash (contract/run-id.ts runHash). */
export const RUN_LABEL = 'kube-claims.io/run';
/** What a run-labelled cluster object is for (a grant, a resource definition). */
export const PURPOSE_LABEL = 'kube-claims.io/purpose';
/** Annotations a disruptive negative control puts on a Deployment before it scales it. */
export const SCALED_BY = 'kube-claims.io/scaled-by-run';
export const REPLICAS_BEFORE = 'kube-claims.io/replicas-before';
/**
 * Annotations a negative control puts on a ClusterRole before it takes rules from it: who, and the rules before (JSON).
 */
export const RESTRICTED_BY = 'kube-claims.io/restricted-by-run';
export const RULES_BEFORE = 'kube-claims.io/rules-before';
/** Suffix of a static pod manifest parked by a negative control: /etc/kubernetes/COMPONENT.yaml.kc-parked-HASH. */
export const parkedSuffix = (runId: string) => `.${runName(runId, 'parked')}`;
/**
 * Marker of a container process a negative control stopped (SIGSTOP), holding its PID:
 * /etc/kubernetes/CONTAINER.pid.kc-stopped-HASH.
 */
export const stoppedSuffix = (runId: string) => `.${runName(runId, 'stopped')}`;

/** Label on every Docker object kube-claims creates (images, containers), so it never touches anything else. */
export const OWNER_LABEL = 'io.kube-claims.owner';
/** The run hash on a Docker container of a run. */
export const DOCKER_RUN_LABEL = 'io.kube-claims.run';
export const DOCKER_PURPOSE_LABEL = 'io.kube-claims.purpose';
/**
 * The process that started a host process or container of a run ("PID:START", helpers/host-process.ts): while it
 * lives, what it started is no leftover, whatever cluster its run is on (another run on this host is not disturbed).
 */
export const OWNER_PROCESS_ENV = 'KUBE_CLAIMS_RUN_OWNER';
export const DOCKER_OWNER_PROCESS_LABEL = 'io.kube-claims.owner-process';
/** The inputs key of an image kube-claims built (an image is rebuilt when its inputs change). */
export const INPUTS_LABEL = 'io.kube-claims.inputs';
/**
 * The Kubernetes version an offline node image holds: how kube-claims recognises its own node image, whatever its name.
 */
export const NODE_IMAGE_VERSION_LABEL = 'io.kube-claims.kubernetes-version';
