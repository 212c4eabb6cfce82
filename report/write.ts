// Writes a run's reports to reports/RUN-ID/ and points reports/latest (symlink) and reports/latest.json at it.
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import type { ResultsModel, TestCaseTotals } from './types.ts';

export const FORMATS = {
  junit: { file: 'junit.xml', render: renderJunit },
  json: { file: 'results.json', render: renderJson },
  md: { file: 'report.md', render: renderMarkdown },
  html: { file: 'report.html', render: renderHtml },
} as const;

export type Format = keyof typeof FORMATS;

export const RESULTS_FILE = FORMATS.json.file;
export const LATEST_LINK = 'latest';
export const LATEST_POINTER = 'latest.json';

/**
 * Formats named in KUBE_CLAIMS_FORMATS ("junit,json,md,html"; unset or empty = all; "none" = no files). Names are
 * case-insensitive; "markdown" and "xml" are accepted for md and junit. Unknown names are returned apart
 * so the reporter can say so rather than silently write less.
 */
export function parseFormats(value: string | undefined): { formats: Format[]; unknown: string[] } {
  const names = (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (!names.length) return { formats: Object.keys(FORMATS) as Format[], unknown: [] };
  if (names.length === 1 && names[0] === 'none') return { formats: [], unknown: [] };
  const aliases: Record<string, Format> = { markdown: 'md', xml: 'junit', 'junit.xml': 'junit', 'report.html': 'html' };
  const formats: Format[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const format = (name in FORMATS ? name : aliases[name]) as Format | undefined;
    if (!format) unknown.push(name);
    else if (!formats.includes(format)) formats.push(format);
  }
  return { formats, unknown };
}

/** Renders each format from the one model and writes it; returns the file names written. */
export function writeReports(model: ResultsModel, dir: string, formats: readonly Format[]): string[] {
  mkdirSync(dir, { recursive: true });
  return formats.map((format) => {
    const { file, render } = FORMATS[format];
    writeAtomically(join(dir, file), render(model));
    return file;
  });
}

/** What reports/latest.json holds: enough for CI without results.json (which KUBE_CLAIMS_FORMATS may leave out). */
export interface LatestPointer {
  runId: string;
  dir: string;
  finishedAt: string;
  outcome: string;
  files: string[];
  /** The CI summary line's counts (ResultsModel.summaryCounts). */
  summaryCounts: TestCaseTotals;
}

/** Replaces reports/latest (a relative symlink, swapped atomically) and reports/latest.json. */
export function updateLatest(reportsDir: string, runDir: string, model: ResultsModel, files: readonly string[]): void {
  const pointer: LatestPointer = {
    runId: model.runId,
    dir: runDir,
    finishedAt: model.finishedAt,
    outcome: model.outcome,
    files: [...files],
    summaryCounts: model.summaryCounts,
  };
  writeAtomically(join(reportsDir, LATEST_POINTER), `${JSON.stringify(pointer, null, 2)}\n`);
  const link = join(reportsDir, LATEST_LINK);
  const temporary = `${link}.${process.pid}.tmp`;
  try {
    rmSync(temporary, { force: true });
    symlinkSync(relative(reportsDir, runDir) || basename(runDir), temporary);
    renameSync(temporary, link);
  } catch {
    // Some file systems (and Windows without privileges) have no symlinks: latest.json is enough.
    rmSync(temporary, { force: true });
  }
}

/**
 * The latest run's directory and pointer: reports/RUN-ID named by latest.json (resolved against reportsDir,
 * so a copied reports/ folder still works), else the reports/latest symlink.
 */
export function latestRun(reportsDir: string): { dir: string; pointer?: LatestPointer } {
  try {
    const pointer = JSON.parse(readFileSync(join(reportsDir, LATEST_POINTER), 'utf8')) as LatestPointer;
    if (typeof pointer.runId === 'string' && pointer.runId) return { dir: join(reportsDir, pointer.runId), pointer };
  } catch {
    // no pointer: fall back to the symlink
  }
  return { dir: join(reportsDir, LATEST_LINK) };
}

function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
