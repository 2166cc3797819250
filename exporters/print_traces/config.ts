import type { JsonSchema } from '../../src/component/index.js';

export interface PrintTracesConfig {
  /** `text`: Beyla's one-line layout; `json`: one JSON object per line (what the replay receiver reads). */
  format: 'text' | 'json';
}

export const printTracesSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { enum: ['text', 'json'], default: 'text', description: 'text (Beyla layout) or json (JSON Lines, replayable).' },
  },
};

export function defaultPrintTracesConfig(): PrintTracesConfig {
  return { format: 'text' };
}
