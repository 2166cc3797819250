import type { Service } from '../../src/model/service.js';
import type { AttributeValue, Span } from '../../src/model/span.js';
import { defaultSpanName, spanIsError } from '../../src/model/span.js';
import { serviceResourceAttributes } from '../../src/model/span-attributes.js';
import { LUMEN_SCOPE, LUMEN_VERSION, traceAttributes, otelSpanKind } from '../../src/model/otel/index.js';
import { ProtoWriter } from './proto-writer.js';

/*
 * Field numbers (opentelemetry/proto/trace/v1/trace.proto, common.proto, resource.proto):
 *   ExportTraceServiceRequest: 1 resource_spans · ResourceSpans: 1 resource, 2 scope_spans
 *   ScopeSpans: 1 scope, 2 spans · InstrumentationScope: 1 name, 2 version · Resource: 1 attributes
 *   Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 7 start (fixed64), 8 end (fixed64),
 *         9 attributes, 15 status, 16 flags (fixed32) · Status: 3 code
 *   KeyValue: 1 key, 2 value · AnyValue: 1 string, 2 bool, 3 int (int64), 4 double
 */
const tag = (field: number, wire: number) => (field << 3) | wire;
const LEN = 2;
const SPAN_FLAGS_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_IS_REMOTE = 0x200;

/** Encoded `KeyValue.key` fields, interned: attribute names repeat on every span. */
const keyCache = new Map<string, Buffer>();
function keyBytes(key: string): Buffer {
  let b = keyCache.get(key);
  if (b === undefined) {
    const k = Buffer.from(key, 'utf8');
    b = Buffer.concat([Buffer.from([tag(1, LEN)]), varintBytes(k.length), k]);
    if (keyCache.size < 4096) keyCache.set(key, b);
  }
  return b;
}

function varintBytes(v: number): Buffer {
  const w = new ProtoWriter(10);
  w.varint(v);
  return Buffer.from(w.finish());
}

function writeAttribute(w: ProtoWriter, field: number, key: string, value: AttributeValue): void {
  w.byte(tag(field, LEN));
  const kv = w.open();
  w.raw(keyBytes(key));
  w.byte(tag(2, LEN));
  const any = w.open();
  if (typeof value === 'string') {
    w.byte(tag(1, LEN));
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.byte(tag(2, 0));
    w.byte(value ? 1 : 0);
  } else if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
    w.byte(tag(3, 0));
    w.int64(value);
  } else {
    w.byte(tag(4, 1));
    w.double(value);
  }
  w.close(any);
  w.close(kv);
}

/** Encoded `ResourceSpans.resource` + `scope_spans.scope` prefix per service, built once. */
const resourceCache = new WeakMap<Service, { hostName: string; bytes: Buffer }>();
function resourceBytes(service: Service, hostName: string): Buffer {
  const hit = resourceCache.get(service);
  if (hit && hit.hostName === hostName) return hit.bytes;
  const w = new ProtoWriter(1024);
  w.byte(tag(1, LEN));
  const res = w.open();
  for (const [k, v] of Object.entries(serviceResourceAttributes(service, hostName, LUMEN_VERSION))) writeAttribute(w, 1, k, v);
  w.close(res);
  const bytes = Buffer.from(w.finish());
  resourceCache.set(service, { hostName, bytes });
  return bytes;
}

let scopeBytes: Buffer | undefined;
function scope(): Buffer {
  if (!scopeBytes) {
    const w = new ProtoWriter(128);
    w.byte(tag(1, LEN));
    const s = w.open();
    w.byte(tag(1, LEN));
    w.string(LUMEN_SCOPE.name);
    w.byte(tag(2, LEN));
    w.string(LUMEN_SCOPE.version);
    w.close(s);
    scopeBytes = Buffer.from(w.finish());
  }
  return scopeBytes;
}

function writeSpan(w: ProtoWriter, span: Span): void {
  const t = span.trace;
  w.byte(tag(2, LEN));
  const start = w.open();
  w.byte(tag(1, LEN));
  w.hex(t.traceId);
  w.byte(tag(2, LEN));
  w.hex(t.spanId);
  if (t.parentSpanId) {
    w.byte(tag(4, LEN));
    w.hex(t.parentSpanId);
  }
  w.byte(tag(5, LEN));
  w.string(defaultSpanName(span));
  const kind = otelSpanKind(span.kind) + 1; // OTLP enum: 0 = unspecified, then INTERNAL…
  w.byte(tag(6, 0));
  w.varint(kind);
  w.byte(tag(7, 1));
  w.fixed64(span.startUnixNano);
  w.byte(tag(8, 1));
  w.fixed64(span.endUnixNano);
  const attrs = traceAttributes(span);
  for (const k in attrs) writeAttribute(w, 9, k, attrs[k] as AttributeValue);
  w.byte(tag(15, LEN));
  const st = w.open();
  if (spanIsError(span)) {
    w.byte(tag(3, 0));
    w.byte(2); // STATUS_CODE_ERROR
  }
  w.close(st);
  const remoteParent = t.parentSpanId !== '' && (span.kind === 'server' || span.kind === 'consumer');
  w.varint(tag(16, 5)); // field 16: a two-byte tag
  w.fixed32((t.flags & 0xff) | SPAN_FLAGS_HAS_IS_REMOTE | (remoteParent ? SPAN_FLAGS_IS_REMOTE : 0));
  w.close(start);
}

/**
 * Spans → ExportTraceServiceRequest protobuf, written directly from Lumen spans (no ReadableSpan, no size
 * pre-pass): the same message the OTel SDK serializer produces (encode-traces.test.ts decodes both with the real
 * .proto files and compares), about 3× faster — see the README.
 */
export function encodeTracesProtobuf(spans: readonly Span[], hostName: string): Uint8Array {
  const groups = new Map<Service, Span[]>();
  for (const s of spans) {
    const g = groups.get(s.service);
    if (g) g.push(s);
    else groups.set(s.service, [s]);
  }
  const w = new ProtoWriter(Math.max(1024, spans.length * 400));
  for (const [service, list] of groups) {
    w.byte(tag(1, LEN));
    const rs = w.open();
    w.raw(resourceBytes(service, hostName));
    w.byte(tag(2, LEN));
    const ss = w.open();
    w.raw(scope());
    for (const s of list) writeSpan(w, s);
    w.close(ss);
    w.close(rs);
  }
  return w.finish();
}
