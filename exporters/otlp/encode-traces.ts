import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Span } from '../../src/model/span.js';
import { toReadableSpan, type ResourceCache } from '../../src/model/otel/index.js';
import type { OtlpProtocol } from './config.js';
import { encodeTracesProtobuf, TraceRequestWriter } from './encode-traces-proto.js';
import type { TraceRequestBuilder } from './trace-batcher.js';
import { LumenError } from '../../src/component/index.js';

export type TraceEncoder = 'lumen' | 'sdk';

/**
 * Spans → one ExportTraceServiceRequest. Protobuf (grpc, http/protobuf) uses Lumen's direct encoder by default;
 * `sdk` (and OTLP/JSON always) goes through ReadableSpan and the OTel SDK's serializers. Both give one
 * ResourceSpans per service.
 */
export function encodeTraces(spans: readonly Span[], resources: ResourceCache, protocol: OtlpProtocol, encoder: TraceEncoder = 'lumen'): Uint8Array {
  if (protocol !== 'http/json' && encoder === 'lumen') return encodeTracesProtobuf(spans, resources.hostName);
  const readable: ReadableSpan[] = new Array(spans.length);
  for (let i = 0; i < spans.length; i++) readable[i] = toReadableSpan(spans[i]!, resources);
  const out = protocol === 'http/json' ? JsonTraceSerializer.serializeRequest(readable) : ProtobufTraceSerializer.serializeRequest(readable);
  if (!out) throw new LumenError('LUMEN_EXPORT_ENCODING', 'OTLP trace serializer returned nothing');
  return out;
}

/**
 * The exporter's request builder: Lumen's protobuf encoder encodes each span as it arrives; the SDK serializers
 * (OTLP/JSON, or `encoder: 'sdk'`) need the whole list, so those spans are kept until the request is sealed.
 */
export function traceRequestBuilder(resources: ResourceCache, protocol: OtlpProtocol, encoder: TraceEncoder = 'lumen'): TraceRequestBuilder {
  if (protocol !== 'http/json' && encoder === 'lumen') return new TraceRequestWriter(resources.hostName);
  let spans: Span[] = [];
  return {
    add: (span) => void spans.push(span),
    get size() { return spans.length; },
    finish() {
      const list = spans;
      spans = [];
      return encodeTraces(list, resources, protocol, encoder);
    },
    clear() { spans = []; },
  };
}
