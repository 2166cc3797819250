import type { Span } from '../model/span.js';
import type { Counter } from '../component/index.js';
import { BoundedMap, wireSpan, type WireOperation, type WireParser, type WireSpanOptions, type WireSystem } from '../protocols/wire/index.js';
import type { CaptureProtocol } from './protocol.js';
import { KS_OFF, KS_REASON, type KsRecord } from './record.js';
import { recordConnection, recordTimes } from './spans.js';
import { WireChunks } from './wire-chunks.js';

/** record.proto values (bpf/include/kernel_socket.h KS_PROTO_*). */
export const KS_PROTO = { http1: 0, postgresql: 1, mysql: 2, redis: 3, memcached: 4, kafka: 5, http2: 6 } as const;

/** The receiver's counter of requests recognised but not made spans, by protocol and kind. */
export type OtherRequests = (protocol: string, kind: string) => Counter;

/** Connections whose parser state (prepared statements, database) is kept at once. */
const MAX_CONNECTIONS = 8192;

/**
 * A database/broker protocol over the connection machine (bpf/include/ks_wire.h): each record is an exchange
 * of one client connection; its parser (src/protocols/<name>) splits it into operations, paired in order, with
 * the connection's state (prepared statements by name or id, the database) kept between its records. One
 * record may give several spans (a Redis pipeline), or none (a login, a Terminate). An exchange longer than
 * the capture may come in chunk records first (KS_REASON_CHUNK), joined here.
 */
export function wireProtocol<S>(proto: number, parser: WireParser<S>, options: WireSpanOptions, others?: OtherRequests): CaptureProtocol {
  const states = new BoundedMap<string, S>(MAX_CONNECTIONS);
  const chunks = new WireChunks();
  const counters = new Map<string, Counter>();
  const other = others && ((kind: string) => {
    let c = counters.get(kind);
    if (!c) counters.set(kind, (c = others(parser.system, kind)));
    c.add();
  });
  const ops: WireOperation[] = [];
  const system: WireSystem = parser.system;
  return {
    name: system,
    detect: (r) => r.proto === proto,
    toSpan: () => 'use toSpans',
    toSpans(r: KsRecord, service, clock, out: Span[]): string | undefined {
      const key = connectionKey(r);
      if (r.reason === KS_REASON.chunk) {
        chunks.add(key, r.request, r.response);
        return undefined;
      }
      const { request, response } = chunks.take(key, r.request, r.response);
      let state = states.get(key);
      if (state === undefined) states.set(key, (state = parser.newState()));
      if (r.reason === KS_REASON.close) states.delete(key);
      const { start, end } = recordTimes(r, clock);
      ops.length = 0;
      try {
        parser.parse({ request, response, requestBytes: r.reqBytes, responseBytes: r.respBytes, startUnixNano: start, other }, state, ops);
      } catch {
        return 'parser failed'; // never expected (fuzzed); counted, and no span from bytes we could not read
      }
      if (!ops.length) return undefined;
      const connection = recordConnection(r);
      for (const op of ops) out.push(wireSpan(system, op, start, end, service, connection, options));
      return undefined;
    },
  };
}

/** The connection of a record: its process and socket. */
export function connectionKey(r: KsRecord): string {
  const v = r.view;
  return `${r.tgid}:${v.getUint32(r.off + KS_OFF.sk + 4, true).toString(16)}${v.getUint32(r.off + KS_OFF.sk, true).toString(16).padStart(8, '0')}`;
}
