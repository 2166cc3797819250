import type { Service } from './service.js';

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';
export type Protocol = 'http' | 'grpc' | 'sql' | 'redis' | 'memcached' | 'kafka' | 'tcp';
export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

/** The connection a span travelled over, seen from the instrumented process. */
export interface ConnectionTuple {
  /** The other end: the client for a server span, the server for a client span. */
  peerAddress: string;
  peerPort: number;
  /** This process's end. */
  hostAddress: string;
  hostPort: number;
}

/** W3C trace context; ids are lower-case hex (32 and 16 characters). */
export interface TraceContext {
  traceId: string;
  spanId: string;
  /** '' when the span is a root. */
  parentSpanId: string;
  /** W3C trace-flags; bit 0 = sampled. */
  flags: number;
}

export interface HttpInfo {
  method: string;
  /** Path without query or fragment. */
  path: string;
  /** Raw query string without '?', secret values already redacted; '' when none. */
  query: string;
  /** Low-cardinality route, set by the routes processor ('' when unknown). */
  route: string;
  /** 0 when the request never completed. */
  status: number;
  scheme: 'http' | 'https';
  requestBodySize: number;
  responseBodySize: number;
  /** Host header, '' when absent. */
  host: string;
  /** network.protocol.version: '1.0' or '1.1' (the request line's), '2' (HTTP/2); absent when not known. */
  protocolVersion?: string;
}

/**
 * One observed request/response. Receivers create spans; processors may mutate the spans of a
 * batch they own (the engine clones on fan-out to several pipelines); exporters only read.
 */
export interface Span {
  kind: SpanKind;
  protocol: Protocol;
  /** Wall-clock nanoseconds since the Unix epoch. */
  startUnixNano: bigint;
  endUnixNano: bigint;
  service: Service;
  connection: ConnectionTuple;
  trace: TraceContext;
  /** Span name; when '' exporters use defaultSpanName(). The routes processor sets "<METHOD> <route>". */
  name: string;
  http?: HttpInfo;
  /**
   * The OS thread that started the request (read its first byte: server; wrote it: client), when the receiver
   * knows it. Lets src/tracing nest a client call under the request its thread was serving.
   */
  threadId?: number;
  /**
   * A client span whose request was the first on a connection it opened: when its thread called connect() (Unix
   * ns), which is when the call began. src/tracing nests the call by it (Node writes only once connected).
   */
  connectUnixNano?: bigint;
  /** Protocol and user attributes beyond the typed fields (db.*, rpc.*, attributes-processor actions). */
  attributes: Attributes;
  /**
   * Set only on a span standing for many requests the kernel aggregated (kernel_socket's kernel aggregation): the
   * span carries their shared attributes, this their pre-aggregated values. Metrics record these instead of the
   * span's own duration and sizes; only metrics pipelines ever receive such spans.
   */
  aggregate?: SpanAggregate;
  /**
   * Set only on a span whose request the kernel also added to a series (kernel aggregation beside kernel head
   * sampling): its metrics come from the aggregate spans, so only traces pipelines receive it (src/engine/fanout.ts).
   */
  countedInKernel?: true;
}

/** Pre-aggregated observations of an aggregate span: a count and one histogram per HTTP metric it feeds. */
export interface SpanAggregate {
  count: number;
  duration: HistogramDelta;
  requestBodySize: HistogramDelta;
  responseBodySize: HistogramDelta;
}

/** Observations since the last delta: their sum and per-bucket counts (length bounds + 1) for `bounds`. */
export interface HistogramDelta {
  sum: number;
  counts: Float64Array;
  bounds: readonly number[];
}

export function spanDurationSeconds(span: Span): number {
  return Number(span.endUnixNano - span.startUnixNano) / 1e9;
}

/** OTel/Beyla status rules: HTTP server >= 500, client >= 400, and status 0 (never completed) are errors. */
export function spanIsError(span: Span): boolean {
  const status = span.http?.status;
  if (status === undefined) return span.attributes['error.type'] !== undefined;
  if (status === 0) return true;
  return span.kind === 'client' ? status >= 400 : status >= 500;
}

export function defaultSpanName(span: Span): string {
  if (span.name) return span.name;
  if (span.http) return span.http.route ? `${span.http.method} ${span.http.route}` : span.http.method;
  return span.protocol.toUpperCase();
}

export function isSampled(span: Span): boolean {
  return (span.trace.flags & 1) === 1;
}
