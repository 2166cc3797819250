import type { Service } from '../../src/model/service.js';
import type { Span } from '../../src/model/span.js';
import { http1Span, type Http1SpanOptions } from '../../src/protocols/http1/index.js';
import type { MonotonicClock } from './clock.js';
import { decodeKsRecord } from './record.js';

export type SpanOutcome = Span | 'malformed' | 'no_service' | 'not_http';

/**
 * One record of the HTTP/1 machine → one HTTPS span, through the shared HTTP/1 parser (src/protocols/http1).
 * `service` finds the instrumented process's Service by pid.
 */
export function recordToSpan(view: DataView, offset: number, length: number, clock: MonotonicClock,
  service: (pid: number) => Service | undefined, options: Http1SpanOptions): SpanOutcome {
  const r = decodeKsRecord(view, offset, length);
  if (!r) return 'malformed';
  const svc = service(r.tgid);
  if (!svc) return 'no_service';
  const end = r.endNs || r.lastNs || r.startNs;
  const s = http1Span({
    kind: r.role === 2 ? 'client' : 'server',
    scheme: 'https',
    request: r.request,
    response: r.response,
    requestBytes: r.reqBytes,
    responseBytes: r.respBytes,
    requestHeadLength: r.reqHeadLen,
    responseHeadLength: r.respHeadLen,
    status: r.status,
    startUnixNano: clock.toUnixNano(r.startNs),
    endUnixNano: clock.toUnixNano(end),
    connection: r.connection,
    service: svc,
  }, options);
  return typeof s === 'string' ? 'not_http' : s;
}
