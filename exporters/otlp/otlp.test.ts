import { test } from 'node:test';
import assert from 'node:assert/strict';
import { otlpExporterFactory, type OtlpExporter } from './index.js';
import type { OtlpConfig, OtlpProtocol } from './config.js';
import { configFromYaml } from '../../src/config/component-config.js';
import { spanBatch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { startOtlpCollector, type OtlpCollector } from '../../test/support/otlp-collector.js';

const api = sampleService('api', 31);
const db = sampleService('billing', 32, '');

function exporterFor(protocol: OtlpProtocol, collector: OtlpCollector, extra: object = {}) {
  const ctx = testContext('otlp');
  // YAML-shaped options ("50ms"), validated and decoded as the agent does.
  const config = configFromYaml<OtlpConfig>(otlpExporterFactory, {
    protocol, endpoint: protocol === 'grpc' ? collector.grpcUrl : collector.httpUrl, headers: { 'x-tenant': 'acme' }, ...extra,
  });
  return { ctx, exp: otlpExporterFactory.create(config, ctx) as OtlpExporter };
}

function traffic(): Span[] {
  const server = sampleHttpSpan(api, { method: 'POST', route: '/orders/:id', status: 201, duration: 0.125, startUnixNano: 1_700_000_000_000_000_123n, seq: 1 });
  const failed = sampleHttpSpan(api, { status: 503, seq: 2, parentSpanId: 'aaaaaaaaaaaaaaaa' });
  const client = sampleHttpSpan(db, { kind: 'client', status: 404, seq: 3, hostPort: 9000 });
  const grpc: Span = { ...sampleHttpSpan(api, { seq: 4 }), protocol: 'grpc', name: '/shop.Cart/Add', http: undefined, attributes: { 'rpc.method': 'Add', 'rpc.system.name': 'grpc' } };
  return [server, failed, client, grpc];
}

for (const protocol of ['grpc', 'http/protobuf', 'http/json'] as const) {
  test(`traces over ${protocol} arrive with names, kinds, times, attributes and one resource per service`, async (t) => {
    const collector = await startOtlpCollector({ grpcPort: 19220, httpPort: 19221 });
    t.after(() => collector.stop());
    const { ctx, exp } = exporterFor(protocol, collector, { compression: protocol === 'http/protobuf' ? 'gzip' : 'none' });
    t.after(() => exp.shutdown());
    await exp.start();
    exp.consume(spanBatch(traffic()), 'traces');
    await exp.forceFlush();
    assert.equal(collector.requests.length, 1);
    const req = collector.requests[0]!;
    assert.equal(req.transport, protocol);
    assert.equal(req.headers['x-tenant'], 'acme');
    if (protocol === 'http/protobuf') assert.equal(req.gzip, true);
    assert.equal(req.body.resourceSpans.length, 2, 'one ResourceSpans per service');
    const spans = collector.spans();
    assert.equal(spans.length, 4);
    const [server, failed, client, grpc] = spans.sort((a, b) => a.traceId.localeCompare(b.traceId));
    assert.equal(server!.name, 'POST /orders/:id');
    assert.equal(server!.kind, 2, 'SPAN_KIND_SERVER');
    assert.equal(server!.traceId, '00000000000000000000000000000001');
    assert.equal(server!.spanId, '0000000000000002');
    assert.equal(server!.parentSpanId, '');
    assert.equal(server!.startTimeUnixNano, 1_700_000_000_000_000_123n);
    assert.equal(server!.endTimeUnixNano, 1_700_000_000_125_000_123n);
    assert.equal(server!.status.code, 0, 'STATUS_CODE_UNSET');
    assert.deepEqual(server!.attributes, {
      'http.request.method': 'POST', 'http.response.status_code': 201, 'url.path': '/users/42', 'url.scheme': 'http', 'http.route': '/orders/:id', 'network.protocol.version': '1.1',
      'http.request.body.size': 0, 'http.response.body.size': 512, 'server.address': '10.0.0.1', 'server.port': 8080, 'client.address': '10.0.0.2', 'client.port': 40001,
    });
    assert.deepEqual(server!.scope, { name: 'lumen', version: server!.scope.version });
    assert.equal(server!.resource['service.name'], 'api');
    assert.equal(server!.resource['service.namespace'], 'shop');
    assert.equal(server!.resource['service.instance.id'], 'test-host:31');
    assert.equal(server!.resource['host.name'], 'test-host');
    assert.equal(server!.resource['process.pid'], 31);
    assert.equal(server!.resource['telemetry.sdk.name'], 'opentelemetry');
    assert.equal(server!.resource['telemetry.sdk.language'], 'go');
    assert.equal(failed!.status.code, 2, 'HTTP 503 on a server is STATUS_CODE_ERROR');
    assert.equal(failed!.parentSpanId, 'aaaaaaaaaaaaaaaa');
    assert.equal(client!.kind, 3, 'SPAN_KIND_CLIENT');
    assert.equal(client!.status.code, 2, 'HTTP 404 on a client is an error');
    assert.equal(client!.attributes['url.full'], 'http://10.0.0.9/users/42');
    assert.equal(client!.attributes['server.port'], 9000);
    assert.equal(client!.resource['service.name'], 'billing');
    assert.equal(client!.resource['service.namespace'], undefined);
    assert.equal(grpc!.name, '/shop.Cart/Add');
    assert.equal(grpc!.attributes['rpc.system.name'], 'grpc');
    assert.equal(ctx.metrics.value('lumen_exporter_sent_spans_total'), 4);
  });
}

for (const protocol of ['grpc', 'http/json'] as const) {
  test(`metrics over ${protocol}: cumulative histograms per service resource, plus internal metrics`, async (t) => {
    const collector = await startOtlpCollector({ grpcPort: 19220, httpPort: 19221 });
    t.after(() => collector.stop());
    const { ctx, exp } = exporterFor(protocol, collector);
    t.after(() => exp.shutdown());
    await exp.start();
    exp.consume(spanBatch([sampleHttpSpan(api, { duration: 0.004 }), sampleHttpSpan(api, { duration: 0.3 }), sampleHttpSpan(db, { duration: 0.02 })]), 'metrics');
    await exp.forceFlush();
    const metrics = collector.metrics();
    const dur = metrics.filter((m) => m.name === 'http.server.request.duration');
    assert.equal(dur.length, 2, 'one per service resource');
    const a = dur.find((m) => m.resource['service.name'] === 'api')!;
    assert.equal(a.type, 'histogram');
    assert.equal(a.unit, 's');
    assert.equal(a.data.aggregationTemporality, 2, 'CUMULATIVE');
    const p = a.data.dataPoints[0];
    assert.equal(Number(p.count), 2);
    assert.ok(Math.abs(p.sum - 0.304) < 1e-9);
    assert.deepEqual(p.explicitBounds, [0, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]);
    assert.deepEqual(p.bucketCounts.map(Number), [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const pa = Object.fromEntries(p.attributes.map((kv: any) => [kv.key, kv.value.stringValue ?? Number(kv.value.intValue)]));
    assert.deepEqual(pa, { 'http.request.method': 'GET', 'http.response.status_code': 200, 'http.route': '/users/:id', 'url.scheme': 'http', 'network.protocol.version': '1.1', 'server.address': '10.0.0.1', 'server.port': 8080 });
    assert.ok(BigInt(p.startTimeUnixNano) <= BigInt(p.timeUnixNano));
    assert.ok(metrics.some((m) => m.name === 'http.server.response.body.size' && m.unit === 'By'));
    const internal = metrics.find((m) => m.name === 'lumen_metrics_series')!;
    assert.equal(internal.resource['service.name'], 'lumen', 'internal metrics on the agent resource');
    assert.ok(ctx.metrics.value('lumen_exporter_sent_metric_points_total') > 6);
  });
}

for (const protocol of ['grpc', 'http/protobuf'] as const) {
  test(`collector down over ${protocol}: no crash, bounded queue, drops counted, queued spans arrive when it is back`, { timeout: 60_000 }, async (t) => {
    const ports = { grpcPort: 19222, httpPort: 19223 };
    const { OtlpCollector } = await import('../../test/support/otlp-collector.js');
    const collector = new OtlpCollector(ports);
    t.after(() => collector.stop());
    const { ctx, exp } = exporterFor(protocol, collector, {
      queue_size: 2000, batch: { max_size: 100, timeout: '50ms' }, timeout: '500ms',
      retry: { enabled: true, initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '0', multiplier: 2, randomization_factor: 0.5 },
    });
    t.after(() => exp.shutdown());
    await exp.start();
    const sentIds = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const spans = Array.from({ length: 100 }, (_, j) => sampleHttpSpan(api, { seq: 1000 + i * 100 + j }));
      exp.consume(spanBatch(spans), 'traces');
      await new Promise((r) => setTimeout(r, 5));
      const queued = ctx.metrics.value('lumen_exporter_queue_size', { signal: 'traces' });
      assert.ok(queued <= 2000, `queue stays bounded (${queued})`);
    }
    for (let i = 0; i < 50 * 100; i++) sentIds.add((1000 + i + 1).toString(16).padStart(16, '0'));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(collector.requests.length, 0);
    assert.equal(ctx.metrics.value('lumen_exporter_queue_size', { signal: 'traces' }), 2000);
    assert.equal(ctx.metrics.value('lumen_exporter_dropped_spans_total', { reason: 'queue_full' }), 3000);
    assert.ok(ctx.metrics.value('lumen_exporter_requests_total', { result: 'retry' }) >= 2);
    await collector.start();
    const deadline = Date.now() + 20_000;
    while (ctx.metrics.value('lumen_exporter_sent_spans_total') < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const got = collector.spans();
    assert.equal(got.length, 2000, 'every queued span arrives');
    assert.equal(new Set(got.map((s) => s.spanId)).size, 2000, 'no duplicates');
    assert.ok(got.every((s) => sentIds.has(s.spanId)));
    assert.equal(ctx.metrics.value('lumen_exporter_queue_size', { signal: 'traces' }), 0);
    exp.consume(spanBatch([sampleHttpSpan(api, { seq: 99_999 })]), 'traces');
    await exp.forceFlush();
    assert.equal(collector.spans().length, 2001, 'export continues normally');
    assert.ok(ctx.logs.some((l) => l.msg.includes('collector reachable again')));
  });
}

test('a retryable 503 is retried; a 400 is final, dropped and counted as rejected', async (t) => {
  const collector = await startOtlpCollector({ grpcPort: 19224, httpPort: 19225 });
  t.after(() => collector.stop());
  const { ctx, exp } = exporterFor('http/protobuf', collector, {
    retry: { enabled: true, initial_interval: '20ms', max_interval: '50ms', max_elapsed_time: '10s', multiplier: 2, randomization_factor: 0 },
  });
  t.after(() => exp.shutdown());
  await exp.start();
  collector.failWith = 503;
  exp.consume(spanBatch([sampleHttpSpan(api, { seq: 1 })]), 'traces');
  const flushed = exp.forceFlush();
  await new Promise((r) => setTimeout(r, 150));
  collector.failWith = undefined;
  await flushed;
  await exp.forceFlush();
  assert.equal(collector.spans().length, 1);
  assert.ok(ctx.metrics.value('lumen_exporter_requests_total', { result: 'retry' }) >= 1);
  collector.failWith = 400;
  exp.consume(spanBatch([sampleHttpSpan(api, { seq: 2 }), sampleHttpSpan(api, { seq: 3 })]), 'traces');
  await exp.forceFlush();
  assert.equal(ctx.metrics.value('lumen_exporter_dropped_spans_total', { reason: 'rejected' }), 2);
  assert.ok(ctx.logs.some((l) => l.level === 'error' && l.msg.includes('HTTP 400')));
});
