import { Engine } from '../../src/engine/engine.js';
import { FactoryRegistry } from '../../src/component/registry.js';
import { loadConfig } from '../../src/config/load.js';
import { noopLogger } from '../../src/telemetry/memory-logger.js';
import { replayReceiverFactory } from '../../receivers/replay/index.js';
import { routesProcessorFactory } from '../../processors/routes/index.js';
import { prometheusExporterFactory } from '../../exporters/prometheus/index.js';
import { otlpExporterFactory } from '../../exporters/otlp/index.js';

/**
 * One benchmark scenario in its own process (run.ts pins it to one core): replay (fast, looped) → routes →
 * prometheus and/or otlp. Prints one JSON line: spans, wall and CPU seconds, peak and final RSS.
 */
const [scenario, file, loopArg, linesArg, promPort, sinkPort] = process.argv.slice(2);
const loop = Number(loopArg);
const total = Number(linesArg) * loop;
const otlp = `otlp: { endpoint: "http://127.0.0.1:${sinkPort}", protocol: http/protobuf, queue_size: ${total + 10_000}, batch: { max_size: 4096, timeout: 100ms }, metrics: { interval: 1s } }`;
const prometheus = `prometheus: { endpoint: "127.0.0.1:${promPort}" }`;
// The cost before the metrics stage: a different TTL gives the exporters different series options, so the stage
// cannot share one aggregator between them and each aggregates every span itself (as each exporter used to).
const prometheusOwnSeries = `prometheus: { endpoint: "127.0.0.1:${promPort}", ttl: 301s }`;
const pipelines: Record<string, string> = {
  prometheus: `metrics: { receivers: [replay], processors: [routes], exporters: [prometheus] }`,
  otlp: `traces: { receivers: [replay], processors: [routes], exporters: [otlp] }`,
  both: `traces: { receivers: [replay], processors: [routes], exporters: [otlp] }\n    metrics: { receivers: [replay], processors: [routes], exporters: [prometheus, otlp] }`,
  'metrics-2': `metrics: { receivers: [replay], processors: [routes], exporters: [prometheus, otlp] }`,
  'metrics-2-own': `metrics: { receivers: [replay], processors: [routes], exporters: [prometheus, otlp] }`,
};
const exporters = scenario === 'prometheus' ? prometheus : scenario === 'otlp' ? otlp : scenario === 'metrics-2-own' ? `${prometheusOwnSeries}\n  ${otlp}` : `${prometheus}\n  ${otlp}`;
const metricsOnly = scenario === 'prometheus' || scenario!.startsWith('metrics-');
const yaml = `receivers:
  replay: { path: ${JSON.stringify(file)}, pace: fast, loop: ${loop}, batch_size: 1000 }
processors:
  routes: { unmatched: heuristic }
exporters:
  ${exporters}
service:
  pipelines:
    ${pipelines[scenario!]}
`;
const registry = new FactoryRegistry([replayReceiverFactory, routesProcessorFactory, prometheusExporterFactory, otlpExporterFactory]);
const { config } = loadConfig({ yaml, file: 'bench.yaml', env: {} }, registry);
const engine = await Engine.create(config, { registry, logger: noopLogger });
let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
const m = engine.metrics;
const done = (): boolean => {
  if (metricsOnly) return m.value('lumen_exporter_accepted_items_total', { component: 'prometheus' }) >= total;
  return m.value('lumen_exporter_sent_spans_total') + m.value('lumen_exporter_dropped_spans_total') >= total;
};
const t0 = performance.now();
const cpu0 = process.cpuUsage();
await engine.start();
await engine.receiversDone;
while (!done()) await new Promise((r) => setTimeout(r, 5));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
peak = Math.max(peak, process.memoryUsage().rss);
const result = {
  scenario, spans: total, seconds, cpuSeconds,
  sent: m.value('lumen_exporter_sent_spans_total'), dropped: m.value('lumen_exporter_dropped_spans_total') + m.value('lumen_queue_dropped_items_total'),
  peakRssMB: peak / 2 ** 20, finalRssMB: process.memoryUsage().rss / 2 ** 20,
};
clearInterval(sampler);
await engine.stop();
process.stdout.write(`${JSON.stringify(result)}\n`);
