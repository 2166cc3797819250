import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumerPipeline } from '../../src/component/index.js';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import { planKernelWork } from './kernel-plan.js';

const metrics = (processors: string[] = ['routes']): ConsumerPipeline => ({
  name: 'metrics', signal: 'metrics',
  processors: processors.map((type) => ({ id: type, type, config: {} })),
  exporters: [{ id: 'prometheus', aggregator: new MetricAggregator() }],
});
const traces = (ratio?: number, name = 'traces'): ConsumerPipeline => ({
  name, signal: 'traces', headSampling: ratio === undefined ? undefined : { parentBased: false, rootRatio: ratio },
  processors: ratio === undefined ? [] : [{ id: 'sampling', type: 'sampling', config: { sampler: 'traceidratio', ratio } }],
  exporters: [{ id: 'otlp' }],
});
const on = { kernel_aggregation: 'auto', kernel_sampling: true } as const;
const summary = (p: ReturnType<typeof planKernelWork>) => ({
  aggregation: p.aggregation.on ? 'on' : p.aggregation.reason,
  sampling: p.sampling.rodata.ks_sample ? `on: ${p.sampling.why}` : p.sampling.why,
});

test('metrics + sampled traces: both in the kernel, together', () => {
  const s = summary(planKernelWork(on, [metrics(), traces(0.1)]));
  assert.equal(s.aggregation, 'on');
  assert.equal(s.sampling, 'on: ratio 0.1, beside the kernel aggregation for metrics');
  // one kind alone: each plan as before
  assert.equal(summary(planKernelWork(on, [metrics()])).aggregation, 'on');
  assert.match(summary(planKernelWork(on, [traces(0.1)])).sampling, /^on: ratio 0\.1$/);
});

test('together or not at all: either alone would lose requests the other kind of pipeline needs', () => {
  // the metrics pipeline is not one the kernel aggregates → every request to user space
  let s = summary(planKernelWork(on, [metrics(['routes', 'filter']), traces(0.1)]));
  assert.match(s.aggregation, /pipeline metrics: processor filter is not one/);
  assert.match(s.sampling, /metrics need every request \(kernel aggregation off: pipeline metrics: processor filter/);
  s = summary(planKernelWork({ ...on, kernel_aggregation: 'off' }, [metrics(), traces(0.1)]));
  assert.match(s.sampling, /kernel aggregation off: kernel_aggregation: off/);
  // the traces pipeline is not sampled in the kernel → every request a span
  s = summary(planKernelWork(on, [metrics(), traces()]));
  assert.match(s.aggregation, /^traces need every span \(kernel sampling off: no pipeline samples/);
  s = summary(planKernelWork(on, [metrics(), traces(0.1), traces(undefined, 'traces/all')]));
  assert.match(s.aggregation, /traces, traces\/all need every span \(kernel sampling off: pipeline traces\/all has no sampling step/);
  assert.match(s.sampling, /metrics needs every request/);
  s = summary(planKernelWork({ ...on, kernel_sampling: false }, [metrics(), traces(0.1)]));
  assert.match(s.aggregation, /kernel sampling off: kernel_sampling: false/);
  assert.equal(s.sampling, 'kernel_sampling: false');
});
