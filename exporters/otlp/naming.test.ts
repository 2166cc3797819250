import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import { flowBatch, spanBatch } from '../../src/model/batch.js';
import { ResourceCache } from '../../src/model/otel/index.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { buildResourceMetrics } from './encode-metrics.js';
import { resolveSettings } from './settings.js';
import { defaultOtlpConfig } from './config.js';

function exported(names: 'semconv' | 'legacy', prefix: 'lumen' | 'beyla' | 'obi') {
  const agg = new MetricAggregator({ naming: { names, prefix } });
  agg.consume(spanBatch([sampleHttpSpan(sampleService('api', 3), { path: '/a/1' })]));
  agg.consume(flowBatch([{ srcAddress: '1.1.1.1', dstAddress: '2.2.2.2', srcPort: 1, dstPort: 2, transport: 'tcp', direction: 'ingress', interface: 'lo', bytes: 5, packets: 1, startUnixNano: 0n, endUnixNano: 1n, attributes: {} }]));
  const internal = [{ name: 'lumen_exporter_sent_total', help: 'x', type: 'counter' as const, labels: {}, value: 1 }];
  const rms = buildResourceMetrics(agg.collect(), internal, new ResourceCache('h'), 0, 1, prefix);
  return rms.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
}

test('otlp metrics take the naming mode: legacy names and attribute keys, the Beyla/OBI prefix on flows and internal metrics', () => {
  const ms = exported('legacy', 'obi');
  const names = ms.map((m) => m.descriptor.name);
  for (const n of ['http.server.duration', 'http.server.request.size', 'obi.network.flow.bytes', 'obi_exporter_sent_total']) assert.ok(names.includes(n), `${n} not in ${names.join(', ')}`);
  assert.ok(!names.some((n) => n.startsWith('lumen') || n === 'http.server.request.duration'), names.join(', '));
  const point = ms.find((m) => m.descriptor.name === 'http.server.duration')!.dataPoints[0]!;
  assert.equal(point.attributes['http.method'], 'GET');
  assert.equal(point.attributes['http.status_code'], 200);
  assert.equal(point.attributes['http.target'], '/a/1');
  assert.equal(point.attributes['net.host.port'], 8080);
  assert.equal(point.attributes['http.request.method'], undefined);
  const semconv = exported('semconv', 'lumen').map((m) => m.descriptor.name);
  assert.ok(semconv.includes('http.server.request.duration') && semconv.includes('lumen.network.flow.bytes'), semconv.join(', '));
});

test('otlp resolves metric_names / metric_prefix as YAML ▸ LUMEN_METRIC_* ▸ default, and names a bad variable', () => {
  const c = defaultOtlpConfig();
  assert.deepEqual(resolveSettings(c, {}).naming, { names: 'semconv', prefix: 'lumen' });
  assert.deepEqual(resolveSettings(c, { LUMEN_METRIC_NAMES: 'legacy', LUMEN_METRIC_PREFIX: 'Beyla' }).naming, { names: 'legacy', prefix: 'beyla' });
  assert.deepEqual(resolveSettings({ ...c, metric_prefix: 'obi' }, { LUMEN_METRIC_PREFIX: 'beyla' }).naming, { names: 'semconv', prefix: 'obi' });
  assert.throws(() => resolveSettings(c, { LUMEN_METRIC_PREFIX: 'grafana' }), /LUMEN_METRIC_PREFIX: must be one of lumen, beyla, obi, got "grafana"/);
});
