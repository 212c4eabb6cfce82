// The version matrix: claims × Kubernetes versions from several runs' results, and the facts
// that differ between the versions, each with a line on why.
import { behaviourDifferences, LINES, type LineBehaviour, type LineId } from '../contract/lines.ts';
import { redact } from '../helpers/redact.ts';
import { escapeHtml, markdownCell } from './escape.ts';
import type { ResultsModel, Status } from './types.ts';

export interface MatrixRun {
  version: string;
  /** The line (v1.33), when the run was one line of a matrix. */
  line?: string;
  /** The line is a pre-release (contract/lines.ts); else the run's environment says whether its server is one. */
  preRelease?: boolean;
  reportDir?: string;
  model?: ResultsModel;
  /** The run did not produce results (the cluster did not come up, say). */
  error?: string;
}

export interface MatrixFact {
  fact: string;
  values: Record<string, string>;
  why: string;
}

export interface Matrix {
  id: string;
  versions: Array<{
    version: string;
    line?: string;
    preRelease: boolean;
    reportDir?: string;
    error?: string;
    totals?: ResultsModel['totals'];
  }>;
  claims: Array<{ id: string; title: string; statuses: Record<string, Status | 'error'>; differs: boolean }>;
  differences: MatrixFact[];
}

const WHY: Record<string, string> = {
  kubernetesVersion: 'the release under test',
  etcdVersion: 'kubeadm pins one etcd release per Kubernetes minor (constants.SupportedEtcdVersion)',
  nodeImage: 'one node image per Kubernetes version',
  adminConfFields:
    'kubeadm 1.33 writes "preferences: {}" into its kubeconfigs (as the article shows); later releases omit the empty field',
  minor: 'the release minor',
  gitVersion: 'the release',
  emulationMinor: 'compatibility versions (KEP-4330): a binary emulates its own minor by default',
  minCompatibilityMinor:
    'compatibility versions (KEP-4330): the oldest minor it stays compatible with, one below its own',
  gitCommit: 'build metadata of the binary',
  buildDate: 'build metadata of the binary',
  goVersion: 'the Go toolchain that built the binary',
};

/** What each profile entry changes in the checks (contract/lines.ts LineBehaviour). */
const BEHAVIOUR_WHY: Record<keyof LineBehaviour, string> = {
  kubeconfigPreferences:
    'kubeadm 1.33 writes "preferences: {}" into its kubeconfigs (as the article shows); later releases omit it: API-05/API-15 take the structure from the profile',
  adminOrganization: "the O of kubeadm's kubernetes-admin certificate (API-06)",
  versionCompatibilityFields:
    "/version's emulation and minCompatibility fields (KEP-4330), expected by API-03 where the profile says so",
  cgroupV1NeedsOptIn: 'kubelet refuses cgroup v1 unless failCgroupV1: false (the provider sets it on these hosts)',
};

/** A fact differs when the runs that produced results disagree; a run without results shows "—". */
/** Facts of environment.json compared across versions, with the label the matrix shows. */
const ENVIRONMENT_FACTS: Record<string, string> = {
  kubernetesVersion: 'Kubernetes version',
  etcdVersion: 'etcd version',
  nodeImage: 'node image',
  adminConfFields: 'admin.conf top-level fields',
};

function fact(name: string, runs: MatrixRun[], value: (r: MatrixRun) => string, why: string): MatrixFact | undefined {
  const measured = runs.filter((r) => r.model);
  if (new Set(measured.map(value)).size < 2) return undefined;
  return { fact: name, values: Object.fromEntries(runs.map((r) => [r.version, r.model ? value(r) : '—'])), why };
}

export function buildMatrix(id: string, runs: MatrixRun[]): Matrix {
  const versions = runs.map((r) => r.version);
  const claimIds = new Map<string, string>();
  for (const r of runs) for (const g of r.model?.groups ?? []) for (const c of g.claims) claimIds.set(c.id, c.title);
  const claims = [...claimIds].map(([cid, title]) => {
    const statuses: Record<string, Status | 'error'> = {};
    for (const r of runs) {
      const c = r.model?.groups.flatMap((g) => g.claims).find((x) => x.id === cid);
      statuses[r.version] = r.error || !r.model ? 'error' : (c?.status ?? 'skip');
    }
    return { id: cid, title, statuses, differs: new Set(Object.values(statuses)).size > 1 };
  });

  const env = (r: MatrixRun) => r.model?.environment ?? {};
  const differences: MatrixFact[] = [];
  for (const [key, label] of Object.entries(ENVIRONMENT_FACTS)) {
    const f = fact(label, runs, (r) => String(env(r)[key] ?? '(absent)'), WHY[key]!);
    if (f) differences.push(f);
  }
  const versionFields = (r: MatrixRun) => (env(r).versionFields ?? {}) as Record<string, string>;
  const fieldNames = new Set(runs.flatMap((r) => Object.keys(versionFields(r))));
  for (const field of fieldNames) {
    const f = fact(
      `/version ${field}`,
      runs,
      (r) => versionFields(r)[field] ?? '(absent)',
      WHY[field] ?? 'differs between the releases',
    );
    if (f) differences.push(f);
  }
  // Behaviour the line profiles (contract/lines.ts) say changed between the lines of this matrix: the checks
  // take their expectation from there, so each such difference is named with what it changed.
  const lineIds = runs.map((r) => r.line).filter((l): l is LineId => !!l && l in LINES);
  if (lineIds.length === runs.length) {
    for (const d of behaviourDifferences(lineIds)) {
      differences.push({
        fact: `profile: ${d.behaviour}`,
        values: Object.fromEntries(runs.map((r) => [r.version, String(d.values[r.line!])])),
        why: BEHAVIOUR_WHY[d.behaviour],
      });
    }
  }
  const files = (r: MatrixRun) =>
    new Map(((env(r).etcKubernetes ?? []) as string[]).map((l) => [l.split(' ')[0]!, l.split(' ')[1] ?? '']));
  const fileNames = new Set(runs.flatMap((r) => [...files(r).keys()]));
  for (const name of [...fileNames].sort()) {
    const f = fact(
      `/etc/kubernetes/${name}`,
      runs,
      (r) => files(r).get(name) ?? '(absent)',
      'kubeadm writes a different set of files in this release',
    );
    if (f) differences.push(f);
  }
  return {
    id,
    versions: runs.map((r) => ({
      version: r.version,
      line: r.line,
      preRelease: r.preRelease ?? env(r).preRelease === true,
      reportDir: r.reportDir,
      error: r.error && redact(r.error),
      totals: r.model?.totals,
    })),
    claims,
    differences: versions.length > 1 ? differences : [],
  };
}

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', error: 'ERROR' };

/** A version as the tables head it: "v1.38.0-beta.0 (pre-release)" for a pre-release line. */
export function versionHeading(v: Matrix['versions'][number]): string {
  return `${v.version}${v.preRelease ? ' (pre-release)' : ''}`;
}

/** The line-table entry before a version's totals: "v1.38, pre-release". */
function lineNote(v: Matrix['versions'][number]): string {
  const parts = [v.line, v.preRelease ? 'pre-release' : undefined].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

export function renderMatrixMarkdown(m: Matrix): string {
  const vs = m.versions.map((v) => v.version);
  const heads = m.versions.map(versionHeading);
  const out = [`# kube-claims version matrix ${m.id}`, ''];
  for (const v of m.versions) {
    out.push(
      `- **${v.version}**${lineNote(v)}: ${v.error ? `error: ${markdownCell(v.error)}` : `${v.totals?.pass} passed, ${v.totals?.fail} failed, ${v.totals?.skip} skipped`}${v.reportDir ? ` (${v.reportDir})` : ''}`,
    );
  }
  out.push('', '## Claims', '', `| Claim | ${heads.join(' | ')} |`, `|---|${vs.map(() => '---').join('|')}|`);
  for (const c of m.claims)
    out.push(
      `| ${c.differs ? '**' : ''}${c.id}${c.differs ? '**' : ''} ${markdownCell(c.title)} | ${vs.map((v) => MARK[c.statuses[v]!]).join(' | ')} |`,
    );
  out.push('', '## What differs between the versions', '');
  if (!m.differences.length) out.push('Nothing recorded differs.');
  else {
    out.push(`| Fact | ${heads.join(' | ')} | Why |`, `|---|${vs.map(() => '---').join('|')}|---|`);
    for (const d of m.differences)
      out.push(
        `| ${markdownCell(d.fact)} | ${vs.map((v) => markdownCell(d.values[v] ?? '')).join(' | ')} | ${markdownCell(d.why)} |`,
      );
  }
  return `${out.join('\n')}\n`;
}

export function renderMatrixHtml(m: Matrix): string {
  const vs = m.versions.map((v) => v.version);
  const cell = (s: string) => `<td class="${s}">${MARK[s]}</td>`;
  const rows = m.claims
    .map(
      (c) =>
        `<tr${c.differs ? ' class="differs"' : ''}><th>${escapeHtml(c.id)}</th><td class="title">${escapeHtml(c.title)}</td>${vs.map((v) => cell(c.statuses[v]!)).join('')}</tr>`,
    )
    .join('\n');
  const diffs = m.differences
    .map(
      (d) =>
        `<tr><th>${escapeHtml(d.fact)}</th>${vs.map((v) => `<td>${escapeHtml(d.values[v] ?? '')}</td>`).join('')}<td class="why">${escapeHtml(d.why)}</td></tr>`,
    )
    .join('\n');
  const summary = m.versions
    .map(
      (v) =>
        `<li><b>${escapeHtml(v.version)}</b>${escapeHtml(lineNote(v))}: ${v.error ? `error: ${escapeHtml(v.error)}` : `${v.totals?.pass} passed, ${v.totals?.fail} failed, ${v.totals?.skip} skipped`}</li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kube-claims matrix ${escapeHtml(m.id)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d0d5de;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.pass{background:#e3f6e8;color:#17622f;font-weight:600}td.fail,td.error{background:#fde5e5;color:#9b1c1c;font-weight:600}
td.skip{background:#f1f2f5;color:#555}table.diffs{table-layout:fixed;width:100%}table.diffs td,table.diffs th{overflow-wrap:anywhere}tr.differs th{outline:2px solid #d97706}td.title{max-width:38rem}td.why{color:#555;max-width:28rem}
</style></head><body>
<h1>kube-claims version matrix</h1><p>${escapeHtml(m.id)}</p><ul>${summary}</ul>
<h2>Claims × versions</h2><table><tr><th>ID</th><th>Claim</th>${m.versions.map((v) => `<th>${escapeHtml(versionHeading(v))}</th>`).join('')}</tr>
${rows}</table>
<h2 id="differences">What differs between the versions</h2>${
    m.differences.length
      ? `<table class="diffs"><tr><th>Fact</th>${m.versions.map((v) => `<th>${escapeHtml(versionHeading(v))}</th>`).join('')}<th>Why</th></tr>
${diffs}</table>`
      : '<p>Nothing recorded differs.</p>'
  }
</body></html>
`;
}
