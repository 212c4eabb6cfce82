// ETCD-03: etcdctl version and the server's version against the etcd image kubeadm installs.
import { finding, type Differences } from '../../differences.ts';
import { parseEtcdJson } from './common.ts';

export interface VersionObservation {
  /** `etcdctl version` output. */
  version: string;
  /** `etcdctl endpoint status -w json` output. */
  status: string;
  /** The etcd container's image in the pod spec, e.g. registry.k8s.io/etcd:3.5.21-0. */
  podImage: string;
  /** The etcd image `kubeadm config images list` names for this Kubernetes version, when known. */
  kubeadmImage?: string;
}

/** 3.5.21-0 → 3.5.21: kubeadm's etcd tags carry a -N image revision. */
export function releaseOfImage(image: string): string | undefined {
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  return /^v?(\d+\.\d+\.\d+)(?:-\d+)?$/.exec(tag)?.[1];
}

export function checkEtcdVersion(o: VersionObservation): Differences {
  const diffs: Differences = [];
  const release = releaseOfImage(o.podImage);
  if (!release)
    return [
      finding('image-tag', `the etcd pod's image ${o.podImage} has no MAJOR.MINOR.PATCH[-N] tag to compare with`, {
        expected: 'MAJOR.MINOR.PATCH[-N]',
        actual: o.podImage,
      }),
    ];
  const apiVersion = release.split('.').slice(0, 2).join('.');
  const ctl = /^etcdctl version: (\S+)$/m.exec(o.version)?.[1];
  const api = /^API version: (\S+)$/m.exec(o.version)?.[1];
  if (ctl !== release)
    diffs.push(
      finding(
        'etcdctl-version',
        `etcdctl version is ${ctl ?? 'missing'}, but the pod's image is ${o.podImage} (${release})`,
        { expected: release, actual: ctl ?? 'missing' },
      ),
    );
  if (api !== apiVersion)
    diffs.push(
      finding('api-version', `API version is ${api ?? 'missing'}, not ${apiVersion}`, {
        expected: apiVersion,
        actual: api ?? 'missing',
      }),
    );
  try {
    const status = parseEtcdJson<Array<{ Endpoint?: string; Status?: { version?: string } }>>(o.status);
    const versions = status.map((s) => s.Status?.version);
    if (!versions.length)
      diffs.push(
        finding('endpoint-listed', 'endpoint status lists no endpoint', { expected: 'an endpoint', actual: 'none' }),
      );
    for (const v of versions)
      if (v !== release)
        diffs.push(
          finding('server-version', `the server reports version ${v ?? 'none'}, not ${release}`, {
            expected: release,
            actual: v ?? 'none',
          }),
        );
  } catch (e) {
    diffs.push(
      finding('status-json', `endpoint status -w json is not JSON: ${(e as Error).message}`, {
        expected: 'JSON',
        actual: (e as Error).message,
      }),
    );
  }
  if (o.kubeadmImage !== undefined && o.kubeadmImage !== o.podImage)
    diffs.push(
      finding(
        'kubeadm-image',
        `the pod runs ${o.podImage}, but kubeadm lists ${o.kubeadmImage} for this Kubernetes version`,
        { expected: o.kubeadmImage, actual: o.podImage },
      ),
    );
  return diffs;
}
