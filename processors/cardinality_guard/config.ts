import { componentConfig } from '../../src/config/component-config.js';
import { duration, integer, object, type Infer } from '../../src/config/typed-schema.js';

export const cardinalityGuardConfig = object({
  /** Distinct attribute sets (series) each metric may have; the rest go to the overflow series. */
  max_attribute_sets_per_metric: integer({ minimum: 1, maximum: 1_000_000, default: 2000 }),
  /** Attribute sets unseen for this long are forgotten (match the exporters' metrics TTL); milliseconds once decoded. */
  ttl: duration({ positive: true, default: '5m' }),
});

export type CardinalityGuardConfig = Infer<typeof cardinalityGuardConfig>;
export const { schema: cardinalityGuardSchema, defaultConfig: defaultCardinalityGuardConfig } = componentConfig(cardinalityGuardConfig);
