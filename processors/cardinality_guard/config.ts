import type { JsonSchema } from '../../src/component/index.js';

export interface CardinalityGuardConfig {
  /** Distinct attribute sets (series) each metric may have; the rest go to the overflow series. */
  max_attribute_sets_per_metric: number;
  /** Attribute sets unseen for this long are forgotten (match the exporters' metrics TTL). */
  ttl: string;
}

export const cardinalityGuardSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    max_attribute_sets_per_metric: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 2000 },
    ttl: { type: 'string', format: 'positive-duration', default: '5m' },
  },
};

export function defaultCardinalityGuardConfig(): CardinalityGuardConfig {
  return { max_attribute_sets_per_metric: 2000, ttl: '5m' };
}
