import { componentConfig } from '../../src/config/component-config.js';
import { boolean, duration, enumOf, httpUrl, integer, number, object, raw, record, string, type Infer } from '../../src/config/typed-schema.js';
import { BUCKETS_SCHEMA, type BucketOverrides } from '../../src/metrics/buckets.js';
import { namingOptions } from '../../src/metrics/naming.js';

export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';
export const PROTOCOLS: readonly OtlpProtocol[] = ['grpc', 'http/protobuf', 'http/json'];

/**
 * The otlp exporter's YAML. Fields that OTEL_EXPORTER_OTLP_* can set have no schema default: an explicit YAML
 * value wins, then the environment variable, then the built-in default (see settings.ts). Durations are
 * milliseconds once decoded.
 */
export const otlpConfig = object({
  endpoint: httpUrl({ description: 'Base URL of the collector; http protocols append /v1/traces and /v1/metrics (env OTEL_EXPORTER_OTLP_ENDPOINT; default http://localhost:4318, or :4317 for grpc).' }),
  traces_endpoint: httpUrl({ description: 'Full URL for traces, used as is (env OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).' }),
  metrics_endpoint: httpUrl({ description: 'Full URL for metrics, used as is (env OTEL_EXPORTER_OTLP_METRICS_ENDPOINT).' }),
  protocol: enumOf(PROTOCOLS, { description: 'Wire protocol (env OTEL_EXPORTER_OTLP_PROTOCOL; default http/protobuf).' }),
  headers: record(string(), { description: 'Extra request headers / gRPC metadata (env OTEL_EXPORTER_OTLP_HEADERS, merged under these).' }),
  insecure: boolean({ description: 'gRPC without TLS when the endpoint has no scheme (env OTEL_EXPORTER_OTLP_INSECURE).' }),
  tls: object({
    ca_file: string({ minLength: 1, description: 'PEM CA bundle to verify the collector.' }),
    cert_file: string({ minLength: 1, description: 'PEM client certificate (mTLS).' }),
    key_file: string({ minLength: 1, description: 'PEM client key (mTLS).' }),
    insecure_skip_verify: boolean({ default: false, description: 'Do not verify the server certificate.' }),
  }),
  timeout: duration({ positive: true, description: 'Per-request timeout (env OTEL_EXPORTER_OTLP_TIMEOUT in ms; default 10s).' }),
  compression: enumOf(['gzip', 'none'], { description: 'Request compression (env OTEL_EXPORTER_OTLP_COMPRESSION; default none).' }),
  batch: object({
    max_size: integer({ minimum: 1, maximum: 65536, default: 4096, description: 'Spans per export request.' }),
    timeout: duration({ default: '5s', description: 'Longest a span waits for its batch to fill (0 = send at once).' }),
  }),
  queue_size: integer({ minimum: 1, maximum: 1_048_576, default: 16384, description: 'Spans held for sending (in batches), 1 to 1048576; beyond it new spans are dropped and counted.' }),
  retry: object({
    enabled: boolean({ default: true }),
    initial_interval: duration({ positive: true, default: '1s', description: 'First wait after a retryable failure.' }),
    max_interval: duration({ positive: true, default: '30s', description: 'Longest wait between attempts.' }),
    max_elapsed_time: duration({ default: '5m', description: 'Give a request up (dropped and counted) after retrying this long; 0 = retry forever.' }),
    multiplier: number({ minimum: 1, maximum: 100, default: 2 }),
    randomization_factor: number({ minimum: 0, maximum: 1, default: 0.5, description: 'Jitter: each wait is interval × [1-f, 1+f].' }),
  }),
  metrics: object({
    interval: duration({ positive: true, description: 'Metrics export interval (env OTEL_METRIC_EXPORT_INTERVAL in ms; default 60s).' }),
    ttl: duration({ positive: true, default: '5m', description: 'Series not updated for this long are dropped.' }),
    buckets: raw<BucketOverrides, false>(BUCKETS_SCHEMA, false),
    internal: boolean({ default: true, description: "Also export Lumen's own lumen_* metrics." }),
    max_series: integer({ minimum: 1, maximum: 10_000_000, default: 10_000, description: 'Total series budget (all metrics together); when full, series idle for a minute are evicted, otherwise new series are dropped and counted.' }),
    max_series_per_metric: integer({ minimum: 1, maximum: 10_000_000, default: 100_000 }),
    queue_size: integer({ minimum: 1, maximum: 1000, default: 5, description: 'Metric export requests held while the collector is unreachable (oldest dropped first).' }),
  }),
  ...namingOptions,
});

export type OtlpConfig = Infer<typeof otlpConfig>;
export const { schema: otlpSchema, defaultConfig: defaultOtlpConfig } = componentConfig(otlpConfig);
