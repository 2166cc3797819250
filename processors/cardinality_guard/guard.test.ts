import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import { Subject, firstValueFrom, from, toArray } from 'rxjs';
import { spanBatch, type Batch, type SpanBatch } from '../../src/model/batch.js';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import type { Span } from '../../src/model/span.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { routesProcessorFactory } from '../routes/index.js';
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

function exposeGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

test('1,000,000 hostile random paths through routes + guard: series <= limit, structures bounded, heap flat', (t) => {
  const LIMIT = 2000;
  const syllables = ['ba', 'ke', 'lo', 'mi', 'nu', 'ra', 'so', 'ti', 'de', 'fa', 'go', 'pu', 'ser', 'ton', 'lan', 'mor'];
  let seed = 12345;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  const word = () => syllables[rnd(16)]! + syllables[rnd(16)]! + syllables[rnd(16)]!;
  const ids = () => (rnd(3) === 0 ? String(rnd(1e6)) : word());
  const services = [svc, sampleService('billing', 12), sampleService('search', 13)];

  const ctx = testContext('hostile', { signal: 'metrics' });
  const input = new Subject<Batch>();
  const agg = new MetricAggregator();
  let emitted = 0;
  // The routes processor's own route budget is lifted: the guard is what this test puts under attack.
  const routes = { ...routesProcessorFactory.defaultConfig(), max_routes_per_service: 1_000_000 };
  input.pipe(routesProcessorFactory.create(routes, ctx), cardinalityGuardProcessorFactory.create({ max_attribute_sets_per_metric: LIMIT, ttl: 300_000 }, ctx))
    .subscribe((b) => {
      emitted += b.items.length;
      agg.consume(b);
    });
  const gc = exposeGc();
  let heapAfterWarmup = 0;
  const TOTAL = 1_000_000;
  const BATCH = 1000;
  for (let sent = 0; sent < TOTAL; sent += BATCH) {
    const batch: Span[] = [];
    for (let i = 0; i < BATCH; i++) {
      const s = sampleHttpSpan(services[rnd(3)]!, { path: `/${word()}/${ids()}/${word()}/${ids()}`, route: '', status: 200 + rnd(4) * 100, seq: sent + i });
      batch.push(s);
    }
    input.next(spanBatch(batch));
    if (sent === 200_000 && gc) {
      gc();
      heapAfterWarmup = process.memoryUsage().heapUsed;
    }
  }
  input.complete();
  assert.equal(emitted, TOTAL, 'every span reached the aggregator (admitted or in overflow)');
  for (const m of agg.collect()) {
    assert.ok(m.series.length <= LIMIT + services.length, `${m.def.name}: ${m.series.length} series`);
    assert.equal(m.series.filter((s) => s.names.includes(OVERFLOW_ATTRIBUTE)).length, services.length, `${m.def.name}: ${m.series.length} series`);
  }
  const overflowed = ctx.metrics.value('lumen_cardinality_overflow_total', { metric: HTTP_DURATION });
  assert.ok(overflowed > 800_000, `overflowed ${overflowed}`);
  const tracked = ctx.metrics.value('lumen_cardinality_attribute_sets');
  assert.ok(tracked <= 3 * LIMIT, `tracked ${tracked}`);
  if (gc) {
    gc();
    const growth = process.memoryUsage().heapUsed - heapAfterWarmup;
    t.diagnostic(`heap after 200k spans ${(heapAfterWarmup / 1048576).toFixed(1)} MiB, growth over the next 800k ${(growth / 1048576).toFixed(2)} MiB; tracked sets ${tracked}; overflowed ${overflowed}`);
    assert.ok(growth < 16 * 1024 * 1024, `heap grew ${(growth / 1048576).toFixed(1)} MiB after warm-up`);
  } else t.diagnostic('gc not available: heap not measured (structure bounds still checked)');
});
