import type { AttributeValue } from '../model/span.js';
import type { Service } from '../model/service.js';

/**
 * One time series of one metric: the attribute values (in the order of `names`), the service it belongs to
 * (its resource: instance/job labels, target_info), and the accumulated value. Exporters read series at
 * collection time and never mutate the values.
 */
export interface Series {
  readonly service: Service | undefined;
  /** Attribute names (dotted OTel form), shared by every series of the metric with the same selection. */
  readonly names: readonly string[];
  /** Values aligned with `names`; undefined = the observation had no such attribute (label omitted). */
  readonly values: readonly (AttributeValue | undefined)[];
  /** Histogram: per-bucket (non-cumulative) counts, length bounds+1. Empty for counters and gauges. */
  readonly counts: Float64Array;
  /** Histogram sum, counter total, or gauge last value. */
  sum: number;
  /** Number of observations. */
  count: number;
  /** Wall-clock ms of the first and the latest observation (OTLP start time, TTL). */
  readonly startMs: number;
  lastMs: number;
  /** Rendered label set, cached by the Prometheus exporter (labels never change for a series). */
  promLabels?: string;
}

export function newSeries(service: Service | undefined, names: readonly string[], values: (AttributeValue | undefined)[], buckets: number, now: number): Series {
  return { service, names, values, counts: new Float64Array(buckets), sum: 0, count: 0, startMs: now, lastMs: now };
}
