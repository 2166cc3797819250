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
  const start = r.startNs;
  const end = r.endNs !== 0n ? r.endNs : r.lastNs;
  const offset = clock.unixOffset();
  return http1Span({
    kind: r.role === KS_ROLE_CLIENT ? 'client' : 'server',
    scheme: 'http',
    request: r.request,
    // With the status and the head length from the probe, the parser does not read the response capture.
    response: r.status === 0 || r.respHeadLen > 0 ? EMPTY : r.response,
    requestBytes: r.reqBytes,
    responseBytes: r.respBytes,
    requestHeadLength: r.reqHeadLen,
    responseHeadLength: r.respHeadLen,
    status: r.status,
    startUnixNano: start + offset,
    endUnixNano: (end > start ? end : start) + offset,
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
