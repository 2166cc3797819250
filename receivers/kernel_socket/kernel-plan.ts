import type { ConsumerPipeline } from '../../src/component/index.js';
import { planAggregation, type AggregationPlan } from '../../src/capture/aggregation-plan.js';
import { kernelSampling, type KernelSampling } from './sampling.js';

/**
 * What the kernel does for the pipelines the receiver feeds: RED aggregation for metrics pipelines
 * (aggregation-plan.ts), head sampling for traces pipelines (sampling.ts), or both together when it feeds both
 * kinds — the common setup: metrics of every request, sampled traces. Together, every request is aggregated and
 * a ring record is sent only when sampled (or when the aggregation left the request to the ring, which the
 * metrics need); each works only if the other covers the pipelines it cannot: either alone would lose requests.
 */
export function planKernelWork(
  cfg: { kernel_aggregation: 'auto' | 'off'; kernel_sampling: boolean },
  consumers: readonly ConsumerPipeline[] | undefined,
): { aggregation: AggregationPlan; sampling: KernelSampling } {
  const traces = consumers?.filter((c) => c.signal === 'traces') ?? [];
  const others = consumers?.filter((c) => c.signal !== 'traces') ?? [];
  if (!traces.length || !others.length) {
    return { aggregation: planAggregation(cfg.kernel_aggregation, consumers), sampling: kernelSampling(cfg.kernel_sampling, consumers) };
  }
  const aggregation = planAggregation(cfg.kernel_aggregation, others);
  const sampling = kernelSampling(cfg.kernel_sampling, traces);
  const names = (ps: readonly ConsumerPipeline[]) => ps.map((p) => p.name).join(', ');
  if (!aggregation.on) {
    return {
      aggregation: planAggregation(cfg.kernel_aggregation, consumers),
      sampling: { rodata: { ks_sample: 0, ks_sample_below: 0 }, why: `${names(others)} need every request (kernel aggregation off: ${aggregation.reason})` },
    };
  }
  if (!sampling.rodata.ks_sample) {
    return {
      aggregation: { on: false, reason: `${names(traces)} need every span (kernel sampling off: ${sampling.why})` },
      sampling: kernelSampling(cfg.kernel_sampling, consumers),
    };
  }
  return { aggregation, sampling: { ...sampling, why: `${sampling.why}, beside the kernel aggregation for ${names(others)}` } };
}
