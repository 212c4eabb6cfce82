// What the checks of §3 share: how values are shown, JSON compared and parsed, a response's status line.
import type { HttpResponse } from '../../../helpers/http.ts';
import { finding, type Differences } from '../../differences.ts';

export const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));

/**
 * Differences between two JSON values, one finding per differing path ("message: expected "a", got "b""):
 * field-present (a field missing), field-unexpected (a field not expected), field-value (a value differs).
 */
export function diffJson(expected: unknown, actual: unknown, path = ''): Differences {
  const at = path || '(body)';
  if (
    expected &&
    actual &&
    typeof expected === 'object' &&
    typeof actual === 'object' &&
    Array.isArray(expected) === Array.isArray(actual)
  ) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      const e = (expected as Record<string, unknown>)[k];
      const a = (actual as Record<string, unknown>)[k];
      if (!(k in (actual as object)))
        return [
          finding('field-present', `${p}: expected ${show(e)}, absent`, {
            expected: `${p}: ${show(e)}`,
            actual: `${p}: absent`,
          }),
        ];
      if (!(k in (expected as object)))
        return [
          finding('field-unexpected', `${p}: unexpected field, ${show(a)}`, {
            expected: `${p}: absent`,
            actual: `${p}: ${show(a)}`,
          }),
        ];
      return diffJson(e, a, p);
    });
  }
  return JSON.stringify(expected) === JSON.stringify(actual)
    ? []
    : [
        finding('field-value', `${at}: expected ${show(expected)}, got ${show(actual)}`, {
          expected: `${at}: ${show(expected)}`,
          actual: `${at}: ${show(actual)}`,
        }),
      ];
}

export function parseJson(text: string | undefined): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text ?? '') };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export const statusLine = (r: HttpResponse) => `${r.status}${r.statusText ? ` ${r.statusText}` : ''}`;
