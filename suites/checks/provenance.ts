// Where a running binary came from, from its Go build information (helpers/go-buildinfo.ts) and the Go checksum
// database (helpers/sumdb.ts): sources kube-claims does not write. A release's gitVersion is a -X stamp of the
// build; the module version in the build information is what the go command recorded of the sources it
// compiled, and its h1 hash is what the checksum database holds for that module version. Pure functions.
import type { GoBuildInfo } from '../../helpers/go-buildinfo.ts';
import type { SumdbRecord } from '../../helpers/sumdb.ts';
import { finding, type Differences } from '../differences.ts';

/** What was read of one running binary. */
export interface BinaryProvenance {
  component: string;
  node: string;
  /** The executable of the running process, as the node names it (/proc/PID/exe). */
  executable: string;
  info: GoBuildInfo;
  /** The checksum database's record of the main module at its version; absent for a build from a checkout. */
  sumdb?: SumdbRecord;
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
  return `${where}: compiled from module ${main.path} ${main.version} ${main.sum}${p.sumdb ? `, the hash the Go checksum database records for it (${p.sumdb.proof})` : ''}`;
}

/**
 * The release a binary was compiled from must be the release it reports: its main module must be `module`, at
 * the version `reported` names (a vendor suffix aside), with the hash the checksum database records. A build
 * from a checkout ("(devel)") gives no module version: nothing to compare, said by provenanceBasis.
 */
export function checkReleaseProvenance(p: BinaryProvenance, module: string, reportedRelease: string): Differences {
  const main = p.info.main;
  const diffs: Differences = [];
  if (!main) return [finding('build-info-main-module', `${p.component}: its build information names no main module`, { expected: module })];
  if (main.path !== module) diffs.push(finding('build-info-main-module', `${p.component} was compiled from module ${main.path}, not ${module}`, { expected: module, actual: main.path }));
  if (main.version === DEVEL || !main.sum) return diffs;
  if (main.version !== reportedRelease) {
    diffs.push(finding('build-info-module-version', `${p.component} reports ${reportedRelease}, but its build information says it was compiled from ${main.path} ${main.version}`, { expected: main.version, actual: reportedRelease }));
  }
  if (!p.sumdb) diffs.push(finding('checksum-database-record', `${p.component}: no checksum database record of ${main.path} ${main.version} was read`, { expected: main.sum }));
  else if (p.sumdb.version !== main.version || p.sumdb.sum !== main.sum) {
    diffs.push(finding('checksum-database-hash', `${p.component} was compiled from ${main.path} ${main.version} ${main.sum}, but the Go checksum database records ${p.sumdb.sum} for ${p.sumdb.module} ${p.sumdb.version}`, { expected: p.sumdb.sum, actual: main.sum }));
  }
  return diffs;
}

/** The Go toolchain /version reports (runtime.Version of the running binary) is the one in its build information. */
export function checkGoVersion(p: BinaryProvenance, reportedGoVersion: unknown): Differences {
  return reportedGoVersion === p.info.goVersion
    ? []
    : [finding('go-version', `/version's goVersion is ${String(reportedGoVersion)}, but ${p.component}'s build information was written by ${p.info.goVersion}`, { expected: p.info.goVersion, actual: String(reportedGoVersion) })];
}
