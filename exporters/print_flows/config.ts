import type { JsonSchema } from '../../src/component/index.js';

export interface PrintFlowsConfig {
  /** `text`: one readable line per flow; `json`: one JSON object per flow (JSON Lines). */
  format: 'text' | 'json';
}

export const printFlowsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { type: 'string', enum: ['text', 'json'], default: 'text', description: 'text (one line per flow) or json (JSON Lines).' },
  },
};

export function defaultPrintFlowsConfig(): PrintFlowsConfig {
  return { format: 'text' };
}
