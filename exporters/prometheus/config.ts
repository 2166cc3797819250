import { componentConfig } from '../../src/config/component-config.js';
import { duration, hostPort, integer, object, raw, string, type Infer } from '../../src/config/typed-schema.js';
import { BUCKETS_SCHEMA, type BucketOverrides } from '../../src/metrics/buckets.js';
import { namingOptions } from '../../src/metrics/naming.js';

export const DEFAULT_ENDPOINT = '127.0.0.1:9400';

export const prometheusConfig = object({
  /** host:port to listen on, decoded to {host, port}; the host is required (0.0.0.0 for every interface). */
  endpoint: hostPort({ default: DEFAULT_ENDPOINT, description: 'host:port the scrape endpoint listens on.' }),
  /** HTTP path of the scrape endpoint. */
  path: string({ pattern: '^/\\S*$', default: '/metrics', description: 'HTTP path of the scrape endpoint.' }),
  /** Series not updated for this long disappear from the output (milliseconds once decoded). */
  ttl: duration({ positive: true, default: '5m', description: 'Series not updated for this long are dropped.' }),
  buckets: raw<BucketOverrides, false>(BUCKETS_SCHEMA, false),
  /** Total series budget of this exporter (all metrics together); when full, idle series are evicted, otherwise new ones dropped and counted. */
  max_series: integer({ minimum: 1, maximum: 10_000_000, default: 10_000, description: 'Total series budget of this exporter (all metrics together); when full, series idle for a minute are evicted, otherwise new series are dropped and counted.' }),
  /** Hard bound on series per metric (the cardinality guard processor is the real limiter). */
  max_series_per_metric: integer({ minimum: 1, maximum: 10_000_000, default: 100_000, description: 'Series bound per metric; new series beyond it are dropped and counted.' }),
  ...namingOptions,
});

export type PrometheusConfig = Infer<typeof prometheusConfig>;
export const { schema: prometheusSchema, defaultConfig: defaultPrometheusConfig } = componentConfig(prometheusConfig);
