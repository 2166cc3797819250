import type { JsonSchema } from '../../src/component/index.js';
import { BUCKETS_SCHEMA, type BucketOverrides } from '../../src/metrics/buckets.js';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf', 'http/json'];

/**
 * The otlp exporter's YAML. Fields that OTEL_EXPORTER_OTLP_* can set have no schema default: an explicit YAML
 * value wins, then the environment variable, then the built-in default (see settings.ts).
 */
export interface OtlpConfig {
  endpoint?: string;
  traces_endpoint?: string;
  metrics_endpoint?: string;
  protocol?: OtlpProtocol;
  headers?: Record<string, string>;
  insecure?: boolean;
  tls: { ca_file?: string; cert_file?: string; key_file?: string; insecure_skip_verify: boolean };
  timeout?: string;
  compression?: 'gzip' | 'none';
  batch: { max_size: number; timeout: string };
  queue_size: number;
  retry: { enabled: boolean; initial_interval: string; max_interval: string; max_elapsed_time: string; multiplier: number; randomization_factor: number };
  metrics: { interval?: string; ttl: string; buckets: BucketOverrides; internal: boolean; max_series: number; max_series_per_metric: number; queue_size: number };
}

const duration = (description: string, def?: string, format: 'duration' | 'positive-duration' = 'positive-duration') => ({ type: 'string', format, description, ...(def ? { default: def } : {}) });
const uri = (description: string) => ({ type: 'string', format: 'http-url', description });

export const otlpSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: uri('Base URL of the collector; http protocols append /v1/traces and /v1/metrics (env OTEL_EXPORTER_OTLP_ENDPOINT; default http://localhost:4318, or :4317 for grpc).'),
    traces_endpoint: uri('Full URL for traces, used as is (env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).'),
    metrics_endpoint: uri('Full URL for metrics, used as is (env OTEL_EXPORTER_OTLP_METRICS_ENDPOINT).'),
    protocol: { enum: PROTOCOLS, description: 'Wire protocol (env OTEL_EXPORTER_OTLP_PROTOCOL; default http/protobuf).' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra request headers / gRPC metadata (env OTEL_EXPORTER_OTLP_HEADERS, merged under these).' },
    insecure: { type: 'boolean', description: 'gRPC without TLS when the endpoint has no scheme (env OTEL_EXPORTER_OTLP_INSECURE).' },
    tls: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        ca_file: { type: 'string', minLength: 1, description: 'PEM CA bundle to verify the collector.' },
        cert_file: { type: 'string', minLength: 1, description: 'PEM client certificate (mTLS).' },
        key_file: { type: 'string', minLength: 1, description: 'PEM client key (mTLS).' },
        insecure_skip_verify: { type: 'boolean', default: false, description: 'Do not verify the server certificate.' },
      },
    },
    timeout: duration('Per-request timeout (env OTEL_EXPORTER_OTLP_TIMEOUT in ms; default 10s).'),
    compression: { enum: ['gzip', 'none'], description: 'Request compression (env OTEL_EXPORTER_OTLP_COMPRESSION; default none).' },
    batch: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        max_size: { type: 'integer', minimum: 1, maximum: 65536, default: 4096, description: 'Spans per export request.' },
        timeout: duration('Longest a span waits for its batch to fill (0 = send at once).', '5s', 'duration'),
      },
    },
    queue_size: { type: 'integer', minimum: 1, maximum: 1_048_576, default: 16384, description: 'Spans held for sending (in batches), 1 to 1048576; beyond it new spans are dropped and counted.' },
    retry: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        initial_interval: duration('First wait after a retryable failure.', '1s'),
        max_interval: duration('Longest wait between attempts.', '30s'),
        max_elapsed_time: duration('Give a request up (dropped and counted) after retrying this long; 0 = retry forever.', '5m', 'duration'),
        multiplier: { type: 'number', minimum: 1, maximum: 100, default: 2 },
        randomization_factor: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'Jitter: each wait is interval × [1-f, 1+f].' },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        interval: duration('Metrics export interval (env OTEL_METRIC_EXPORT_INTERVAL in ms; default 60s).'),
        ttl: duration('Series not updated for this long are dropped.', '5m'),
        buckets: BUCKETS_SCHEMA,
        internal: { type: 'boolean', default: true, description: "Also export Lumen's own lumen_* metrics." },
        max_series: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 10_000, description: 'Total series budget (all metrics together); when full, series idle for a minute are evicted, otherwise new series are dropped and counted.' },
        max_series_per_metric: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 100_000 },
        queue_size: { type: 'integer', minimum: 1, maximum: 1000, default: 5, description: 'Metric export requests held while the collector is unreachable (oldest dropped first).' },
      },
    },
  },
};

export function defaultOtlpConfig(): OtlpConfig {
  return {
    tls: { insecure_skip_verify: false },
    batch: { max_size: 4096, timeout: '5s' },
    queue_size: 16384,
    retry: { enabled: true, initial_interval: '1s', max_interval: '30s', max_elapsed_time: '5m', multiplier: 2, randomization_factor: 0.5 },
    metrics: { ttl: '5m', buckets: {}, internal: true, max_series: 10_000, max_series_per_metric: 100_000, queue_size: 5 },
  };
}
