import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Span } from '../../src/model/span.js';
import { toReadableSpan, type ResourceCache } from '../../src/model/otel/index.js';
import type { OtlpProtocol } from './config.js';

/**
 * Spans → one ExportTraceServiceRequest (protobuf or OTLP/JSON), through the OTel SDK's serializers: one
 * ResourceSpans per service (the serializer groups by Resource identity, ResourceCache keeps one per service).
 */
export function encodeTraces(spans: readonly Span[], resources: ResourceCache, protocol: OtlpProtocol): Uint8Array {
  const readable: ReadableSpan[] = new Array(spans.length);
  for (let i = 0; i < spans.length; i++) readable[i] = toReadableSpan(spans[i]!, resources);
  const out = protocol === 'http/json' ? JsonTraceSerializer.serializeRequest(readable) : ProtobufTraceSerializer.serializeRequest(readable);
  if (!out) throw new Error('OTLP trace serializer returned nothing');
  return out;
}
