import type { MetricDefinition } from '../model/metrics.js';
import { checkBounds } from './histogram.js';

/** Histogram boundary overrides, Beyla's `buckets:` keys (prometheus_export.buckets / otel_metrics_export.buckets). */
export interface BucketOverrides {
  duration_histogram?: number[];
  request_size_histogram?: number[];
  response_size_histogram?: number[];
  rtt_histogram?: number[];
}

export const BUCKETS_SCHEMA = {
  type: 'object',
  description: 'Histogram bucket boundaries overriding the defaults (strictly increasing numbers).',
  additionalProperties: false,
  properties: Object.fromEntries(
    ['duration_histogram', 'request_size_histogram', 'response_size_histogram', 'rtt_histogram'].map((k) => [
      k, { type: 'array', items: { type: 'number' }, minItems: 1 },
    ]),
  ),
  default: {},
} as const;

/** Which override applies to a metric: durations, request/response body sizes, TCP RTT. */
export function overrideKey(def: MetricDefinition): keyof BucketOverrides | undefined {
  if (def.instrument !== 'histogram') return undefined;
  if (def.name === 'lumen.tcp.rtt') return 'rtt_histogram';
  if (def.name.endsWith('.request.body.size')) return 'request_size_histogram';
  if (def.name.endsWith('.response.body.size')) return 'response_size_histogram';
  if (def.unit === 's') return 'duration_histogram';
  return undefined;
}

/** The boundaries a histogram uses (override or definition default); undefined for counters and gauges. */
export function boundsFor(def: MetricDefinition, overrides: BucketOverrides = {}): Float64Array | undefined {
  if (def.instrument !== 'histogram') return undefined;
  const key = overrideKey(def);
  const custom = key ? overrides[key] : undefined;
  return checkBounds(custom ?? def.buckets ?? [], custom ? `buckets.${key}` : `metric ${def.name} buckets`);
}
