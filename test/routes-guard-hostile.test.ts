/**
 * The routes processor and the cardinality guard together under a hostile path stream: two components in one
 * pipeline, so the test lives here (test/ is the distribution level), not in either component's folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Subject } from 'rxjs';
import { spanBatch, type Batch } from '../src/model/batch.js';
import { MetricAggregator } from '../src/metrics/aggregator.js';
import type { Span } from '../src/model/span.js';
import { testContext } from './support/context.js';
import { sampleHttpSpan, sampleService } from './support/sample-spans.js';
import { routesProcessorFactory } from '../processors/routes/index.js';
import { OVERFLOW_ATTRIBUTE } from '../processors/common/overflow.js';
import { cardinalityGuardProcessorFactory } from '../processors/cardinality_guard/index.js';

const svc = sampleService('shop', 11);
const HTTP_DURATION = 'http.server.request.duration';

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
