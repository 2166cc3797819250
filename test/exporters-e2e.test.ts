import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { FactoryRegistry } from '../src/component/registry.js';
import { loadConfig } from '../src/config/load.js';
import { noopLogger } from '../src/telemetry/memory-logger.js';
import { spanToJsonLine } from '../src/model/span-json.js';
import { replayReceiverFactory } from '../receivers/replay/index.js';
import { routesProcessorFactory } from '../processors/routes/index.js';
import { prometheusExporterFactory } from '../exporters/prometheus/index.js';
import { otlpExporterFactory } from '../exporters/otlp/index.js';
import { sampleHttpSpan, sampleService } from './support/sample-spans.js';
import { startPrometheus } from './support/prometheus-server.js';
import { startOtlpCollector } from './support/otlp-collector.js';

const registry = () => new FactoryRegistry([replayReceiverFactory, routesProcessorFactory, prometheusExporterFactory, otlpExporterFactory]);

/** 40 spans over 400 ms: catalog answers GET /products/<id> in 20 ms, checkout POST /cart/<id>/pay in 300 ms. */
function spanFile(dir: string): string {
  const catalog = sampleService('catalog', 4101);
  const checkout = sampleService('checkout', 4102);
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const start = 1_763_900_000_000_000_000n + BigInt(i) * 10_000_000n;
    const span = i % 2 === 0
      ? sampleHttpSpan(catalog, { seq: i + 1, path: `/products/${1000 + i}`, route: '', duration: 0.02, startUnixNano: start })
      : sampleHttpSpan(checkout, { seq: i + 1, method: 'POST', path: `/cart/${77 + i}/pay`, route: '', duration: 0.3, startUnixNano: start, hostPort: 9090 });
    lines.push(spanToJsonLine(span));
  }
  const file = join(dir, 'spans.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('replay → routes → prometheus, scraped by a real Prometheus: p95 per service and heuristic routes', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const yaml = `receivers:
  replay: { path: ${JSON.stringify(spanFile(dir))}, pace: recorded, loop: -1, batch_size: 10 }
processors:
  routes: { unmatched: heuristic }
exporters:
  prometheus: { endpoint: "127.0.0.1:19260" }
service:
  pipelines:
    metrics: { receivers: [replay], processors: [routes], exporters: [prometheus] }
`;
  const reg = registry();
  const engine = await Engine.create(loadConfig({ yaml, file: 'e2e.yaml', env: {} }, reg).config, { registry: reg, logger: noopLogger });
  t.after(() => engine.stop());
  await engine.start();
  const prom = await startPrometheus({ port: 19261, targets: ['127.0.0.1:19260'] });
  t.after(() => prom.stop());
  const expr = 'histogram_quantile(0.95, sum(rate(http_server_request_duration_seconds_bucket[5m])) by (le, service_name))';
  const result = await prom.waitFor(expr, (r) => r.length === 2 && r.every((s) => Number.isFinite(Number(s.value[1]))), 60_000);
  const p95 = Object.fromEntries(result.map((s) => [s.metric.service_name, Number(s.value[1])]));
  assert.deepEqual(Object.keys(p95).sort(), ['catalog', 'checkout']);
  // Every catalog request takes 20 ms → bucket (0.01, 0.025]; checkout 300 ms → (0.25, 0.5]; linear interpolation.
  assert.ok(Math.abs(p95.catalog! - (0.01 + 0.015 * 0.95)) < 1e-9, `catalog p95 ${p95.catalog}`);
  assert.ok(Math.abs(p95.checkout! - (0.25 + 0.25 * 0.95)) < 1e-9, `checkout p95 ${p95.checkout}`);
  const routes = await prom.query('sum by (service_name, http_route, http_request_method) (http_server_request_duration_seconds_count)');
  assert.deepEqual(routes.map((r) => `${r.metric.service_name} ${r.metric.http_request_method} ${r.metric.http_route}`).sort(),
    ['catalog GET /products/*', 'checkout POST /cart/*/pay']);
  const jobs = await prom.query('count by (job, instance) (target_info)');
  assert.deepEqual(jobs.map((r) => `${r.metric.job} ${r.metric.instance}`).sort(), ['shop/catalog test-host:4101', 'shop/checkout test-host:4102']);
});

test('replay → routes → otlp (http/protobuf) through the engine: routed span names arrive at the collector', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-e2e-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const collector = await startOtlpCollector({ grpcPort: 19262, httpPort: 19263 });
  t.after(() => collector.stop());
  const yaml = `receivers:
  replay: { path: ${JSON.stringify(spanFile(dir))}, pace: fast }
processors:
  routes: { unmatched: heuristic }
exporters:
  otlp: { endpoint: "${collector.httpUrl}", protocol: http/protobuf, batch: { timeout: 100ms } }
service:
  pipelines:
    traces: { receivers: [replay], processors: [routes], exporters: [otlp] }
`;
  const reg = registry();
  const engine = await Engine.create(loadConfig({ yaml, file: 'e2e.yaml', env: {} }, reg).config, { registry: reg, logger: noopLogger });
  await engine.start();
  await engine.receiversDone;
  await engine.stop();
  const spans = collector.spans();
  assert.equal(spans.length, 40);
  const names = new Set(spans.map((s) => `${s.resource['service.name']} ${s.name}`));
  assert.deepEqual([...names].sort(), ['catalog GET /products/*', 'checkout POST /cart/*/pay']);
  assert.ok(spans.every((s) => s.kind === 2 && s.endTimeUnixNano > s.startTimeUnixNano));
});
