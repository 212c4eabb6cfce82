// Where a running binary came from, from its Go build information (helpers/go-buildinfo.ts) and the Go checksum
// database (helpers/go-proxy.ts verifyWithSumdb): sources kube-claims does not write. A release's gitVersion is a -X
// stamp of the
// build; the module version in the build information is what the go command recorded of the sources it
// compiled, and its h1 hash is what the checksum database holds for that module version. Pure functions.
import type { GoBuildInfo } from '../../helpers/go-buildinfo.ts';
import { finding, type Differences } from '../differences.ts';

/** What was read of one running binary. */
export interface BinaryProvenance {
  component: string;
  node: string;
  /** The executable of the running process, as the node names it (/proc/PID/exe). */
  executable: string;
  info: GoBuildInfo;
  /**
   * The checksum database on the main module's version and hash: how it vouched for them, or what it said
   * against them; absent for a build from a checkout, which has no module hash to ask about.
   */
  checksum?: { vouched: string } | { refused: string };
}

/** The module Kubernetes' components are built from (cmd/kube-apiserver, cmd/kubelet, …). */
export const KUBERNETES_MODULE = 'k8s.io/kubernetes';

/** etcd's server module of a release: go.etcd.io/etcd/server/v3 for 3.5.21 (the main package of the etcd binary). */
export function etcdServerModule(release: string): string {
  return `go.etcd.io/etcd/server/v${release.split('.')[0]}`;
}

/** v1.33.3 → v1.33.2; v1.33.0 → v1.32.0 (a release that is not this one, for a deviated copy). */
export function previousPatch(version: string): string {
  const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return `${version}-not`;
  return Number(m[3]) > 0 ? `v${m[1]}.${m[2]}.${Number(m[3]) - 1}` : `v${m[1]}.${Number(m[2]) - 1}.0`;
}

/** "(devel)": the go command's version of a main module built from a checkout (no module version to name). */
export const DEVEL = '(devel)';

/** What the build information gives as the release, and what a comparison with it proves, for the evidence. */
export function provenanceBasis(p: BinaryProvenance): string {
  const main = p.info.main;
  const where = `${p.component} on ${p.node} (${p.executable}), built by ${p.info.goVersion}`;
  if (!main || main.version === DEVEL || !main.sum) {
    const vcs = p.info.settings['vcs.revision'];
    return `${where}: its build information names the main module ${main?.path ?? '?'} as ${main?.version || 'unversioned'}${vcs ? `, vcs.revision ${vcs}` : ''} (built from a checkout): it cannot name the release; the version below is stamped by this build: it proves the stamp reaches /version, not the release`;
  }
  const vouched =
    p.checksum && 'vouched' in p.checksum
      ? `, the hash the Go checksum database records for it (${p.checksum.vouched})`
      : '';
  return `${where}: compiled from module ${main.path} ${main.version} ${main.sum}${vouched}`;
}

/**
 * The release a binary was compiled from must be the release it reports: its main module must be `module`, at
 * the version `reported` names (a vendor suffix aside), with the hash the checksum database records. A build
 * from a checkout ("(devel)") gives no module version: nothing to compare, said by provenanceBasis.
 */
export function checkReleaseProvenance(p: BinaryProvenance, module: string, reportedRelease: string): Differences {
  const main = p.info.main;
  const diffs: Differences = [];
  if (!main)
    return [
      finding('build-info-main-module', `${p.component}: its build information names no main module`, {
        expected: module,
      }),
    ];
  if (main.path !== module)
    diffs.push(
      finding('build-info-main-module', `${p.component} was compiled from module ${main.path}, not ${module}`, {
        expected: module,
        actual: main.path,
      }),
    );
  if (main.version === DEVEL || !main.sum) return diffs;
  if (main.version !== reportedRelease) {
    diffs.push(
      finding(
        'build-info-module-version',
        `${p.component} reports ${reportedRelease}, but its build information says it was compiled from ${main.path} ${main.version}`,
        { expected: main.version, actual: reportedRelease },
      ),
    );
  }
  if (!p.checksum)
    diffs.push(
      finding(
        'checksum-database',
        `${p.component}: the Go checksum database was not asked about ${main.path} ${main.version} ${main.sum}`,
        { expected: 'vouched', actual: 'not asked' },
      ),
    );
  else if ('refused' in p.checksum) {
    diffs.push(
      finding(
        'checksum-database',
        `${p.component} was compiled from ${main.path} ${main.version} ${main.sum}, which the Go checksum database does not vouch for: ${p.checksum.refused}`,
        { expected: 'vouched', actual: main.sum },
      ),
    );
  }
  return diffs;
}

/** The Go toolchain /version reports (runtime.Version of the running binary) is the one in its build information. */
export function checkGoVersion(p: BinaryProvenance, reportedGoVersion: unknown): Differences {
  return reportedGoVersion === p.info.goVersion
    ? []
    : [
        finding(
          'go-version',
          `/version's goVersion is ${String(reportedGoVersion)}, but ${p.component}'s build information was written by ${p.info.goVersion}`,
          { expected: p.info.goVersion, actual: String(reportedGoVersion) },
        ),
      ];
}

/** The evidence: what each control plane's binary gave, and which could not be read. */
export function provenanceEvidence(o: { binaries: BinaryProvenance[]; unread: string[] }): string {
  return (
    [...o.binaries.map(provenanceBasis), ...o.unread.map((u) => `not read: ${u}`)].join('\n') ||
    'no control-plane node to read'
  );
}
