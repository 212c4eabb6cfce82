// Redacts every string of a value, however deep: renderers call it first, so whatever model they are
// given (built by model.ts, read back from results.json, or made by hand) no secret reaches the output.
import { redact } from '../helpers/redact.ts';

export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[redact(key)] = redactDeep(item);
    return out as T;
  }
  return value;
}
