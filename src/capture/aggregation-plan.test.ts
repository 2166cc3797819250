import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumerPipeline } from '../component/index.js';
import { MetricAggregator } from '../metrics/aggregator.js';
import { DURATION_BUCKETS, SIZE_BUCKETS } from '../model/metrics.js';
import { planAggregation } from './aggregation-plan.js';

const prom = new MetricAggregator();
const metrics = (processors: { type: string; config?: unknown }[] = [{ type: 'routes', config: { unmatched: 'heuristic' } }],
  aggregator: MetricAggregator | 'none' = prom, name = 'metrics'): ConsumerPipeline => ({
  name, signal: 'metrics',
  processors: processors.map((p) => ({ id: p.type, type: p.type, config: p.config })),
  exporters: [{ id: 'prometheus', aggregator: aggregator === 'none' ? undefined : aggregator }],
});

test('metrics-only with routes: on, ids collapsed, the exporters\' bounds', () => {
  const plan = planAggregation('auto', [metrics()]);
  assert.ok(plan.on);
  assert.equal(plan.collapseIds, true);
  assert.deepEqual(plan.bounds, { duration: [...DURATION_BUCKETS], requestBodySize: [...SIZE_BUCKETS], responseBodySize: [...SIZE_BUCKETS] });
  assert.ok(planAggregation('auto', [metrics([])]).on, 'no processor at all');
});

test('the exact path stays: off, a traces pipeline, another processor, a span-reading exporter, legacy labels, other buckets', () => {
  const off = (p: ReturnType<typeof planAggregation>) => (p.on ? 'on' : p.reason);
  assert.equal(off(planAggregation('off', [metrics()])), 'kernel_aggregation: off');
  assert.match(off(planAggregation('auto', [metrics(), { name: 'traces', signal: 'traces', processors: [], exporters: [{ id: 'print_traces' }] }])), /pipeline traces \(traces\) needs every span/);
  assert.match(off(planAggregation('auto', [metrics([{ type: 'routes' }, { type: 'filter' }])])), /processor filter is not one/);
  assert.match(off(planAggregation('auto', [metrics(undefined, 'none')])), /exporter prometheus reads spans itself/);
  const legacy = new MetricAggregator({ naming: { names: 'legacy', prefix: 'beyla' } });
  assert.match(off(planAggregation('auto', [metrics(undefined, legacy)])), /labelled by url\.path/);
  const coarse = new MetricAggregator({ buckets: { duration_histogram: [0.1, 1] } });
  assert.match(off(planAggregation('auto', [metrics(), metrics(undefined, coarse, 'metrics/2')])), /bucket the HTTP histograms differently/);
  assert.equal(off(planAggregation('auto', [])), 'no pipeline information');
});

test('ids are kept whole where the routes processor tells all-digit segments apart', () => {
  const collapse = (config: unknown) => {
    const p = planAggregation('auto', [metrics([{ type: 'routes', config }])]);
    assert.ok(p.on);
    return p.collapseIds;
  };
  assert.equal(collapse({ unmatched: 'path' }), false);
  assert.equal(collapse({ unmatched: 'heuristic', patterns: ['/api/2024/report'] }), false);
  assert.equal(collapse({ unmatched: 'heuristic', ignored_patterns: ['/health/1'] }), false);
  assert.equal(collapse({ unmatched: 'low-cardinality', patterns: ['/users/{id}', '/v1/items/:id'] }), true);
  assert.equal(collapse({ unmatched: 'wildcard' }), true);
});
