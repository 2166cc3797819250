import { BoundedMap } from '../protocols/wire/index.js';
import { Http2Connection, http2Span, type Http2Call } from '../protocols/http2/index.js';
import type { CaptureProtocol } from './protocol.js';
import { KS_OFF, KS_REASON, KS_ROLE_CLIENT, KS_ROLE_SERVER, type KsRecord } from './record.js';
import { recordConnection, recordTimes } from './spans.js';
import { KS_PROTO, connectionKey } from './wire.js';

/** Connections whose HTTP/2 state (HPACK tables, open streams) is kept at once. */
const MAX_CONNECTIONS = 8192;
/** record.flags KS_F_H2_EGRESS: bytes this process wrote. */
const F_EGRESS = 64;

interface Tracked {
  conn: Http2Connection;
  /** The seq the next record of the connection should carry (a gap: records were lost). */
  nextSeq: number;
}

/**
 * HTTP/2 over the connection machine (bpf/include/ks_http2.h): each record is one direction's frames from one
 * socket (or SSL) call; src/protocols/http2 keeps each connection's streams and tables across records and hands
 * out finished streams, one span each. A lost record (a gap in seq) costs the tables (streams after it are
 * flagged where fields are unknown); the close record finishes what is still open.
 */
export function http2Protocol(scheme: 'http' | 'https'): CaptureProtocol {
  const conns = new BoundedMap<string, Tracked>(MAX_CONNECTIONS);
  const calls: Http2Call[] = [];
  return {
    name: 'http2',
    detect: (r) => r.proto === KS_PROTO.http2,
    toSpan: () => 'use toSpans',
    toSpans(r: KsRecord, service, clock, out): string | undefined {
      const key = connectionKey(r);
      let t = conns.get(key);
      calls.length = 0;
      const { start, end } = recordTimes(r, clock);
      if (r.reason === KS_REASON.close) {
        if (!t) return undefined;
        conns.delete(key);
        t.conn.close(calls);
      } else {
        if (!t) {
          const role = r.role === KS_ROLE_SERVER ? 'server' : r.role === KS_ROLE_CLIENT ? 'client' : undefined;
          t = { conn: new Http2Connection(role, r.method === 1 && r.seq === 0), nextSeq: r.seq };
          if (r.seq !== 0) t.conn.joinedLate();
          conns.set(key, t);
        }
        const side = r.flags & F_EGRESS ? 'out' : 'in';
        if (r.seq !== t.nextSeq) t.conn.lose(side, Math.max(0, r.view.getInt32(r.off + KS_OFF.reqCl, true)));
        t.nextSeq = (r.seq + 1) >>> 0;
        if (r.method === 1) t.conn.fromStart();
        try {
          t.conn.push(side, r.request, start, end, calls);
        } catch {
          conns.delete(key); // never expected (fuzzed): the connection's state is not trusted any more
          return 'http2 parser failed';
        }
      }
      if (!calls.length) return undefined;
      const connection = recordConnection(r);
      for (const call of calls) {
        out.push(http2Span({ call, scheme, startUnixNano: call.request.firstNs || start, endUnixNano: call.response.lastNs || call.request.lastNs || end, connection, service }));
      }
      return undefined;
    },
  };
}
