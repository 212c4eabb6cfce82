// The run's environment: read from reports/RUN-ID/environment.json (written by the cluster global setup)
// and turned into labelled rows that every format shows the same way.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TIMING_LABELS } from '../contract/cluster.ts';
import { formatDuration, humanizeKey } from './text.ts';
import type { EnvironmentInfo } from './types.ts';

export const ENVIRONMENT_FILE = 'environment.json';

/** null when the file is absent (unit-test runs, a setup that failed early); a note when it is unreadable. */
export function readEnvironment(reportDir: string): EnvironmentInfo | null {
  let text: string;
  try {
    text = readFileSync(join(reportDir, ENVIRONMENT_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as EnvironmentInfo;
    return { note: `${ENVIRONMENT_FILE} does not hold an object` };
  } catch (error) {
    return { note: `${ENVIRONMENT_FILE} could not be parsed: ${(error as Error).message}` };
  }
}

export interface EnvironmentRow {
  /**
   * 'cluster' rows describe what was tested, one line each; 'timing' rows how long the preparation took;
   * 'detail' rows hold structured extras (the /version fields, a file listing) as multi-line text,
   * which the formats fold away.
   */
  kind: 'cluster' | 'timing' | 'detail';
  label: string;
  value: string;
}

/** Known fields first, in this order, with these labels (both spellings of the cluster and its source). */
const KNOWN_LABELS: Record<string, string> = {
  kubernetesVersion: 'Kubernetes',
  etcdVersion: 'etcd',
  nodeImage: 'Node image',
  cluster: 'Cluster',
  clusterName: 'Cluster',
  source: 'Kubeconfig source',
  kubeconfigSource: 'Kubeconfig source',
  nodeName: 'Node',
  shape: 'Topology',
  nodes: 'Nodes',
  serverUrl: 'API server',
  provider: 'Provider',
  madeByKubeClaims: 'Made by kube-claims',
  createdByThisRun: 'Created by this run',
  requestedVersion: 'Version asked for',
  kubernetesLine: 'Kubernetes line',
  preRelease: 'Pre-release',
  nodeAccess: 'Node access',
  kubectl: 'kubectl',
  kubectlChoice: 'kubectl chosen',
  workload: 'Workload',
  adminConfFields: 'admin.conf fields',
};

/** Structured fields the cluster setup writes, folded in the reports. */
const DETAIL_LABELS: Record<string, string> = {
  versionFields: 'GET /version',
  etcKubernetes: '/etc/kubernetes on the node',
  leftoversRemoved: 'Left by ended runs, removed',
};

export function environmentRows(env: EnvironmentInfo | null): EnvironmentRow[] {
  if (!env) return [];
  const rows: EnvironmentRow[] = [];
  for (const [key, label] of Object.entries(KNOWN_LABELS)) {
    if (env[key] === undefined || env[key] === null || (key === 'preRelease' && env[key] !== true)) continue;
    // A pre-release says so beside its version, the row every format (and the terminal) shows first.
    const mark = key === 'kubernetesVersion' && env.preRelease === true ? ' (pre-release)' : '';
    rows.push({ kind: 'cluster', label, value: `${valueText(key, env[key])}${mark}` });
  }
  for (const [key, value] of Object.entries(env)) {
    if (key in KNOWN_LABELS || key === 'timings' || value === undefined || value === null) continue;
    if (isPlainObject(value) || Array.isArray(value))
      rows.push({ kind: 'detail', label: DETAIL_LABELS[key] ?? humanizeKey(key), value: detailText(value) });
    else rows.push({ kind: 'cluster', label: humanizeKey(key), value: valueText(key, value) });
  }
  if (isPlainObject(env.timings)) {
    for (const [key, value] of Object.entries(env.timings))
      rows.push({
        kind: 'timing',
        label: (TIMING_LABELS as Record<string, string>)[key] ?? humanizeKey(key),
        value: valueText(key, value),
      });
  }
  return rows;
}

/** An object as "key: value" lines, an array as one item a line; deeper structure as JSON. */
function detailText(value: Record<string, unknown> | unknown[]): string {
  const line = (item: unknown) => (typeof item === 'string' ? item : JSON.stringify(item));
  if (Array.isArray(value)) return value.map(line).join('\n');
  return Object.entries(value)
    .map(([key, item]) => `${key}: ${line(item)}`)
    .join('\n');
}

/**
 * Durations say their unit in their key: "…Ms" milliseconds, "…Seconds" seconds; a number without a unit
 * is shown as the number it is (never guessed into a duration). Anything structured becomes JSON.
 */
function valueText(key: string, value: unknown): string {
  if (typeof value === 'number' && /Seconds$/.test(key)) return formatDuration(value * 1000);
  if (typeof value === 'number' && /Ms$/.test(key)) return formatDuration(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
