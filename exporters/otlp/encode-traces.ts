import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Span } from '../../src/model/span.js';
import { toReadableSpan, type ResourceCache } from '../../src/model/otel/index.js';
import type { OtlpProtocol } from './config.js';
import { encodeTracesProtobuf } from './encode-traces-proto.js';
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
