import { METRICS, type MetricDefinition } from '../model/metrics.js';
import type { Flow } from '../model/flow.js';
import type { Measurement } from '../model/measurement.js';
import type { AttributeValue, HistogramDelta, Span, SpanAggregate } from '../model/span.js';

/** Which metrics a span feeds, and the value each takes from it (DESIGN.md §4). */
export interface SpanMetric {
  readonly def: MetricDefinition;
  readonly value: (span: Span) => number;
  /** The same metric's pre-aggregated observations in an aggregate span (kernel aggregation covers HTTP only). */
  readonly aggregated?: (a: SpanAggregate) => HistogramDelta;
}

const duration = (s: Span) => (s.endUnixNano > s.startUnixNano ? Number(s.endUnixNano - s.startUnixNano) / 1e9 : 0);
const requestSize = (s: Span) => s.http?.requestBodySize ?? 0;
const responseSize = (s: Span) => s.http?.responseBodySize ?? 0;

const aggDuration = (a: SpanAggregate) => a.duration;
const aggRequestSize = (a: SpanAggregate) => a.requestBodySize;
const aggResponseSize = (a: SpanAggregate) => a.responseBodySize;

const HTTP_SERVER: readonly SpanMetric[] = [
  { def: METRICS.httpServerDuration, value: duration, aggregated: aggDuration },
  { def: METRICS.httpServerRequestSize, value: requestSize, aggregated: aggRequestSize },
  { def: METRICS.httpServerResponseSize, value: responseSize, aggregated: aggResponseSize },
];
const HTTP_CLIENT: readonly SpanMetric[] = [
  { def: METRICS.httpClientDuration, value: duration, aggregated: aggDuration },
  { def: METRICS.httpClientRequestSize, value: requestSize, aggregated: aggRequestSize },
  { def: METRICS.httpClientResponseSize, value: responseSize, aggregated: aggResponseSize },
];
const RPC_SERVER: readonly SpanMetric[] = [{ def: METRICS.rpcServerDuration, value: duration }];
const RPC_CLIENT: readonly SpanMetric[] = [{ def: METRICS.rpcClientDuration, value: duration }];
const DB_CLIENT: readonly SpanMetric[] = [{ def: METRICS.dbClientDuration, value: duration }];
const MESSAGING_CLIENT: readonly SpanMetric[] = [{ def: METRICS.messagingClientDuration, value: duration }];
const NONE: readonly SpanMetric[] = [];

/**
 * HTTP → http.{server,client}.*, gRPC → rpc.{server,client}.call.duration, SQL/Redis/memcached clients →
 * db.client.operation.duration, Kafka producers/consumers → messaging.client.operation.duration.
 */
export function spanMetrics(span: Span): readonly SpanMetric[] {
  const server = span.kind === 'server';
  const client = span.kind === 'client';
  switch (span.protocol) {
    case 'http':
      return server ? HTTP_SERVER : client ? HTTP_CLIENT : NONE;
    case 'grpc':
      return server ? RPC_SERVER : client ? RPC_CLIENT : NONE;
    case 'sql':
    case 'redis':
    case 'memcached':
      return client ? DB_CLIENT : NONE;
    case 'kafka':
      return server ? NONE : MESSAGING_CLIENT;
    default:
      return NONE;
  }
}

export const ALL_SPAN_METRICS: readonly MetricDefinition[] = [...HTTP_SERVER, ...HTTP_CLIENT, ...RPC_SERVER, ...RPC_CLIENT, ...DB_CLIENT, ...MESSAGING_CLIENT].map((m) => m.def);

/** Flow attributes metrics can carry (Beyla's network-flow attribute names). */
export const FLOW_ATTRIBUTES: readonly string[] = [
  'direction', 'iface', 'transport', 'src.address', 'dst.address', 'src.port', 'dst.port',
  // Decorations the network_flow receiver adds when it knows them (flow.attributes).
  'src.cidr', 'dst.cidr', 'src.name', 'dst.name',
  'src.process.pid', 'dst.process.pid', 'src.process.executable.name', 'dst.process.executable.name',
];

export function flowAttributeValue(f: Flow, name: string): AttributeValue | undefined {
  switch (name) {
    case 'direction': return f.direction;
    case 'iface': return f.interface;
    case 'transport': return f.transport;
    case 'src.address': return f.srcAddress;
    case 'dst.address': return f.dstAddress;
    case 'src.port': return f.srcPort;
    case 'dst.port': return f.dstPort;
    default: return f.attributes[name];
  }
}

export function measurementAttributeValue(m: Measurement, name: string): AttributeValue | undefined {
  // As for spans, the service identity wins over a same-named attribute.
  if (m.service !== undefined) {
    if (name === 'service.name') return m.service.name;
    if (name === 'service.namespace') return m.service.namespace;
  }
  return m.attributes[name];
}
