import type { Exporter, ExporterFactory } from '../../src/component/index.js';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import { resolveNaming } from '../../src/metrics/naming.js';
import { defaultPrometheusConfig, prometheusSchema, type PrometheusConfig } from './config.js';
import { expositionChunks, renderExposition } from './render.js';
import { formatHostPort, listen, type ScrapeServer } from './server.js';

export interface PrometheusExporter extends Exporter {
  /** The bound address once started (port 0 resolves to a free port). */
  address(): { host: string; port: number } | undefined;
  /** The exposition text a scrape would return now. */
  render(): string;
}

/** Serves RED and flow metrics, target_info and Lumen's internal metrics for Prometheus to scrape. */
export const prometheusExporterFactory: ExporterFactory<PrometheusConfig> = {
  type: 'prometheus',
  kind: 'exporter',
  signals: ['metrics', 'flows'],
  schema: prometheusSchema,
  defaultConfig: defaultPrometheusConfig,
  // A bad LUMEN_METRIC_NAMES / LUMEN_METRIC_PREFIX is a config error at this exporter, not a start-up crash.
  validate(config) {
    try {
      resolveNaming(config);
      return [];
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      return [{ path: [], message: e.message }];
    }
  },
  create(config, ctx): PrometheusExporter {
    const ttlMs = config.ttl;
    const naming = resolveNaming(config);
    // Replaced by the engine's shared one when another exporter renders the same series (src/engine/metrics-stage.ts).
    let aggregator = new MetricAggregator({
      naming, ttlMs, buckets: config.buckets, maxSeries: config.max_series, maxSeriesPerMetric: config.max_series_per_metric,
      telemetry: ctx.telemetry, logger: ctx.logger, optionsPath: `exporters.${ctx.id}`,
    });
    const scrapes = ctx.telemetry.counter('lumen_prometheus_scrapes_total', 'Scrapes served by the Prometheus exporter.');
    let server: ScrapeServer | undefined;
    let sweeper: NodeJS.Timeout | undefined;
    let stopped = false;
    const render = () => renderExposition(aggregator.collect(), ctx.internalMetrics.collect(), ctx.hostName, naming.prefix);
    const chunks = () => expositionChunks(aggregator.collect(), ctx.internalMetrics.collect(), ctx.hostName, naming.prefix);
    return {
      async start() {
        if (server || stopped) return;
        server = await listen(config.endpoint, config.path, () => {
          scrapes.add();
          return chunks();
        });
        // Expire stale series even if nobody scrapes, so memory stays bounded.
        sweeper = setInterval(() => aggregator.expire(), Math.max(1000, Math.min(ttlMs, 60_000)));
        sweeper.unref();
        ctx.logger.info('prometheus exporter listening', { endpoint: formatHostPort(config.endpoint), port: server.address.port, path: config.path });
      },
      consume(batch) {
        aggregator.consume(batch);
      },
      metrics: {
        get aggregator() { return aggregator; },
        share(shared) { aggregator = shared; },
        aggregated() {},
      },
      async forceFlush() {},
      async shutdown() {
        stopped = true;
        if (sweeper) clearInterval(sweeper);
        sweeper = undefined;
        const s = server;
        server = undefined;
        await s?.close();
      },
      address: () => (server ? { host: server.address.address, port: server.address.port } : undefined),
      render,
    };
  },
};

export default prometheusExporterFactory;
