import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { prometheusExporterFactory, type PrometheusExporter } from './index.js';
import { flowBatch, measurementBatch, spanBatch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { promtoolCheck } from '../../test/support/prometheus-server.js';

const api = sampleService('api', 11);
const web = sampleService('web', 12, '');

function exporter(port: number, extra: Record<string, unknown> = {}) {
  const ctx = testContext('prometheus');
  const config = { ...prometheusExporterFactory.defaultConfig(), endpoint: { host: '127.0.0.1', port }, ...extra };
  return { ctx, exp: prometheusExporterFactory.create(config, ctx) as PrometheusExporter };
}

function everyKindOfData(): Parameters<PrometheusExporter['consume']>[0][] {
  const grpc: Span = { ...sampleHttpSpan(api), protocol: 'grpc', http: undefined, attributes: { 'rpc.method': '/pkg.Svc/Get', 'rpc.system.name': 'grpc', 'rpc.response.status_code': 0 } };
  const db: Span = { ...sampleHttpSpan(web, { kind: 'client' }), protocol: 'redis', http: undefined, attributes: { 'db.operation.name': 'GET', 'db.system.name': 'redis' } };
  const weird = sampleHttpSpan(web, { route: '/a "quoted"\\path\nnext', method: 'PATCH' });
  return [
    spanBatch([sampleHttpSpan(api), sampleHttpSpan(api, { status: 503, duration: 3 }), sampleHttpSpan(web, { kind: 'client' }), grpc, db, weird]),
    flowBatch([{ srcAddress: '1.1.1.1', dstAddress: '2.2.2.2', srcPort: 1, dstPort: 2, transport: 'udp', direction: 'egress', interface: 'lo', bytes: 10, packets: 1, startUnixNano: 0n, endUnixNano: 1n, attributes: {} }]),
    measurementBatch([{ metric: 'lumen.tcp.rtt', value: 0.003, attributes: { 'peer.address': '3.3.3.3' }, service: api, timeUnixNano: 0n }]),
  ];
}

test('the exposition of every metric kind, internal metrics and target_info passes promtool check metrics', () => {
  const { ctx, exp } = exporter(0);
  ctx.telemetry.counter('lumen_test_events', 'A counter registered without the _total suffix.').add(2);
  ctx.telemetry.gauge('lumen_test_queue_fill', 'A gauge.', () => 0.5);
  for (const b of everyKindOfData()) exp.consume(b, 'metrics');
  const text = exp.render();
  const check = promtoolCheck(text);
  assert.ok(check.ok, `promtool check metrics failed:\n${check.output}\n---\n${text}`);
  for (const family of ['http_server_request_duration_seconds', 'http_server_request_body_size_bytes', 'http_server_response_body_size_bytes',
    'http_client_request_duration_seconds', 'rpc_server_call_duration_seconds', 'db_client_operation_duration_seconds',
    'lumen_network_flow_bytes_total', 'lumen_network_flow_packets_total', 'lumen_tcp_rtt_seconds', 'target_info']) {
    assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family);
  }
  assert.match(text, /^lumen_test_events_total\{component="prometheus"\} 2$/m);
  assert.match(text, /^lumen_test_queue_fill\{component="prometheus"\} 0.5$/m);
  assert.match(text, /http_route="\/a \\"quoted\\"\\\\path\\nnext"/);
});

test('histogram lines: cumulative buckets, sum, count, Beyla labels with instance and job', () => {
  const { exp } = exporter(0);
  exp.consume(spanBatch([sampleHttpSpan(api, { duration: 0.004 }), sampleHttpSpan(api, { duration: 0.3 }), sampleHttpSpan(web, { duration: 11 })]), 'metrics');
  const text = exp.render();
  const labels = 'service_name="api",service_namespace="shop",http_request_method="GET",http_response_status_code="200",http_route="/users/:id",url_scheme="http",network_protocol_version="1.1",server_address="10.0.0.1",server_port="8080",instance="test-host:11",job="shop/api"';
  const want = [0, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2];
  const les = ['0', '0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'];
  for (let i = 0; i < les.length; i++) {
    assert.ok(text.includes(`http_server_request_duration_seconds_bucket{${labels},le="${les[i]}"} ${want[i]}\n`), `le=${les[i]}\n${text}`);
  }
  assert.ok(text.includes(`http_server_request_duration_seconds_sum{${labels}} 0.304\n`));
  assert.ok(text.includes(`http_server_request_duration_seconds_count{${labels}} 2\n`));
  assert.ok(text.includes('job="web"'), 'no namespace: job is the bare service name');
  assert.match(text, /^target_info\{instance="test-host:11",job="shop\/api",service_name="api",telemetry_sdk_language="go",.*host_name="test-host",process_pid="11".*\} 1$/m);
});

test('serves the scrape path over HTTP, 404 elsewhere; shutdown is safe twice and without start', async (t) => {
  const { exp } = exporter(19200, { path: '/custom' });
  await exp.shutdown();
  const { exp: e2 } = exporter(19200, { path: '/custom' });
  t.after(() => e2.shutdown());
  await e2.start();
  e2.consume(spanBatch([sampleHttpSpan(api)]), 'metrics');
  const res = await fetch('http://127.0.0.1:19200/custom');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/plain; version=0.0.4/);
  assert.match(await res.text(), /http_server_request_duration_seconds_count\{.*\} 1/);
  assert.equal((await fetch('http://127.0.0.1:19200/metrics')).status, 404);
  await e2.shutdown();
  await e2.shutdown();
});

test('a taken port is a clear error naming the endpoint', async (t) => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(19201, '127.0.0.1', () => r()));
  t.after(() => new Promise<void>((r) => blocker.close(() => r())));
  const { exp } = exporter(19201);
  t.after(() => exp.shutdown());
  await assert.rejects(exp.start(), (err: Error & { code?: string; path?: readonly string[] }) => {
    assert.equal(err.code, 'LUMEN_ENDPOINT_IN_USE');
    // the path inside the exporter's config; the engine prefixes exporters.<id> (test/start-errors.test.ts)
    assert.deepEqual(err.path, ['endpoint']);
    assert.equal(err.message, 'cannot listen on 127.0.0.1:19201: the address is already in use (another Lumen or exporter listening there?); choose a free host:port');
    return true;
  });
});
