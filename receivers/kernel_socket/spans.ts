import type { Span } from '../../src/model/span.js';
import type { Service } from '../../src/model/service.js';
import { http1Span, type Http1Reject } from '../../src/protocols/http1/index.js';
import { formatAddress } from './addr.js';
import type { MonotonicClock } from './clock.js';
import { KS_ROLE_CLIENT, type KsRecord } from './record.js';

/**
 * A record → its Span: kind from the connection's role, the tuple from this process's side, wall-clock
 * times, and everything HTTP from the shared HTTP/1 parser. A record without a response (status 0) ends at
 * its last activity.
 */
export function recordToSpan(r: KsRecord, service: Service, clock: MonotonicClock): Span | Http1Reject {
  const end = r.endNs !== 0n ? r.endNs : r.lastNs;
  return http1Span({
    kind: r.role === KS_ROLE_CLIENT ? 'client' : 'server',
    scheme: 'http',
    request: r.request,
    response: r.status === 0 ? EMPTY : r.response,
    requestBytes: r.reqBytes,
    responseBytes: r.respBytes,
    requestHeadLength: r.reqHeadLen,
    responseHeadLength: r.respHeadLen,
    status: r.status,
    startUnixNano: clock.toUnixNano(r.startNs),
    endUnixNano: clock.toUnixNano(end > r.startNs ? end : r.startNs),
    connection: {
      peerAddress: formatAddress(r.bytes, r.raddrAt, r.family),
      peerPort: r.rport,
      hostAddress: formatAddress(r.bytes, r.laddrAt, r.family),
      hostPort: r.lport,
    },
    service,
  });
}

const EMPTY = Buffer.alloc(0);
