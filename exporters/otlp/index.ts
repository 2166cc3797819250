import type { Exporter, ExporterFactory } from '../../src/component/index.js';
import { MetricAggregator } from '../../src/metrics/aggregator.js';
import { ResourceCache } from '../../src/model/otel/index.js';
import { defaultOtlpConfig, otlpSchema, type OtlpConfig } from './config.js';
import { buildResourceMetrics, countPoints, encodeMetrics } from './encode-metrics.js';
import { traceRequestBuilder } from './encode-traces.js';
import { ExportQueue } from './export-queue.js';
import { redactUrl } from './redact-url.js';
import { OtlpSettingsError, resolveSettings, type OtlpSettings } from './settings.js';
import { TraceBatcher } from './trace-batcher.js';
import { httpTransport } from './transport-http.js';
import { lazyTransport } from './transport-lazy.js';

/** Milliseconds left until a stop's deadline (epoch ms; none outside a stop). */
const remainingMs = (deadline: number | undefined) => (deadline === undefined ? Infinity : Math.max(0, deadline - Date.now()));

export interface OtlpExporter extends Exporter {
  /** The resolved settings (YAML ▸ env ▸ defaults), for logs and tests. */
  readonly settings: OtlpSettings;
  /** Runs one metrics export now (the interval timer calls this). */
  exportMetrics(): void;
}

/** Sends traces and metrics to an OpenTelemetry collector over OTLP (grpc, http/protobuf, http/json). */
export const otlpExporterFactory: ExporterFactory<OtlpConfig> = {
  type: 'otlp',
  kind: 'exporter',
  signals: ['traces', 'metrics', 'flows'],
  schema: otlpSchema,
  defaultConfig: defaultOtlpConfig,
  // YAML ▸ environment ▸ defaults resolved at validation: a bad variable or an unreadable TLS file is reported at
  // the exporter (or the option) with its position, not as a construction error.
  validate(config) {
    try {
      resolveSettings(config);
      return [];
    } catch (e) {
      if (!(e instanceof OtlpSettingsError)) throw e;
      const m = /^(tls\.\w+|metrics\.interval): (.*)$/.exec(e.message);
      return [{ path: m ? m[1]!.split('.') : [], message: m ? m[2]! : e.message }];
    }
  },
  create(config, ctx): OtlpExporter {
    const settings = resolveSettings(config);
    const transport = settings.protocol === 'grpc'
      ? lazyTransport(async () => (await import('./transport-grpc.js')).grpcTransport(settings))
      : httpTransport(settings);
    const resources = new ResourceCache(ctx.hostName);
    const retry = {
      enabled: config.retry.enabled, initialMs: config.retry.initial_interval, maxMs: config.retry.max_interval,
      maxElapsedMs: config.retry.max_elapsed_time, multiplier: config.retry.multiplier, randomization: config.retry.randomization_factor,
    };
    const common = { transport, retry, telemetry: ctx.telemetry, logger: ctx.logger };
    const traceRequests = traceRequestBuilder(resources, settings.protocol);
    const traceQueue = new ExportQueue({ ...common, signal: 'traces', unit: 'spans', capacity: Math.max(config.queue_size, config.batch.max_size), dropOldest: false,
      done: (body) => traceRequests.recycle?.(body) });
    const metricQueue = new ExportQueue({ ...common, signal: 'metrics', unit: 'metric_points', capacity: config.metrics.queue_size, dropOldest: true });
    const encodeErrors = ctx.telemetry.counter('lumen_exporter_dropped_spans_total', 'spans dropped by the exporter, by reason.', { signal: 'traces', reason: 'encode_error' });
    const batcher = new TraceBatcher(traceQueue, traceRequests,
      config.batch.max_size, config.batch.timeout, encodeErrors, ctx.logger);
    // Replaced by the engine's shared one when another exporter renders the same series (src/engine/metrics-stage.ts).
    let aggregator = new MetricAggregator({
      naming: settings.naming, ttlMs: config.metrics.ttl, buckets: config.metrics.buckets, maxSeries: config.metrics.max_series,
      maxSeriesPerMetric: config.metrics.max_series_per_metric, telemetry: ctx.telemetry, logger: ctx.logger, optionsPath: `exporters.${ctx.id}.metrics`,
    });
    const startedMs = Date.now();
    let metricsTimer: NodeJS.Timeout | undefined;
    let metricsSeen = false;
    let started = false;
    let stopped = false;

    const exportMetrics = () => {
      // Runs from a timer: whatever fails here is logged, never thrown out of the interval (it would end the agent).
      try {
        const rms = buildResourceMetrics(aggregator.collect(), config.metrics.internal ? ctx.internalMetrics.collect() : [], resources, startedMs, Date.now(), settings.naming.prefix);
        if (rms.length === 0) return;
        metricQueue.offer(1, countPoints(rms), () => encodeMetrics(rms, settings.protocol));
      } catch (err) {
        ctx.logger.error('metrics export failed', { err: String((err as Error)?.message ?? err) });
      }
    };
    const startMetrics = () => {
      if (metricsTimer || !started || stopped) return;
      metricsTimer = setInterval(exportMetrics, settings.metricsIntervalMs);
      metricsTimer.unref();
    };

    const metricsArrived = () => {
      if (metricsSeen || stopped) return;
      metricsSeen = true;
      startMetrics();
    };

    return {
      settings,
      exportMetrics,
      async start() {
        started = true;
        if (metricsSeen) startMetrics();
        // Endpoints only without credentials (userinfo, query); header values (e.g. Authorization) are never logged.
        ctx.logger.info('otlp exporter ready', {
          protocol: settings.protocol, traces: redactUrl(settings.tracesUrl), metrics: redactUrl(settings.metricsUrl), headers: Object.keys(settings.headers),
        });
      },
      consume(batch, signal) {
        if (stopped) return;
        if (signal === 'traces') {
          if (batch.kind === 'spans') batcher.add(batch.items);
          return;
        }
        aggregator.consume(batch);
        metricsArrived();
      },
      metrics: {
        get aggregator() { return aggregator; },
        share(shared) { aggregator = shared; },
        aggregated: () => metricsArrived(),
      },
      async forceFlush(deadline?: number) {
        batcher.seal();
        if (metricsSeen) exportMetrics();
        const wait = Math.min(settings.timeoutMs, remainingMs(deadline));
        await Promise.all([traceQueue.drain(wait), metricQueue.drain(wait)]);
      },
      async shutdown(deadline?: number) {
        if (stopped) return;
        if (metricsTimer) clearInterval(metricsTimer);
        metricsTimer = undefined;
        batcher.seal();
        if (metricsSeen && started) exportMetrics();
        stopped = true;
        // One timeout at most (less when the stop's deadline is nearer) for the collector to take what is queued;
        // a failing collector ends the wait at once. The rest is dropped and counted (reason="shutdown").
        const wait = Math.min(settings.timeoutMs, remainingMs(deadline));
        await Promise.all([traceQueue.drain(wait), metricQueue.drain(wait)]);
        traceQueue.stop();
        metricQueue.stop();
        transport.close(); // cancels requests still in flight; their records count as dropped at shutdown
        await Promise.all([traceQueue.settled(200), metricQueue.settled(200)]);
        const spans = traceQueue.shutdownDrops;
        const points = metricQueue.shutdownDrops;
        if (spans + points > 0) {
          ctx.logger.warn('otlp exporter stopped with data the collector did not take; dropped', { spans, metric_points: points, traces: redactUrl(settings.tracesUrl) });
        }
      },
    };
  },
};

export default otlpExporterFactory;
