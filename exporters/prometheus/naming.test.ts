import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prometheusExporterFactory, type PrometheusExporter } from './index.js';
import { flowBatch, measurementBatch, spanBatch } from '../../src/model/batch.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import type { Span } from '../../src/model/span.js';
import { promtoolCheck } from '../../test/support/prometheus-server.js';

const api = sampleService('api', 11);

/** A gRPC server span as src/protocols/http2 makes it: status name and numeric code both on the span. */
function grpcSpan(): Span {
  const base = sampleHttpSpan(api);
  delete base.http;
  return {
    ...base, protocol: 'grpc', name: 'helloworld.Greeter/SayHello',
    attributes: { 'rpc.system.name': 'grpc', 'rpc.method': 'helloworld.Greeter/SayHello', 'rpc.response.status_code': 'NOT_FOUND', 'rpc.grpc.status_code': 5 },
  };
}

function render(extra: Record<string, unknown>, env?: Record<string, string>): string {
  const saved = { names: process.env['LUMEN_METRIC_NAMES'], prefix: process.env['LUMEN_METRIC_PREFIX'] };
  Object.assign(process.env, env ?? {});
  try {
    const ctx = testContext('prometheus');
    ctx.telemetry.counter('lumen_test_events_total', 'An internal counter.').add(1);
    const exp = prometheusExporterFactory.create({ ...prometheusExporterFactory.defaultConfig(), ...extra }, ctx) as PrometheusExporter;
    exp.consume(spanBatch([sampleHttpSpan(api, { path: '/users/7', route: '/users/{id}' }), sampleHttpSpan(api, { kind: 'client', status: 404 }), grpcSpan()]), 'metrics');
    exp.consume(flowBatch([{ srcAddress: '1.1.1.1', dstAddress: '2.2.2.2', srcPort: 1, dstPort: 2, transport: 'tcp', direction: 'egress', interface: 'lo', bytes: 10, packets: 1, startUnixNano: 0n, endUnixNano: 1n, attributes: {} }]), 'metrics');
    exp.consume(measurementBatch([
      { metric: 'lumen.tcp.rtt', value: 0.003, attributes: { 'peer.address': '3.3.3.3' }, service: api, timeUnixNano: 0n },
      { metric: 'lumen.tcp.failed.connections', value: 1, attributes: { reason: 'refused', 'peer.address': '3.3.3.3' }, service: api, timeUnixNano: 0n },
    ]), 'metrics');
    return exp.render();
  } finally {
    for (const [k, v] of [['LUMEN_METRIC_NAMES', saved.names], ['LUMEN_METRIC_PREFIX', saved.prefix]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('default naming: semconv names and the lumen_ prefix, unchanged', () => {
  const text = render({});
  assert.match(text, /^http_server_request_duration_seconds_count\{[^}]*http_request_method="GET"[^}]*http_response_status_code="200"/m);
  assert.match(text, /^lumen_network_flow_bytes_total\{/m);
  assert.match(text, /^lumen_tcp_rtt_seconds_count\{/m);
  assert.match(text, /^http_server_request_duration_seconds_count\{.*network_protocol_version="1.1"/m);
  assert.match(text, /^rpc_server_call_duration_seconds_count\{[^}]*rpc_response_status_code="NOT_FOUND"/m);
  assert.doesNotMatch(text, /http_server_duration_seconds|beyla_|http_target|rpc_grpc_status_code/);
});

test('metric_names: legacy gives Beyla\'s earlier names and labels; metric_prefix: beyla renames Lumen\'s own families', () => {
  const text = render({ metric_names: 'legacy', metric_prefix: 'beyla' });
  const server = /^http_server_duration_seconds_count\{(.*)\} 1$/m.exec(text);
  assert.ok(server, text);
  for (const l of ['http_method="GET"', 'http_status_code="200"', 'http_target="/users/7"', 'http_route="/users/{id}"', 'net_host_port="8080"', 'service_name="api"']) {
    assert.ok(server[1]!.includes(l), `${l} missing in ${server[1]}`);
  }
  // Beyla's legacy HTTP series had no protocol version label
  assert.doesNotMatch(server[1]!, /http_request_method|url_path|server_port|protocol_version/);
  // Beyla's rpc_grpc_status_code was the numeric gRPC code
  const rpc = /^rpc_server_duration_seconds_count\{(.*)\} 1$/m.exec(text);
  assert.ok(rpc && rpc[1]!.includes('rpc_grpc_status_code="5"') && rpc[1]!.includes('rpc_system="grpc"'), text);
  assert.doesNotMatch(rpc![1]!, /rpc_response_status_code|NOT_FOUND/);
  const client = /^http_client_duration_seconds_count\{(.*)\} 1$/m.exec(text);
  assert.ok(client && client[1]!.includes('http_status_code="404"') && client[1]!.includes('net_peer_port='), text);
  assert.doesNotMatch(client![1]!, /http_target/);
  assert.match(text, /^http_server_request_size_bytes_count\{/m);
  assert.match(text, /^beyla_network_flow_bytes_total\{direction="egress"\} 10$/m);
  assert.match(text, /^beyla_network_flow_packets_total\{/m);
  assert.match(text, /^beyla_stat_tcp_rtt_seconds_count\{/m);
  assert.match(text, /^beyla_stat_tcp_failed_connections\{[^}]*reason="refused"/m);
  assert.match(text, /^beyla_test_events_total(\{[^}]*\})? 1$/m);
  assert.doesNotMatch(text, /^lumen_|http_server_request_duration/m);
  // OBI/Beyla name their TCP stat counters without _total (research/beyla_obi.md §2.1): the one lint accepted.
  const problems = promtoolCheck(text).output.split('\n').filter((l) => l && !/^beyla_stat_tcp_(failed_connections|retransmits) counter metrics should have "_total" suffix$/.test(l));
  assert.deepEqual(problems, [], `promtool check metrics:\n${problems.join('\n')}`);
});

test('LUMEN_METRIC_NAMES / LUMEN_METRIC_PREFIX pick the mode when the YAML does not; the YAML wins over them', () => {
  const text = render({}, { LUMEN_METRIC_NAMES: 'legacy', LUMEN_METRIC_PREFIX: 'obi' });
  assert.match(text, /^http_server_duration_seconds_count\{/m);
  assert.match(text, /^obi_network_flow_bytes_total\{/m);
  const yamlWins = render({ metric_names: 'semconv', metric_prefix: 'lumen' }, { LUMEN_METRIC_NAMES: 'legacy', LUMEN_METRIC_PREFIX: 'obi' });
  assert.match(yamlWins, /^http_server_request_duration_seconds_count\{/m);
  assert.match(yamlWins, /^lumen_network_flow_bytes_total\{/m);
});

test('a bad LUMEN_METRIC_NAMES is a validation problem naming the variable and the allowed values', () => {
  process.env['LUMEN_METRIC_NAMES'] = 'beyla';
  try {
    const problems = prometheusExporterFactory.validate!(prometheusExporterFactory.defaultConfig());
    assert.deepEqual(problems, [{ path: [], message: 'environment variable LUMEN_METRIC_NAMES: must be one of semconv, legacy, got "beyla"' }]);
  } finally {
    delete process.env['LUMEN_METRIC_NAMES'];
  }
});
