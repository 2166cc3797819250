import { filter, map, type OperatorFunction } from 'rxjs';
import type { Batch } from '../../src/model/batch.js';
import type { ProcessorFactory } from '../../src/component/index.js';
import { retainInPlace } from '../common/span-operator.js';
import { defaultFilterConfig, filterSchema, type FilterConfig } from './config.js';
import { canonicalFlowName, canonicalSpanName, flowValue, spanValue } from '../common/span-value.js';
import { compileRules } from './predicate.js';

export type { FilterConfig } from './config.js';

/** `filter`: keeps or drops spans (and flows) by attribute globs and numeric bounds, per pipeline signal. */
export const filterProcessorFactory: ProcessorFactory<FilterConfig> = {
  type: 'filter',
  kind: 'processor',
  signals: ['traces', 'metrics', 'flows'],
  schema: filterSchema,
  defaultConfig: defaultFilterConfig,
  create(config, ctx): OperatorFunction<Batch, Batch> {
    const forSignal = ctx.signal === 'traces' ? config.traces : ctx.signal === 'metrics' ? config.metrics : undefined;
    const keepSpan = compileRules([config, forSignal], canonicalSpanName, spanValue);
    const keepFlow = compileRules([config.flows], canonicalFlowName, flowValue);
    const droppedSpans = ctx.telemetry.counter('lumen_processor_dropped_spans_total', 'Spans a processor dropped on purpose, by reason.', { reason: 'filtered' });
    const droppedFlows = ctx.telemetry.counter('lumen_processor_dropped_flows_total', 'Flows a processor dropped on purpose, by reason.', { reason: 'filtered' });
    return (source) =>
      source.pipe(
        map((batch) => {
          if (batch.kind === 'spans' && keepSpan) droppedSpans.add(retainInPlace(batch.items, keepSpan));
          else if (batch.kind === 'flows' && keepFlow) droppedFlows.add(retainInPlace(batch.items, keepFlow));
          return batch;
        }),
        filter((batch) => batch.items.length > 0),
      );
  },
};

export default filterProcessorFactory;
