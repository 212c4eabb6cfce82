// Whether the article's workload could run at all: an image its nodes cannot pull is a prerequisite missing,
// not a claim failed. Known as soon as kubelet reports the pull failure (seconds), not at the settle time.

/** A pod as client-node (or kubectl get -o json) returns it: the fields the pull failure is read from. */
export interface PodPullObservation {
  metadata?: { name?: string; namespace?: string };
  spec?: { nodeName?: string; containers?: Array<{ name?: string; image?: string }> };
  status?: {
    containerStatuses?: Array<{
      name?: string;
      image?: string;
      state?: { waiting?: { reason?: string; message?: string } };
    }>;
  };
}

export interface ImagePullFailure {
  pod: string;
  node: string;
  image: string;
  reason: string;
  message: string;
}

/**
 * kubelet's waiting reasons that say the image is not there and cannot be had (pkg/kubelet/images: ErrImagePull,
 * ImagePullBackOff, ErrImageNeverPull, InvalidImageName). Other waiting reasons (ContainerCreating) are the rollout.
 */
export const IMAGE_PULL_REASONS = [
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
] as const;

/** Every container of these pods that waits because its image cannot be pulled. */
export function imagePullFailures(pods: PodPullObservation[]): ImagePullFailure[] {
  return pods.flatMap((p) =>
    (p.status?.containerStatuses ?? []).flatMap((c) => {
      const waiting = c.state?.waiting;
      if (!waiting?.reason || !(IMAGE_PULL_REASONS as readonly string[]).includes(waiting.reason)) return [];
      const image = c.image ?? p.spec?.containers?.find((s) => s.name === c.name)?.image ?? '(unknown)';
      return [
        {
          pod: p.metadata?.name ?? '(unnamed)',
          node: p.spec?.nodeName ?? '(not scheduled)',
          image,
          reason: waiting.reason,
          message: waiting.message ?? '',
        },
      ];
    }),
  );
}

/** What was missing and what to do, for the claim's unchecked reason. */
export function describePullFailure(failures: ImagePullFailure[]): { missing: string; remedy: string } {
  const images = [...new Set(failures.map((f) => f.image))];
  const nodes = [...new Set(failures.map((f) => f.node))];
  const first = failures[0]!;
  return {
    missing: `the workload image ${images.join(', ')} cannot be pulled on ${nodes.join(', ')} (${first.pod}: ${first.reason}: ${first.message.split('\n')[0]})`,
    remedy:
      'give --workload-image an image every node holds, or load a redis image onto the nodes (kind load docker-image IMAGE --name CLUSTER)',
  };
}
