import { test } from 'node:test';
import assert from 'node:assert/strict';
import { otlpExporterFactory, type OtlpExporter } from './index.js';
import type { OtlpConfig } from './config.js';
import { spanBatch } from '../../src/model/batch.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { startOtlpCollector } from '../../test/support/otlp-collector.js';

test('metrics.max_series bounds the series the otlp exporter holds and sends; the excess is counted and warned once', async (t) => {
  const collector = await startOtlpCollector({ grpcPort: 19226, httpPort: 19227 });
  t.after(() => collector.stop());
  const ctx = testContext('otlp');
  const defaults = otlpExporterFactory.defaultConfig();
  assert.equal(defaults.metrics.max_series, 10_000, 'on by default');
  const config: OtlpConfig = { ...defaults, protocol: 'http/protobuf', endpoint: collector.httpUrl, metrics: { ...defaults.metrics, max_series: 6, internal: false } };
  const exp = otlpExporterFactory.create(config, ctx) as OtlpExporter;
  t.after(() => exp.shutdown());
  await exp.start();
  const api = sampleService('api', 41);
  // Each HTTP server span feeds 3 metrics: 6 series hold 2 routes, the other 8 routes' 24 observations are dropped.
  exp.consume(spanBatch(Array.from({ length: 10 }, (_, i) => sampleHttpSpan(api, { route: `/r${i}` }))), 'metrics');
  exp.consume(spanBatch(Array.from({ length: 10 }, (_, i) => sampleHttpSpan(api, { route: `/r${i}` }))), 'metrics');
  await exp.forceFlush();
  const points = collector.metrics().flatMap((m) => m.data.dataPoints.map((p: any) => ({ name: m.name, count: Number(p.count) })));
  assert.equal(points.length, 6);
  assert.deepEqual(points.filter((p) => p.name === 'http.server.request.duration').map((p) => p.count), [2, 2]);
  assert.equal(ctx.metrics.value('lumen_metrics_series_dropped_total', { reason: 'max_series' }), 48);
  const warns = ctx.logs.filter((e) => e.level === 'warn');
  assert.equal(warns.length, 1);
  assert.match(warns[0]!.msg, /exporters\.otlp\.metrics\.max_series \(6\) reached/);
});
