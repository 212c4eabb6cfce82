// Small text helpers shared by the model and the renderers.
import type { ReadOnlyRun } from './types.ts';

// Colours and cursor codes that vitest puts in assertion diffs.
// eslint-disable-next-line no-control-regex -- ESC and BEL are what an ANSI sequence is made of
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The first lines of a text, at most maxLines and maxChars, saying how much was left off. */
export function firstLines(text: string, maxLines: number, maxChars = 4000): string {
  const trimmed = text.replace(/\s+$/, '');
  const lines = trimmed.split('\n');
  let out = lines.slice(0, maxLines).join('\n');
  let leftOff = lines.length > maxLines ? `${lines.length - maxLines} more lines` : '';
  if (out.length > maxChars) {
    out = out.slice(0, maxChars);
    leftOff = `${trimmed.length - maxChars} more characters`;
  }
  return leftOff ? `${out}\n… (${leftOff})` : out;
}

/** "850 ms", "12.3 s", "4 min 05 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  // By what it rounds to: 59.96 s is 1 min 00 s, not 60.0 s.
  if (Math.round(ms / 100) < 600) return `${(ms / 1000).toFixed(1)} s`;
  // Whole seconds first: 239.5 s is 4 min 00 s, not 3 min 60 s.
  const total = Math.round(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
}

/** "clusterUpMs" → "Cluster up", "node_image" → "Node image": labels for keys nobody named. */
export function humanizeKey(key: string): string {
  const words = key
    .replace(/(?:Ms|Seconds)$/, '')
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The line every format says a read-only run with. */
export function readOnlyText(r: ReadOnlyRun): string {
  return (
    `read-only run: nothing was written to the cluster; ${r.uncheckedClaims} claim${r.uncheckedClaims === 1 ? '' : 's'} unchecked because ${r.uncheckedClaims === 1 ? 'it needs' : 'they need'} a write` +
    (r.uncheckedControls ? `, and ${r.uncheckedControls} negative control${r.uncheckedControls === 1 ? '' : 's'}` : '')
  );
}
