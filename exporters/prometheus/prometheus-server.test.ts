import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prometheusExporterFactory, type PrometheusExporter } from './index.js';
import { spanBatch } from '../../src/model/batch.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { startPrometheus } from '../../test/support/prometheus-server.js';

const EXPORTER_PORT = 19202;
const PROMETHEUS_PORT = 19203;

test('a real Prometheus server scrapes the exporter and computes p95 per service', { timeout: 90_000 }, async (t) => {
  const ctx = testContext('prometheus');
  const exp = prometheusExporterFactory.create({ ...prometheusExporterFactory.defaultConfig(), endpoint: { host: '127.0.0.1', port: EXPORTER_PORT } }, ctx) as PrometheusExporter;
  t.after(() => exp.shutdown());
  await exp.start();
  const api = sampleService('api', 21);
  const web = sampleService('web', 22);
  // Keep traffic flowing so rate() sees increases between scrapes: api answers in 20 ms, web in 300 ms.
  const feed = setInterval(() => {
    exp.consume(spanBatch([
      ...Array.from({ length: 20 }, (_, i) => sampleHttpSpan(api, { duration: 0.02, seq: i })),
      ...Array.from({ length: 5 }, (_, i) => sampleHttpSpan(web, { duration: 0.3, seq: i })),
    ]), 'metrics');
  }, 100);
  t.after(() => clearInterval(feed));
  const prom = await startPrometheus({ port: PROMETHEUS_PORT, targets: [`127.0.0.1:${EXPORTER_PORT}`] });
  t.after(() => prom.stop());
  const expr = 'histogram_quantile(0.95, sum(rate(http_server_request_duration_seconds_bucket[5m])) by (le, service_name))';
  const result = await prom.waitFor(expr, (r) => r.length === 2 && r.every((s) => Number.isFinite(Number(s.value[1]))));
  const p95 = Object.fromEntries(result.map((s) => [s.metric.service_name, Number(s.value[1])]));
  // Linear interpolation inside the bucket holding every sample: (0.01, 0.025] for api, (0.25, 0.5] for web.
  assert.ok(Math.abs(p95.api! - (0.01 + 0.015 * 0.95)) < 1e-9, `api p95 ${p95.api}`);
  assert.ok(Math.abs(p95.web! - (0.25 + 0.25 * 0.95)) < 1e-9, `web p95 ${p95.web}`);
  const targets = await prom.targets();
  assert.equal(targets[0]?.health, 'up', targets[0]?.lastError);
  const info = await prom.query('target_info{service_name="api"}');
  assert.equal(info[0]?.metric.job, 'shop/api');
  assert.equal(info[0]?.metric.instance, 'test-host:21');
  const scrapes = await prom.query('lumen_prometheus_scrapes_total');
  assert.ok(Number(scrapes[0]?.value[1]) >= 1, 'internal metrics are on the same endpoint');
});
