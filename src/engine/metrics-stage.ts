import type { Exporter, MetricsSink, Signal } from '../component/contract.js';
import type { MetricAggregator } from '../metrics/aggregator.js';

/**
 * The pipeline's trace-derived-metrics stage (DESIGN.md §2, like the Collector's spanmetrics connector): span
 * metrics (RED), service-graph and other measurements, and flows become series ONCE per batch, before the fan-out
 * to exporters, in an aggregator that every metrics exporter with the same series options (naming, TTL, buckets,
 * bounds) and the same pipelines renders. Exporters with different options get their own aggregator, so each still
 * exports exactly the series it would alone.
 */
export interface MetricsGroup {
  readonly aggregator: MetricAggregator;
  /** The exporters that render it (ids), all in the same metrics/flows pipelines. */
  readonly members: readonly string[];
}

/** Signals whose batches a metrics exporter only aggregates. */
export const AGGREGATED_SIGNALS: readonly Signal[] = ['metrics', 'flows'];

/**
 * Groups the metrics exporters by (aggregator options, pipelines they are in) and points every member at the
 * first member's aggregator. `pipelinesOf(id)`: the metrics and flows pipelines listing exporter `id`.
 */
export function groupMetricsExporters(exporters: ReadonlyMap<string, Exporter>, pipelinesOf: (id: string) => readonly string[]): Map<string, MetricsGroup> {
  const byKey = new Map<string, { aggregator: MetricAggregator; members: string[] }>();
  const groupOf = new Map<string, MetricsGroup>();
  for (const [id, exporter] of exporters) {
    const sink: MetricsSink | undefined = exporter.metrics;
    const pipelines = pipelinesOf(id);
    if (sink === undefined || pipelines.length === 0) continue;
    const key = `${sink.aggregator.shareKey}|${JSON.stringify([...pipelines].sort())}`;
    let group = byKey.get(key);
    if (group === undefined) byKey.set(key, (group = { aggregator: sink.aggregator, members: [] }));
    else sink.share(group.aggregator);
    group.members.push(id);
    groupOf.set(id, group);
  }
  return groupOf;
}
