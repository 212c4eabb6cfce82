// Redacts, in place, what vitest itself prints: test and hook errors (message, stack, diff, and the extra
// properties it dumps as "Serialized Error", such as an execa error's stdout), unhandled errors and console
// output. The reporter calls these as results arrive, before vitest's own reporters print their summary.
import { redact } from '../helpers/redact.ts';

/** Every string property of an error, however deep (its cause, an execa error's stdout), is redacted. */
export function redactInPlace(value: unknown, seen = new Set<object>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === 'string') {
      const redacted = redact(item);
      if (redacted !== item) {
        try {
          record[key] = redacted;
        } catch {
          // a frozen or getter-only property: nothing we can do, and nothing vitest serialised that way
        }
      }
    } else if (item !== null && typeof item === 'object') {
      redactInPlace(item, seen);
    }
  }
}

export function redactErrors(errors: ReadonlyArray<unknown> | undefined): void {
  for (const error of errors ?? []) redactInPlace(error);
}
