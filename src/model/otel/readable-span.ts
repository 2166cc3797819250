import { SpanKind as OtelKind, SpanStatusCode, type Attributes, type SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Span, SpanKind } from '../span.js';
import { defaultSpanName, spanIsError } from '../span.js';
import { spanAttributes } from '../span-attributes.js';
import type { ResourceCache } from './resource.js';
import { durationHrTime, nanosToHrTime } from './time.js';
import { LUMEN_SCOPE } from './version.js';

const KINDS: Readonly<Record<SpanKind, OtelKind>> = {
  server: OtelKind.SERVER,
  client: OtelKind.CLIENT,
  producer: OtelKind.PRODUCER,
  consumer: OtelKind.CONSUMER,
  internal: OtelKind.INTERNAL,
};

export function otelSpanKind(kind: SpanKind): OtelKind {
  return KINDS[kind];
}

/** Span attributes as traces carry them: service.* live on the Resource, not on every span. */
export function traceAttributes(span: Span): Attributes {
  const a = spanAttributes(span) as Attributes;
  delete a['service.name'];
  delete a['service.namespace'];
  return a;
}

const NO_EVENTS: never[] = [];
const NO_LINKS: never[] = [];

/**
 * Lumen Span → OTel ReadableSpan, at the exporter edge. The result is what the OTel SDK's span exporters
 * and OTLP serializers take. A span whose parent came in over the network (server/consumer) has a remote parent.
 */
export function toReadableSpan(span: Span, resources: ResourceCache): ReadableSpan {
  const t = span.trace;
  const ctx: SpanContext = { traceId: t.traceId, spanId: t.spanId, traceFlags: t.flags & 0xff, isRemote: false };
  const parent: SpanContext | undefined = t.parentSpanId
    ? { traceId: t.traceId, spanId: t.parentSpanId, traceFlags: t.flags & 0xff, isRemote: span.kind === 'server' || span.kind === 'consumer' }
    : undefined;
  return {
    name: defaultSpanName(span),
    kind: KINDS[span.kind],
    spanContext: () => ctx,
    parentSpanContext: parent,
    startTime: nanosToHrTime(span.startUnixNano),
    endTime: nanosToHrTime(span.endUnixNano),
    duration: durationHrTime(span.startUnixNano, span.endUnixNano),
    status: spanIsError(span) ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.UNSET },
    attributes: traceAttributes(span),
    links: NO_LINKS,
    events: NO_EVENTS,
    ended: true,
    resource: resources.forService(span.service),
    instrumentationScope: LUMEN_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
