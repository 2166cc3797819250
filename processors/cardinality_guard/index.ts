import { concatMap, type OperatorFunction } from 'rxjs';
import type { Batch } from '../../src/model/batch.js';
import type { Counter } from '../../src/component/index.js';
import type { ProcessorFactory } from '../../src/component/index.js';
import { OVERFLOW_ATTRIBUTE, OVERFLOW_SELECTION } from '../common/overflow.js';
import { retainInPlace } from '../common/span-operator.js';
import { cardinalityGuardSchema, defaultCardinalityGuardConfig, type CardinalityGuardConfig } from './config.js';
import { CardinalityGuard } from './guard.js';

export type { CardinalityGuardConfig } from './config.js';
export { CardinalityGuard } from './guard.js';

/**
 * `cardinality_guard`: at most N attribute sets per metric. Items that would open set N+1 leave their batch
 * for an overflow batch, marked `otel.metric.overflow=true` and carrying a selection that gives every metric
 * only that attribute — so exporters fold them into one overflow series per metric (and service).
 */
export const cardinalityGuardProcessorFactory: ProcessorFactory<CardinalityGuardConfig> = {
  type: 'cardinality_guard',
  kind: 'processor',
  signals: ['metrics', 'flows'],
  schema: cardinalityGuardSchema,
  defaultConfig: defaultCardinalityGuardConfig,
  create(config, ctx): OperatorFunction<Batch, Batch> {
    if (ctx.signal === 'traces') return (source) => source;
    const counters = new Map<string, Counter>();
    const overflowed = (metric: string) => {
      let c = counters.get(metric);
      if (!c) {
        counters.set(metric, (c = ctx.telemetry.counter('lumen_cardinality_overflow_total', 'Observations folded into the otel.metric.overflow series because their metric reached its attribute-set limit.', { metric })));
        // The first overflow of each metric is logged once (a bound is news; each further observation is not).
        ctx.logger.warn(`metric ${metric} reached processors.${ctx.id}.max_attribute_sets_per_metric (${config.max_attribute_sets_per_metric}): new attribute sets are folded into its otel.metric.overflow series (counted in lumen_cardinality_overflow_total)`, { metric });
      }
      c.add();
    };
    const guard = new CardinalityGuard(config.max_attribute_sets_per_metric, config.ttl, overflowed);
    ctx.telemetry.gauge('lumen_cardinality_attribute_sets', 'Attribute sets the cardinality guard tracks, all metrics together.', () => Object.values(guard.sizes()).reduce((a, b) => a + b, 0));
    return concatMap((batch: Batch): Batch[] => {
      const now = Date.now();
      guard.sweep(now);
      if (batch.kind === 'spans') {
        const overflow: typeof batch.items = [];
        retainInPlace(batch.items, (span) => {
          if (guard.admitSpan(span, batch.selection, now)) return true;
          span.attributes = { ...span.attributes, [OVERFLOW_ATTRIBUTE]: true };
          overflow.push(span);
          return false;
        });
        return nonEmpty([batch, { kind: 'spans', items: overflow, selection: OVERFLOW_SELECTION }]);
      }
      if (batch.kind === 'flows') {
        const overflow: typeof batch.items = [];
        retainInPlace(batch.items, (flow) => {
          if (guard.admitFlow(flow, batch.selection, now)) return true;
          flow.attributes = { ...flow.attributes, [OVERFLOW_ATTRIBUTE]: 'true' };
          overflow.push(flow);
          return false;
        });
        return nonEmpty([batch, { kind: 'flows', items: overflow, selection: OVERFLOW_SELECTION }]);
      }
      return [batch];
    });
  },
};

const nonEmpty = (batches: Batch[]) => batches.filter((b) => b.items.length > 0);

export default cardinalityGuardProcessorFactory;
