import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../src/engine/engine.js';
import { FactoryRegistry } from '../src/component/registry.js';
import { loadConfig } from '../src/config/load.js';
import { noopLogger } from '../src/telemetry/memory-logger.js';
import { MetricAggregator } from '../src/metrics/aggregator.js';
import { spanToJsonLine } from '../src/model/span-json.js';
import type { Batch } from '../src/model/batch.js';
import { replayReceiverFactory } from '../receivers/replay/index.js';
import { prometheusExporterFactory } from '../exporters/prometheus/index.js';
import { otlpExporterFactory } from '../exporters/otlp/index.js';
import { sampleHttpSpan, sampleService } from './support/sample-spans.js';
import { startOtlpCollector } from './support/otlp-collector.js';

const SPANS = 60;
const registry = () => new FactoryRegistry([replayReceiverFactory, prometheusExporterFactory, otlpExporterFactory]);

function spanFile(dir: string): string {
  const svc = sampleService('catalog', 4101);
  const lines = Array.from({ length: SPANS }, (_, i) => spanToJsonLine(sampleHttpSpan(svc, {
    seq: i + 1, path: `/products/${i % 3}`, route: `/products/${i % 3}`, duration: 0.004 * (i % 7), startUnixNano: 1_763_900_000_000_000_000n + BigInt(i) * 1_000_000n,
  })));
  const file = join(dir, 'spans.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs the replay through `exporters` in one metrics pipeline; returns each Prometheus exporter's RED series and how many spans were aggregated. */
async function run(file: string, exporters: Record<string, string>): Promise<{ series: Record<string, string>; aggregatedSpans: number }> {
  let aggregatedSpans = 0;
  const consume = MetricAggregator.prototype.consume;
  MetricAggregator.prototype.consume = function (this: MetricAggregator, batch: Batch) {
    if (batch.kind === 'spans') aggregatedSpans += batch.items.length;
    return consume.call(this, batch);
  };
  try {
    const yaml = `receivers:
  replay: { path: ${JSON.stringify(file)}, pace: fast, batch_size: 7 }
exporters:
${Object.entries(exporters).map(([id, c]) => `  ${id}: ${c}`).join('\n')}
service:
  pipelines:
    metrics: { receivers: [replay], exporters: [${Object.keys(exporters).join(', ')}] }
`;
    const reg = registry();
    const engine = await Engine.create(loadConfig({ yaml, file: 'stage.yaml', env: {} }, reg).config, { registry: reg, logger: noopLogger });
    try {
      await engine.start();
      await engine.receiversDone;
      while (engine.metrics.value('lumen_exporter_accepted_items_total', { component: Object.keys(exporters)[0]! }) < SPANS) await new Promise((r) => setTimeout(r, 10));
      const series: Record<string, string> = {};
      for (const [id, c] of Object.entries(exporters)) {
        const port = /127\.0\.0\.1:(\d+)/.exec(c)?.[1];
        if (!id.startsWith('prometheus') || !port) continue;
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        series[id] = text.split('\n').filter((l) => /^http_/.test(l)).join('\n');
      }
      return { series, aggregatedSpans };
    } finally {
      await engine.stop();
    }
  } finally {
    MetricAggregator.prototype.consume = consume;
  }
}

test('metrics stage: span metrics are aggregated once per span for every exporter with the same series options, and every exporter still exports exactly the series it would alone', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-stage-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = spanFile(dir);
  const collector = await startOtlpCollector({ grpcPort: 0, httpPort: 21210 });
  t.after(() => collector.stop());
  const prom = '{ endpoint: "127.0.0.1:21201" }';
  const legacy = '{ endpoint: "127.0.0.1:21202", metric_names: legacy, buckets: { duration_histogram: [0.01, 0.1, 1] } }';
  const otlp = `{ endpoint: "${collector.httpUrl}", protocol: http/protobuf, metrics: { interval: 1h } }`;

  const alone = await run(file, { prometheus: prom });
  assert.equal(alone.aggregatedSpans, SPANS);
  const legacyAlone = await run(file, { 'prometheus/legacy': legacy });
  const together = await run(file, { prometheus: prom, otlp, 'prometheus/legacy': legacy });
  // prometheus and otlp share one aggregator (same defaults): SPANS once for them, once for the legacy exporter.
  assert.equal(together.aggregatedSpans, 2 * SPANS);
  assert.match(alone.series['prometheus']!, /http_server_request_duration_seconds_count\{[^}]*\} 20/);
  assert.equal(together.series['prometheus'], alone.series['prometheus']);
  assert.equal(together.series['prometheus/legacy'], legacyAlone.series['prometheus/legacy']);
  assert.match(together.series['prometheus/legacy']!, /^http_server_duration_seconds_bucket\{[^}]*http_target="\/products\/0"[^}]*le="0.01"\}/m);
  // OTLP (flushed at stop) renders the same shared series: 60 requests over three routes, decoded with the real protos.
  const exports = collector.metrics().filter((m) => m.name === 'http.server.request.duration');
  assert.ok(exports.length >= 1);
  const points = exports.at(-1)!.data.dataPoints; // cumulative: the last export holds every request
  assert.equal(points.length, 3);
  assert.equal(points.reduce((n: number, p: any) => n + Number(p.count), 0), SPANS);
});
