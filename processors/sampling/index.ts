import type { ProcessorFactory } from '../../src/component/index.js';
import { retainInPlace, spanOperator } from '../common/span-operator.js';
import { defaultSamplingConfig, resolveSampling, samplingSchema, type SamplingConfig } from './config.js';
import { createSampler } from './sampler.js';

export type { SamplingConfig } from './config.js';
export { createSampler, traceIdPosition } from './sampler.js';

/**
 * `sampling`: head sampling for traces. In traces pipelines spans the sampler refuses are dropped and kept
 * root spans get the sampled flag; in metrics pipelines every span passes, so metrics count every request.
 */
export const samplingProcessorFactory: ProcessorFactory<SamplingConfig> = {
  type: 'sampling',
  kind: 'processor',
  signals: ['traces', 'metrics'],
  schema: samplingSchema,
  defaultConfig: defaultSamplingConfig,
  headSampling(config) {
    const { sampler, ratio } = resolveSampling(config);
    const rootRatio = sampler.endsWith('always_on') ? 1 : sampler.endsWith('always_off') ? 0 : ratio;
    return { parentBased: sampler.startsWith('parentbased_'), rootRatio };
  },
  create(config, ctx) {
    const resolved = resolveSampling(config);
    for (const w of resolved.warnings) ctx.logger.warn(w);
    if (ctx.signal !== 'traces') return (source) => source;
    const sample = createSampler(resolved.sampler, resolved.ratio);
    const dropped = ctx.telemetry.counter('lumen_processor_dropped_spans_total', 'Spans a processor dropped on purpose, by reason.', { reason: 'sampled_out' });
    return spanOperator((batch) => {
      const removed = retainInPlace(batch.items, (span) => {
        if (!sample(span)) return false;
        span.trace.flags |= 1;
        return true;
      });
      if (removed > 0) dropped.add(removed);
      return batch;
    });
  },
};

export default samplingProcessorFactory;
