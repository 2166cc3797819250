import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { MetricAggregator } from '../../src/metrics/index.js';
import { spanBatch } from '../../src/model/batch.js';
import { spanAttributes } from '../../src/model/span-attributes.js';
import { DURATION_BUCKETS, METRICS } from '../../src/model/metrics.js';
import type { Span } from '../../src/model/span.js';
import { ResourceCache } from '../../src/model/otel/index.js';
import { encodeTraces } from '../../exporters/otlp/encode-traces.js';

/** Spans per second `fn` gets through, over ~`ms` of wall time (best of 3 rounds). */
function rate(spans: Span[], fn: (s: Span[]) => void, ms = 700): number {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    let n = 0;
    while (performance.now() - t < ms) {
      fn(spans);
      n += spans.length;
    }
    best = Math.max(best, n / ((performance.now() - t) / 1000));
  }
  return best;
}

class Reader extends MetricReader {
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

/** Lumen's pre-aggregation vs the OTel SDK MeterProvider recording the same three HTTP histograms. */
export function metricsMicro(spans: Span[]): { lumen: number; sdk: number } {
  const agg = new MetricAggregator();
  const meter = new MeterProvider({ readers: [new Reader()] }).getMeter('bench');
  const d = meter.createHistogram(METRICS.httpServerDuration.name, { unit: 's', advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] } });
  const rq = meter.createHistogram(METRICS.httpServerRequestSize.name, { unit: 'By' });
  const rs = meter.createHistogram(METRICS.httpServerResponseSize.name, { unit: 'By' });
  const names = METRICS.httpServerDuration.defaultAttributes;
  return {
    lumen: rate(spans, (s) => agg.consume(spanBatch(s))),
    sdk: rate(spans, (list) => {
      for (const s of list) {
        const all = spanAttributes(s);
        const a: Record<string, string | number | boolean> = {};
        for (const k of names) if (all[k] !== undefined) a[k] = all[k]!;
        d.record(Number(s.endUnixNano - s.startUnixNano) / 1e9, a);
        rq.record(s.http?.requestBodySize ?? 0, a);
        rs.record(s.http?.responseBodySize ?? 0, a);
      }
    }),
  };
}

/** OTLP trace encoding of 4096-span requests: Lumen's direct protobuf encoder vs ReadableSpan + the SDK serializers. */
export function encodeMicro(spans: Span[]): { lumen: number; protobuf: number; json: number; bytesPerSpan: number } {
  const batch = spans.slice(0, 4096);
  const resources = new ResourceCache('bench-host');
  return {
    lumen: rate(batch, (s) => encodeTraces(s, resources, 'http/protobuf', 'lumen')),
    protobuf: rate(batch, (s) => encodeTraces(s, resources, 'http/protobuf', 'sdk')),
    json: rate(batch, (s) => encodeTraces(s, resources, 'http/json')),
    bytesPerSpan: encodeTraces(batch, resources, 'http/protobuf').length / batch.length,
  };
}
