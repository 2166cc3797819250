import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstValueFrom, from, toArray } from 'rxjs';
import { spanBatch, type Batch, type SpanBatch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import { OVERFLOW_ATTRIBUTE } from '../common/overflow.js';
import { cardinalityGuardProcessorFactory } from './index.js';

const svc = sampleService('shop', 11);
const HTTP_DURATION = 'http.server.request.duration';

async function guard(max: number, batches: Span[][], signal: 'metrics' | 'traces' = 'metrics') {
  const ctx = testContext('cardinality_guard', { signal });
  const op = cardinalityGuardProcessorFactory.create({ max_attribute_sets_per_metric: max, ttl: 300_000 }, ctx);
  const out = (await firstValueFrom(from(batches.map((b) => spanBatch(b) as Batch)).pipe(op, toArray()))) as Batch[] as SpanBatch[];
  return { out, ctx };
}

test('past N attribute sets per metric, new sets go to an overflow batch that exporters fold into one series', async () => {
  const spans = Array.from({ length: 10 }, (_, i) => sampleHttpSpan(svc, { route: `/r${i % 5}`, seq: i + 1 }));
  const { out, ctx } = await guard(3, [spans]);
  assert.equal(out.length, 2);
  assert.deepEqual(out[0]!.items.map((s) => s.http!.route), ['/r0', '/r1', '/r2', '/r0', '/r1', '/r2']);
  assert.deepEqual(out[1]!.items.map((s) => [s.http!.route, s.attributes[OVERFLOW_ATTRIBUTE]]), [['/r3', true], ['/r4', true], ['/r3', true], ['/r4', true]]);
  assert.equal(ctx.metrics.value('lumen_cardinality_overflow_total', { metric: HTTP_DURATION }), 4);
  const warned = ctx.logs.filter((e) => e.level === 'warn').map((e) => e.fields?.metric);
  assert.deepEqual(warned.sort(), ['http.server.request.body.size', HTTP_DURATION, 'http.server.response.body.size'], 'one WARN per metric, not per observation');
  const agg = new MetricAggregator();
  for (const b of out) agg.consume(b);
  const series = agg.collect().find((m) => m.def.name === HTTP_DURATION)!.series;
  assert.equal(series.length, 4);
  const overflow = series.find((s) => s.names.includes(OVERFLOW_ATTRIBUTE))!;
  assert.deepEqual([overflow.names, overflow.values, overflow.count], [[OVERFLOW_ATTRIBUTE], [true], 4]);
});

test('traces pipelines pass through untouched', async () => {
  const spans = Array.from({ length: 5 }, (_, i) => sampleHttpSpan(svc, { route: `/r${i}`, seq: i + 1 }));
  const { out } = await guard(1, [spans], 'traces');
  assert.equal(out[0]!.items.length, 5);
});

test('property: tracked sets never exceed N, admitted spans keep their attributes', async () => {
  await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 200 }), async (max, routes) => {
    const spans = routes.map((r, i) => sampleHttpSpan(svc, { route: `/x/${r}`, seq: i + 1 }));
    const { out } = await guard(max, [spans]);
    const admitted = new Set(out.filter((b) => !b.selection).flatMap((b) => b.items.map((s) => s.http!.route)));
    assert.ok(admitted.size <= max);
    assert.equal(out.reduce((n, b) => n + b.items.length, 0), routes.length, 'nothing lost');
  }), { numRuns: 100 });
});
