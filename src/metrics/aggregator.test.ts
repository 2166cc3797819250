import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricAggregator } from './aggregator.js';
import { flowBatch, measurementBatch, spanBatch } from '../model/batch.js';
import type { AttributeSelection } from '../model/attribute-selection.js';
import type { Flow } from '../model/flow.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { testContext } from '../../test/support/context.js';

const api = sampleService('api', 1);
const web = sampleService('web', 2);

function view(agg: MetricAggregator, name: string) {
  return agg.collect().find((v) => v.def.name === name);
}

test('HTTP server spans become duration and body-size histograms keyed by the default attributes', () => {
  const agg = new MetricAggregator();
  agg.consume(spanBatch([
    sampleHttpSpan(api, { duration: 0.004, responseBodySize: 100 }),
    sampleHttpSpan(api, { duration: 0.2, responseBodySize: 5000 }),
    sampleHttpSpan(api, { duration: 20, status: 500 }),
    sampleHttpSpan(web, { duration: 0.01 }),
  ]));
  const d = view(agg, 'http.server.request.duration')!;
  assert.equal(d.def.promName, 'http_server_request_duration_seconds');
  assert.equal(d.series.length, 3);
  const ok = d.series.find((s) => s.service === api && s.values[3] === 200)!;
  assert.deepEqual(ok.names, ['service.name', 'service.namespace', 'http.request.method', 'http.response.status_code', 'http.route', 'url.scheme', 'network.protocol.version', 'server.address', 'server.port']);
  assert.deepEqual(ok.values, ['api', 'shop', 'GET', 200, '/users/:id', 'http', '1.1', '10.0.0.1', 8080]);
  assert.equal(ok.count, 2);
  assert.ok(Math.abs(ok.sum - 0.204) < 1e-9);
  // 0.004 → le=0.005 (index 1), 0.2 → le=0.25 (index 7)
  assert.equal(ok.counts[1], 1);
  assert.equal(ok.counts[7], 1);
  const err = d.series.find((s) => s.values[3] === 500)!;
  assert.equal(err.counts[d.bounds.length], 1, '20s lands in the +Inf bucket');
  const resp = view(agg, 'http.server.response.body.size')!;
  const r = resp.series.find((s) => s.service === api && s.values[3] === 200)!;
  assert.equal(r.sum, 5100);
  assert.equal(r.counts[resp.bounds.indexOf(128)], 1);
  assert.equal(r.counts[resp.bounds.indexOf(8192)], 1, '5000 lands in (4096, 8192]');
});

test('client spans, gRPC and DB spans map to their own metrics; other protocols to none', () => {
  const agg = new MetricAggregator();
  const grpc = { ...sampleHttpSpan(api), protocol: 'grpc' as const, http: undefined, attributes: { 'rpc.method': 'Get', 'rpc.system.name': 'grpc', 'rpc.response.status_code': 0 } };
  const sql = { ...sampleHttpSpan(api, { kind: 'client' }), protocol: 'sql' as const, http: undefined, attributes: { 'db.operation.name': 'SELECT', 'db.system.name': 'postgresql' } };
  const tcp = { ...sampleHttpSpan(api), protocol: 'tcp' as const, http: undefined };
  agg.consume(spanBatch([sampleHttpSpan(api, { kind: 'client' }), grpc, sql, tcp]));
  const names = agg.collect().map((v) => v.def.name).sort();
  assert.deepEqual(names, ['db.client.operation.duration', 'http.client.request.body.size', 'http.client.request.duration', 'http.client.response.body.size', 'rpc.server.call.duration']);
  const db = view(agg, 'db.client.operation.duration')!.series[0]!;
  assert.deepEqual(db.values, ['api', 'shop', 'SELECT', 'postgresql', undefined, '10.0.0.9']);
});

test('an attribute selection changes the label set (and is resolved per metric)', () => {
  const selection: AttributeSelection = {
    namesFor: (metric, defaults) => (metric === 'http.server.request.duration' ? ['service.name', 'url.path'] : defaults),
  };
  const agg = new MetricAggregator();
  const b = spanBatch([sampleHttpSpan(api, { path: '/a' }), sampleHttpSpan(api, { path: '/b' }), sampleHttpSpan(api, { path: '/a' })]);
  b.selection = selection;
  agg.consume(b);
  const d = view(agg, 'http.server.request.duration')!;
  assert.deepEqual(d.series.map((s) => [s.values, s.count]).sort(), [[['api', '/a'], 2], [['api', '/b'], 1]]);
  assert.equal(view(agg, 'http.server.request.body.size')!.series.length, 1);
});

test('db.query.text is never a metric label, even when a selection asks for it', () => {
  const sql = { ...sampleHttpSpan(api, { kind: 'client' }), protocol: 'sql' as const, http: undefined, attributes: { 'db.operation.name': 'SELECT', 'db.system.name': 'postgresql', 'db.query.text': 'SELECT ? FROM t' } };
  const b = spanBatch([sql]);
  b.selection = { namesFor: (_m, defaults) => [...defaults, 'db.query.text'] };
  const agg = new MetricAggregator();
  agg.consume(b);
  assert.deepEqual(view(agg, 'db.client.operation.duration')!.series[0]!.values, ['api', 'shop', 'SELECT', 'postgresql', undefined, '10.0.0.9']);
});

test('Kafka producer and consumer spans feed messaging.client.operation.duration; memcached db.client.operation.duration', () => {
  const kafka = { ...sampleHttpSpan(api, { kind: 'client' }), kind: 'producer' as const, protocol: 'kafka' as const, http: undefined, attributes: { 'messaging.system': 'kafka', 'messaging.operation.name': 'publish', 'messaging.destination.name': 'orders' } };
  const mc = { ...sampleHttpSpan(api, { kind: 'client' }), protocol: 'memcached' as const, http: undefined, attributes: { 'db.system.name': 'memcached', 'db.operation.name': 'get' } };
  const agg = new MetricAggregator();
  agg.consume(spanBatch([kafka, mc]));
  assert.deepEqual(view(agg, 'messaging.client.operation.duration')!.series[0]!.values, ['api', 'shop', 'publish', 'kafka', 'orders', undefined, '10.0.0.9']);
  assert.deepEqual(view(agg, 'db.client.operation.duration')!.series[0]!.values, ['api', 'shop', 'get', 'memcached', undefined, '10.0.0.9']);
});

test('flows become byte and packet counters; measurements feed declared metrics, unknown ones are counted', () => {
  const ctx = testContext('prometheus');
  const agg = new MetricAggregator({ telemetry: ctx.telemetry });
  const flow = (direction: Flow['direction'], bytes: number): Flow => ({
    srcAddress: '1.1.1.1', dstAddress: '2.2.2.2', srcPort: 1, dstPort: 2, transport: 'tcp', direction, interface: 'eth0',
    bytes, packets: 2, startUnixNano: 0n, endUnixNano: 1n, attributes: {},
  });
  agg.consume(flowBatch([flow('ingress', 100), flow('ingress', 50), flow('egress', 7)]));
  const fb = view(agg, 'lumen.network.flow.bytes')!;
  assert.deepEqual(fb.series.map((s) => [s.values[0], s.sum]).sort(), [['egress', 7], ['ingress', 150]]);
  assert.equal(view(agg, 'lumen.network.flow.packets')!.series.find((s) => s.values[0] === 'ingress')!.sum, 4);
  agg.consume(measurementBatch([
    { metric: 'lumen.tcp.retransmits', value: 3, attributes: { 'peer.address': '9.9.9.9' }, service: api, timeUnixNano: 0n },
    { metric: 'lumen.tcp.retransmits', value: 2, attributes: { 'peer.address': '9.9.9.9' }, service: api, timeUnixNano: 0n },
    { metric: 'no.such.metric', value: 1, attributes: {}, timeUnixNano: 0n },
  ]));
  const rt = view(agg, 'lumen.tcp.retransmits')!.series;
  assert.equal(rt.length, 1);
  assert.equal(rt[0]!.sum, 5);
  assert.deepEqual(rt[0]!.values, ['api', 'shop', '9.9.9.9']);
  assert.equal(ctx.metrics.value('lumen_metrics_unknown_measurements_total'), 1);
  assert.equal(ctx.metrics.value('lumen_metrics_series'), 2 + 2 + 1);
});

test('series expire after the TTL and the series limit drops and counts', () => {
  let now = 1_000_000;
  const ctx = testContext('prometheus');
  const agg = new MetricAggregator({ ttlMs: 60_000, now: () => now, maxSeriesPerMetric: 2, telemetry: ctx.telemetry });
  agg.consume(spanBatch([sampleHttpSpan(api, { route: '/a' }), sampleHttpSpan(api, { route: '/b' }), sampleHttpSpan(api, { route: '/c' })]));
  assert.equal(view(agg, 'http.server.request.duration')!.series.length, 2);
  assert.equal(ctx.metrics.value('lumen_metrics_series_dropped_total'), 3, 'one per metric of the dropped span');
  now += 30_000;
  agg.consume(spanBatch([sampleHttpSpan(api, { route: '/a' })]));
  now += 40_000;
  assert.deepEqual(view(agg, 'http.server.request.duration')!.series.map((s) => s.values[4]), ['/a']);
  now += 61_000;
  assert.equal(agg.collect().length, 0);
  assert.equal(agg.seriesCount(), 0);
  assert.ok(ctx.metrics.value('lumen_metrics_series_expired_total') >= 6);
});

test('bucket overrides apply and bad ones are rejected up front', () => {
  const agg = new MetricAggregator({ buckets: { duration_histogram: [0.1, 1] } });
  agg.consume(spanBatch([sampleHttpSpan(api, { duration: 0.5 })]));
  const d = view(agg, 'http.server.request.duration')!;
  assert.deepEqual(d.bounds, [0.1, 1]);
  assert.deepEqual(Array.from(d.series[0]!.counts), [0, 1, 0]);
  assert.throws(() => new MetricAggregator({ buckets: { duration_histogram: [1, 0.5] } }), /buckets.duration_histogram: boundaries must be strictly increasing, got 1 then 0.5/);
});

test('series keys reused between consecutive spans with equal values give the same series as keying each span afresh', async () => {
  const { spanAttributeValue } = await import('./span-values.js');
  const { spanMetrics } = await import('./sources.js');
  let seed = 3;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const selA: AttributeSelection = { namesFor: (_m, defaults) => defaults.filter((n) => n !== 'http.route') };
  const selB: AttributeSelection = { namesFor: () => ['service.name', 'http.request.method', 'x'] };
  const agg = new MetricAggregator();
  const expected = new Map<string, number>();
  for (let b = 0; b < 200; b++) {
    const selection = pick([undefined, undefined, selA, selB]);
    const spans = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => {
      const s = sampleHttpSpan(pick([api, web]), { kind: pick(['server', 'client'] as const), method: pick(['GET', 'POST']), status: pick([200, 200, 404]), route: pick(['', '/a']) });
      if (rnd() < 0.2) s.attributes = { x: pick([1, '1', 'y']), 'http.request.method': 'OWN' };
      return s;
    });
    for (const s of spans) {
      for (const m of spanMetrics(s)) {
        const names = selection ? selection.namesFor(m.def.name, m.def.defaultAttributes, []) : m.def.defaultAttributes;
        const k = `${m.def.name}|${s.service.name}|${JSON.stringify(names.map((n) => { const v = spanAttributeValue(s, n); return v === undefined ? null : String(v); }))}`;
        expected.set(k, (expected.get(k) ?? 0) + 1);
      }
    }
    const batch = spanBatch(spans);
    if (selection) batch.selection = selection;
    agg.consume(batch);
  }
  const got = new Map<string, number>();
  for (const v of agg.collect()) {
    for (const s of v.series) {
      // Values are keyed by their text (1 and '1' share a series), so compare them as text.
      const k = `${v.def.name}|${s.service!.name}|${JSON.stringify(s.values.map((x) => (x === undefined ? null : String(x))))}`;
      got.set(k, (got.get(k) ?? 0) + s.count);
    }
  }
  assert.deepEqual([...got].sort(), [...expected].sort());
});

test('a series expired between two spans with the same key is created afresh (the remembered last series is dropped)', () => {
  let now = 1_000_000;
  const agg = new MetricAggregator({ ttlMs: 60_000, now: () => now });
  agg.consume(spanBatch([sampleHttpSpan(api, { route: '/a' }), sampleHttpSpan(api, { route: '/a' })]));
  assert.equal(view(agg, 'http.server.request.duration')!.series[0]!.count, 2);
  now += 61_000;
  agg.expire();
  agg.consume(spanBatch([sampleHttpSpan(api, { route: '/a' })]));
  const series = view(agg, 'http.server.request.duration')!.series;
  assert.equal(series.length, 1);
  assert.equal(series[0]!.count, 1);
  assert.equal(agg.seriesCount(), 3);
});

test('the total series budget: new series past it are dropped by reason, one WARN, busy series never evicted, idle ones make room', () => {
  let now = 1_000_000;
  const ctx = testContext('prometheus');
  // One HTTP server span feeds 3 metrics with one attribute set: a budget of 6 holds two routes.
  const agg = new MetricAggregator({ maxSeries: 6, now: () => now, telemetry: ctx.telemetry, logger: ctx.logger, optionsPath: 'exporters.prometheus' });
  const route = (r: string) => spanBatch([sampleHttpSpan(api, { route: r })]);
  agg.consume(route('/a'));
  agg.consume(route('/b'));
  assert.equal(agg.seriesCount(), 6);
  for (let i = 0; i < 100; i++) agg.consume(route(`/attack/${i}`));
  assert.equal(agg.seriesCount(), 6, 'the budget holds');
  assert.equal(ctx.metrics.value('lumen_metrics_series_dropped_total', { reason: 'max_series' }), 300);
  assert.equal(ctx.metrics.value('lumen_metrics_series_dropped_total', { reason: 'max_series_per_metric' }), 0);
  const warnings = ctx.logs.filter((e) => e.level === 'warn');
  assert.equal(warnings.length, 1, 'one WARN per bound, not per observation');
  assert.match(warnings[0]!.msg, /exporters\.prometheus\.max_series \(6\) reached/);
  // /a stays busy, /b falls idle: after the idle time, /b's series make room for a new route, /a keeps counting.
  for (let t = 0; t < 7; t++) {
    now += 10_000;
    agg.consume(route('/a'));
  }
  agg.consume(route('/c'));
  const d = view(agg, 'http.server.request.duration')!;
  assert.deepEqual(d.series.map((s) => [s.values[4], s.count]).sort(), [['/a', 8], ['/c', 1]]);
  assert.equal(ctx.metrics.value('lumen_metrics_series_evicted_total'), 3);
  assert.equal(agg.seriesCount(), 6);
  assert.equal(ctx.logs.filter((e) => e.level === 'warn').length, 1);
});

test('an attack of unique series never holds more than the budget, and the held count matches the series', () => {
  let now = 0;
  const agg = new MetricAggregator({ maxSeries: 1000, now: () => now, ttlMs: 300_000 });
  for (let i = 0; i < 200_000; i++) {
    now += 1;
    agg.consume(spanBatch([sampleHttpSpan(api, { route: `/w${i}` })]));
    if (i % 20_000 === 0) assert.ok(agg.seriesCount() <= 1000);
  }
  const held = agg.collect().reduce((n, v) => n + v.series.length, 0);
  assert.equal(held, agg.seriesCount());
  assert.ok(held <= 1000 && held > 900, `held ${held}`);
});
