import { ValueType, type Attributes } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { exportedAttribute, internalMetricName, type ExportedDefinition, type MetricPrefix, type MetricView } from '../../src/metrics/index.js';
import type { Service } from '../../src/model/service.js';
import { LUMEN_SCOPE, millisToHrTime, type ResourceCache } from '../../src/model/otel/index.js';
import type { InternalMetricPoint } from '../../src/component/index.js';
import type { OtlpProtocol } from './config.js';

type Owner = Service | undefined;

function attributesOf(def: ExportedDefinition, names: readonly string[], values: readonly unknown[], onResource: boolean): Attributes {
  const a: Attributes = {};
  for (let i = 0; i < names.length; i++) {
    const v = values[i];
    if (v === undefined) continue;
    // service.name / service.namespace already are resource attributes of the series' service.
    if (onResource && (names[i] === 'service.name' || names[i] === 'service.namespace')) continue;
    a[exportedAttribute(def, names[i]!)] = v as string | number | boolean;
  }
  return a;
}

/** Aggregated series (cumulative) + internal metrics → one ResourceMetrics per service (the agent's own for the rest). */
export function buildResourceMetrics(views: readonly MetricView[], internal: readonly InternalMetricPoint[], resources: ResourceCache, startMs: number, nowMs: number, prefix: MetricPrefix = 'lumen'): ResourceMetrics[] {
  const end = millisToHrTime(nowMs);
  const byOwner = new Map<Owner, MetricData[]>();
  const push = (owner: Owner, m: MetricData) => {
    const list = byOwner.get(owner);
    if (list) list.push(m);
    else byOwner.set(owner, [m]);
  };
  for (const v of views) {
    const groups = new Map<Owner, MetricView['series'][number][]>();
    for (const s of v.series) {
      const g = groups.get(s.service);
      if (g) g.push(s);
      else groups.set(s.service, [s]);
    }
    const descriptor = { name: v.def.name, description: v.def.description, unit: v.def.unit, valueType: ValueType.DOUBLE };
    for (const [owner, series] of groups) {
      const point = (s: (typeof series)[number]) => ({ startTime: millisToHrTime(s.startMs), endTime: end, attributes: attributesOf(v.def, s.names, s.values, owner !== undefined) });
      if (v.def.instrument === 'histogram') {
        push(owner, {
          descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM,
          dataPoints: series.map((s) => ({ ...point(s), value: { buckets: { boundaries: [...v.bounds], counts: Array.from(s.counts) }, sum: s.sum, count: s.count } })),
        });
      } else if (v.def.instrument === 'counter') {
        push(owner, {
          descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true,
          dataPoints: series.map((s) => ({ ...point(s), value: s.sum })),
        });
      } else {
        push(owner, {
          descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE,
          dataPoints: series.map((s) => ({ ...point(s), value: s.sum })),
        });
      }
    }
  }
  const byName = new Map<string, InternalMetricPoint[]>();
  for (const p of internal) {
    const name = internalMetricName(p.name, prefix);
    byName.set(name, [...(byName.get(name) ?? []), p]);
  }
  const start = millisToHrTime(startMs);
  for (const [name, points] of byName) {
    const descriptor = { name, description: points[0]!.help, unit: '1', valueType: ValueType.DOUBLE };
    const dataPoints = points.map((p) => ({ startTime: start, endTime: end, attributes: { ...p.labels }, value: p.value }));
    push(undefined, points[0]!.type === 'counter'
      ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints }
      : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints });
  }
  return [...byOwner].map(([owner, metrics]) => ({
    resource: owner ? resources.forService(owner) : resources.forAgent(),
    scopeMetrics: [{ scope: LUMEN_SCOPE, metrics }],
  }));
}

export function countPoints(rms: readonly ResourceMetrics[]): number {
  let n = 0;
  for (const rm of rms) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) n += m.dataPoints.length;
  return n;
}

/**
 * One ExportMetricsServiceRequest holding every ResourceMetrics. The SDK serializer takes one ResourceMetrics:
 * protobuf requests concatenate (repeated field 1 appends), JSON ones merge their resourceMetrics arrays.
 */
export function encodeMetrics(rms: readonly ResourceMetrics[], protocol: OtlpProtocol): Uint8Array {
  if (protocol === 'http/json') {
    const all: unknown[] = [];
    for (const rm of rms) {
      const one = JSON.parse(Buffer.from(JsonMetricsSerializer.serializeRequest(rm)!).toString('utf8')) as { resourceMetrics?: unknown[] };
      all.push(...(one.resourceMetrics ?? []));
    }
    return Buffer.from(JSON.stringify({ resourceMetrics: all }));
  }
  return Buffer.concat(rms.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)!));
}
