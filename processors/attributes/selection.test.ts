import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { METRICS } from '../../src/model/metrics.js';
import { SPAN_METRIC_ATTRIBUTES } from '../../src/metrics/span-values.js';
import { FLOW_ATTRIBUTES } from '../../src/metrics/sources.js';
import { MetricSelection, normalizeMetric } from './selection.js';

const HTTP = METRICS.httpServerDuration;
const names = (sel: MetricSelection, def = HTTP) => [...sel.namesFor(def.name, def.defaultAttributes, SPAN_METRIC_ATTRIBUTES)];

test('metric keys: Prometheus or OTel form, aggregation and unit suffixes stripped', () => {
  assert.equal(normalizeMetric('http_server_request_duration_seconds_count'), 'http.server.request.duration');
  assert.equal(normalizeMetric('http_server_request_duration_seconds_bucket'), 'http.server.request.duration');
  assert.equal(normalizeMetric('http.server.request.duration'), 'http.server.request.duration');
  assert.equal(normalizeMetric('lumen_network_flow_bytes_total'), normalizeMetric('lumen.network.flow.bytes'));
  assert.equal(normalizeMetric('http_*'), 'http.*');
});

test('no matching key: the defaults, unchanged (same array)', () => {
  const sel = new MetricSelection({ 'rpc_*': { include: ['*'] } });
  assert.equal(sel.namesFor(HTTP.name, HTTP.defaultAttributes, SPAN_METRIC_ATTRIBUTES), HTTP.defaultAttributes);
});

test('include replaces the defaults, exclude removes, underscores and dots are equivalent', () => {
  assert.deepEqual(names(new MetricSelection({ http_server_request_duration_seconds: { include: ['service_name', 'url.path', 'http.request.*'] } })),
    ['service.name', 'http.request.method', 'url.path', 'http.request.body.size']);
  assert.deepEqual(names(new MetricSelection({ 'http.server.request.duration': { exclude: ['server_*', 'url.scheme'] } })),
    ['service.name', 'service.namespace', 'http.request.method', 'http.response.status_code', 'http.route', 'network.protocol.version']);
});

test('globs sorted broad to narrow: the exact metric name has the last word', () => {
  const sel = new MetricSelection({
    http_server_request_duration: { include: ['server.address'] },
    '*': { exclude: ['server.*'] },
    'http_*': { include: ['url.path'] },
  });
  // "*" first: defaults minus server.*; then "http.*" adds url.path; then the exact key adds server.address back.
  assert.deepEqual(names(sel), ['service.name', 'service.namespace', 'http.request.method', 'http.response.status_code', 'http.route', 'url.scheme', 'network.protocol.version', 'server.address', 'url.path']);
  assert.deepEqual(names(sel, METRICS.httpClientDuration), ['service.name', 'service.namespace', 'http.request.method', 'http.response.status_code', 'http.route', 'url.scheme', 'network.protocol.version', 'url.path']);
});

test('exact includes that no source lists (attributes an action adds) are still reported', () => {
  const sel = new MetricSelection({ 'http_server_*': { include: ['service.name', 'status_code', 'team*'] } }, ['team.name']);
  assert.deepEqual(names(sel), ['service.name', 'team.name', 'status_code']);
});

test('property: results are duplicate-free subsets of defaults ∪ available ∪ produced ∪ exact includes; stable across calls', () => {
  const attr = fc.constantFrom(...SPAN_METRIC_ATTRIBUTES, 'k8s.pod.name', 'custom_x');
  const glob = fc.oneof(attr, attr.map((a) => a.split('.')[0] + '.*'), fc.constant('*'));
  fc.assert(fc.property(fc.dictionary(fc.constantFrom('*', 'http_*', 'http_server_request_duration_seconds', 'rpc.*'), fc.record({ include: fc.array(glob, { maxLength: 3 }), exclude: fc.array(glob, { maxLength: 3 }) }, { requiredKeys: [] })), (select) => {
    const sel = new MetricSelection(select);
    const got = names(sel);
    assert.equal(new Set(got).size, got.length);
    const allowed = new Set([...HTTP.defaultAttributes, ...SPAN_METRIC_ATTRIBUTES, ...Object.values(select).flatMap((l) => l.include ?? [])]);
    for (const n of got) assert.ok(allowed.has(n), n);
    assert.equal(sel.namesFor(HTTP.name, HTTP.defaultAttributes, SPAN_METRIC_ATTRIBUTES), sel.namesFor(HTTP.name, HTTP.defaultAttributes, SPAN_METRIC_ATTRIBUTES));
  }));
});

test('flow metrics: a glob selects the receiver decorations (cidr, names, processes)', () => {
  const sel = new MetricSelection({ lumen_network_flow_bytes_total: { include: ['direction', 'src.*'] } });
  const def = METRICS.flowBytes;
  assert.deepEqual([...sel.namesFor(def.name, def.defaultAttributes, FLOW_ATTRIBUTES)],
    ['direction', 'src.address', 'src.port', 'src.cidr', 'src.name', 'src.process.pid', 'src.process.executable.name']);
});
