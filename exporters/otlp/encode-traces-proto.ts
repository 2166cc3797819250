import type { Service } from '../../src/model/service.js';
import type { AttributeValue, Span } from '../../src/model/span.js';
import { defaultSpanName, spanIsError } from '../../src/model/span.js';
import { serviceResourceAttributes, TYPED_ATTRIBUTE_KEYS } from '../../src/model/span-attributes.js';
import { LUMEN_SCOPE, LUMEN_VERSION, traceAttributes, otelSpanKind } from '../../src/model/otel/index.js';
import { ProtoWriter } from './proto-writer.js';
import { keyBytes, writeAttribute } from './attribute-proto.js';
import { writeTypedAttributes } from './typed-attributes.js';

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

/** Encoded `ResourceSpans.resource` + `scope_spans.scope` prefix per service, built once. */
const resourceCache = new WeakMap<Service, { hostName: string; bytes: Buffer }>();
function resourceBytes(service: Service, hostName: string): Buffer {
  const hit = resourceCache.get(service);
  if (hit && hit.hostName === hostName) return hit.bytes;
  const w = new ProtoWriter(1024);
  w.byte(tag(1, LEN));
  const res = w.open();
  for (const [k, v] of Object.entries(serviceResourceAttributes(service, hostName, LUMEN_VERSION))) writeAttribute(w, 1, keyBytes(k), v);
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
  writeSpanAttributes(w, span);
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

/** Span.attributes (field 9) as traceAttributes() gives them, streamed from the span's fields without building that object. */
function writeSpanAttributes(w: ProtoWriter, span: Span): void {
  const extra = span.attributes;
  for (const k in extra) {
    const c = k.charCodeAt(0);
    if (TYPED_ATTRIBUTE_KEYS.has(k) || (c >= 48 && c <= 57)) {
      // An override of a typed attribute keeps its position in the object, and integer-like keys ("0") come
      // first in any object: take the exact path.
      const attrs = traceAttributes(span);
      for (const key in attrs) writeAttribute(w, 9, keyBytes(key), attrs[key] as AttributeValue);
      return;
    }
  }
  writeTypedAttributes(w, span);
  for (const k in extra) writeAttribute(w, 9, keyBytes(k), extra[k]!);
}

/**
 * One ExportTraceServiceRequest built span by span as spans arrive, so the exporter holds bytes, not Span objects,
 * while a batch fills (held spans outlive young-generation GCs and get promoted). Spans are grouped per service
 * (one ResourceSpans each, in order of first appearance) in a writer per service, joined by finish(); the writers'
 * buffers are kept for the next request.
 */
/** Request buffers kept for reuse: the export queue holds a few requests at a time. */
const MAX_SPARE = 4;

export class TraceRequestWriter {
  private readonly writers = new Map<Service, ProtoWriter>();
  /** Services of the current request, in order of their first span. */
  private active: Service[] = [];
  private count = 0;
  /** Buffers of finished requests given back by recycle(), and which buffer each request still out there uses. */
  private readonly spare: Buffer[] = [];
  private readonly issued = new WeakMap<Uint8Array, Buffer>();

  constructor(private readonly hostName: string) {}

  /** Encodes the span into the request; on an error the request is as it was. */
  add(span: Span): void {
    let w = this.writers.get(span.service);
    if (w === undefined) {
      w = new ProtoWriter(16 * 1024);
      this.writers.set(span.service, w);
    }
    const at = w.pos;
    try {
      writeSpan(w, span);
    } catch (e) {
      w.pos = at;
      throw e;
    }
    if (at === 0) this.active.push(span.service);
    this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** The request's bytes; the writer is empty again afterwards. */
  finish(): Uint8Array {
    let total = 0;
    for (const s of this.active) total += this.writers.get(s)!.pos + 1024;
    const out = new ProtoWriter(this.spareFor(total) ?? total);
    for (const service of this.active) {
      out.byte(tag(1, LEN));
      const rs = out.open();
      out.raw(resourceBytes(service, this.hostName));
      out.byte(tag(2, LEN));
      const ss = out.open();
      out.raw(scope());
      out.raw(this.writers.get(service)!.finish());
      out.close(ss);
      out.close(rs);
    }
    this.clear();
    const body = out.finish();
    this.issued.set(body, out.buf);
    return body;
  }

  /**
   * Gives a request finish() returned back once nothing reads it any more (the export queue settled it): its buffer
   * is reused for a later request. A fresh buffer per request cost more than encoding its spans — a few hundred
   * KiB of new memory each time, page-faulted in and later collected. Anything else passed here is ignored.
   */
  recycle(body: Uint8Array): void {
    const buf = this.issued.get(body);
    if (buf === undefined) return;
    this.issued.delete(body);
    if (this.spare.length < MAX_SPARE) this.spare.push(buf);
  }

  private spareFor(size: number): Buffer | undefined {
    const s = this.spare;
    for (let i = 0; i < s.length; i++) {
      if (s[i]!.length >= size) return s.splice(i, 1)[0];
    }
    return s.pop(); // too small: ProtoWriter grows it (keeps the spare list from holding only small buffers)
  }

  /** Drops the spans added so far; writers of services absent from this request go (their services may be gone). */
  clear(): void {
    if (this.writers.size > this.active.length) {
      const keep = new Set(this.active);
      for (const s of this.writers.keys()) if (!keep.has(s)) this.writers.delete(s);
    }
    for (const w of this.writers.values()) w.pos = 0;
    this.active = [];
    this.count = 0;
  }
}

/**
 * Spans → ExportTraceServiceRequest protobuf, written directly from Lumen spans (no ReadableSpan, no size
 * pre-pass): the same message the OTel SDK serializer produces (encode-traces.test.ts decodes both with the real
 * .proto files and compares), about 3× faster — see the README.
 */
export function encodeTracesProtobuf(spans: readonly Span[], hostName: string): Uint8Array {
  const r = new TraceRequestWriter(hostName);
  for (let i = 0; i < spans.length; i++) r.add(spans[i]!);
  return r.finish();
}
