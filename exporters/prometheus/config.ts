import type { JsonSchema } from '../../src/component/index.js';
import { BUCKETS_SCHEMA, type BucketOverrides } from '../../src/metrics/buckets.js';

export interface PrometheusConfig {
  /** host:port to listen on. */
  endpoint: string;
  /** HTTP path of the scrape endpoint. */
  path: string;
  /** Series not updated for this long disappear from the output (Go-style duration). */
  ttl: string;
  buckets: BucketOverrides;
  /** Total series budget, all metrics together (src/metrics/budget.ts: idle series evicted first, then new ones dropped). */
  max_series: number;
  /** Hard bound on series per metric. */
  max_series_per_metric: number;
}

export const DEFAULT_ENDPOINT = '127.0.0.1:9400';

export const prometheusSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    endpoint: { type: 'string', format: 'host-port', default: DEFAULT_ENDPOINT, description: 'host:port the scrape endpoint listens on.' },
    path: { type: 'string', pattern: '^/\\S*$', default: '/metrics', description: 'HTTP path of the scrape endpoint.' },
    ttl: { type: 'string', format: 'positive-duration', default: '5m', description: 'Series not updated for this long are dropped.' },
    buckets: BUCKETS_SCHEMA,
    max_series: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 10_000, description: 'Total series budget of this exporter (all metrics together); when full, series idle for a minute are evicted, otherwise new series are dropped and counted.' },
    max_series_per_metric: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 100_000, description: 'Series bound per metric; new series beyond it are dropped and counted.' },
  },
};

export function defaultPrometheusConfig(): PrometheusConfig {
  return { endpoint: DEFAULT_ENDPOINT, path: '/metrics', ttl: '5m', buckets: {}, max_series: 10_000, max_series_per_metric: 100_000 };
}
