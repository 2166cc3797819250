import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MetricAggregator } from './aggregator.js';
import type { AttributeSelection } from '../model/attribute-selection.js';
import type { SpanBatch } from '../model/batch.js';
import type { Span } from '../model/span.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';

const services = [sampleService('api', 1), sampleService('web', 2), sampleService('db', 3, '')];

/** Selections: none, one that gives every metric the same names, one that keys the duration by other names than the sizes. */
const selections: (AttributeSelection | undefined)[] = [
  undefined,
  { namesFor: () => ['service.name', 'http.route', 'http.response.status_code'] },
  { namesFor: (metric, defaults) => (metric.endsWith('.duration') ? ['service.name', 'url.path'] : defaults) },
];

/** Spans from small pools (so endpoints repeat), with own attributes that shadow or equal typed ones (200 vs '200'). */
const arbSpan = fc.record({
  service: fc.constantFrom(...services),
  kind: fc.constantFrom('server', 'client', 'producer'),
  protocol: fc.constantFrom('http', 'http', 'http', 'grpc', 'sql', 'tcp'),
  method: fc.constantFrom('GET', 'POST', ''),
  path: fc.constantFrom('/a', '/b/1', '/b/2'),
  route: fc.constantFrom('', '/a', '/b/*'),
  status: fc.constantFrom(200, 404, 500, 0),
  host: fc.constantFrom('', 'example.com:8080', '[::1]:80'),
  port: fc.constantFrom(80, 8080),
  version: fc.constantFrom(undefined, '1.1'),
  durationNs: fc.bigInt({ min: 0n, max: 20_000_000_000n }),
  size: fc.constantFrom(0, 100, 9000, Number.NaN),
  own: fc.dictionary(fc.constantFrom('http.response.status_code', 'http.route', 'server.port', 'rpc.method', 'db.operation.name'),
    fc.oneof(fc.constantFrom('200', '/a', 8080, NaN, -0, 0, true, 'true'), fc.string({ maxLength: 3 })), { maxKeys: 2 }),
}).map((o): Span => ({
  kind: o.kind, protocol: o.protocol, startUnixNano: 1_700_000_000_000_000_000n, endUnixNano: 1_700_000_000_000_000_000n + o.durationNs,
  service: o.service, name: '',
  connection: { peerAddress: '10.0.0.2', peerPort: 40000, hostAddress: '10.0.0.1', hostPort: o.port },
  trace: { traceId: '1'.repeat(32), spanId: '2'.repeat(16), parentSpanId: '', flags: 1 },
  http: o.protocol === 'http' ? {
    method: o.method, path: o.path, query: '', route: o.route, status: o.status, scheme: 'http',
    requestBodySize: o.size, responseBodySize: 7, host: o.host, protocolVersion: o.version,
  } : undefined,
  attributes: o.own,
}));

/** A step: a batch (with a selection), or the clock moving on (then, sometimes, the TTL sweep of a scrape). */
const arbStep = fc.oneof(
  { weight: 5, arbitrary: fc.record({ spans: fc.array(fc.nat(), { maxLength: 12 }), selection: fc.nat(selections.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ advanceMs: fc.integer({ min: 0, max: 90_000 }), sweep: fc.boolean() }) },
);

function seriesOf(agg: MetricAggregator): string[] {
  return agg.collect().flatMap((v) => v.series.map((s) => JSON.stringify([v.def.name, s.service?.name, s.names, s.values.map((v) => `${typeof v}:${String(v)}`), Array.from(s.counts), s.sum, s.count, s.startMs, s.lastMs])));
}

test('the series cache gives the series the exact path gives, through expiry, eviction, budget refusals and selections', () => {
  // Batches pick their spans from a few endpoints, so that series are met again after they expired or were evicted.
  fc.assert(fc.property(fc.array(arbSpan, { minLength: 1, maxLength: 8 }), fc.array(arbStep, { maxLength: 30 }), fc.constantFrom(1, 3, 4096), (endpoints, steps, rows) => {
    let now = 1_000_000;
    const options = { now: () => now, ttlMs: 120_000, maxSeries: 12, maxSeriesPerMetric: 5 };
    const cached = new MetricAggregator({ ...options, seriesCacheRows: rows });
    const exact = new MetricAggregator({ ...options, seriesCacheRows: 0 });
    for (const step of steps) {
      if ('advanceMs' in step) {
        now += step.advanceMs;
        if (step.sweep) assert.equal(cached.expire(), exact.expire());
        continue;
      }
      // Each aggregator gets its own copies: the cache must not depend on span identity.
      const batch = (): SpanBatch => {
        const b: SpanBatch = { kind: 'spans', items: step.spans.map((i) => ({ ...endpoints[i % endpoints.length]! })) };
        const selection = selections[step.selection];
        if (selection) b.selection = selection;
        return b;
      };
      cached.consume(batch());
      exact.consume(batch());
      assert.equal(cached.seriesCount(), exact.seriesCount());
    }
    assert.deepEqual(seriesOf(cached), seriesOf(exact));
  }), { numRuns: 500 });
});

test('a series evicted by a later metric of the same span is not remembered (the counterexample CI found)', () => {
  // Budget 5: a 404 span takes 3 series, a 200 span 2 more and its response size is refused. A minute on, a 200 span
  // with no request size (NaN) finds the duration and request size, then its response size evicts everything idle —
  // including the request size series it found but could not observe. The next 200 span must get a live series.
  let now = 1_000_000;
  const agg = new MetricAggregator({ now: () => now, ttlMs: 120_000, maxSeries: 5, maxSeriesPerMetric: 5, seriesCacheRows: 16 });
  const selection: AttributeSelection = { namesFor: () => ['service.name', 'http.response.status_code'] };
  const span = (status: number, requestBodySize: number): SpanBatch => ({ kind: 'spans', selection, items: [sampleHttpSpan(services[0]!, { status, requestBodySize })] });
  agg.consume(span(404, 10));
  agg.consume(span(200, 10));
  assert.equal(agg.seriesCount(), 5);
  now += 60_001;
  agg.consume(span(200, Number.NaN));
  agg.consume(span(200, 10));
  const requestSize = agg.collect().find((v) => v.def.name === 'http.server.request.body.size');
  assert.deepEqual(requestSize?.series.map((s) => [s.values, s.count]), [[['api', 200], 1]]);
  assert.equal(agg.seriesCount(), 3);
});
