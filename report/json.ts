// results.json: the model itself, the machine-readable record of the run (scripts/summary-line.ts reads it).
import { redactDeep } from './redact-model.ts';
import type { ResultsModel } from './types.ts';

export function renderJson(model: ResultsModel): string {
  return `${JSON.stringify(redactDeep(model), null, 2)}\n`;
}
