import { BoundedMap } from '../protocols/wire/index.js';
import { Http2Connection, http2Span, upgradedStreamSpan, type Http2Call } from '../protocols/http2/index.js';
import type { Span } from '../model/span.js';
import type { H2cUpgrades } from './h2c-upgrade.js';
import type { CaptureProtocol } from './protocol.js';
import { KS_OFF, KS_REASON, KS_ROLE_CLIENT, KS_ROLE_SERVER, type KsRecord } from './record.js';
import { recordConnection, recordTimes } from './spans.js';
import { KS_PROTO, connectionKey } from './wire.js';

/** Connections whose HTTP/2 state (HPACK tables, open streams) is kept at once. */
const MAX_CONNECTIONS = 8192;
/** Records of a connection held while an earlier one is still to come (see Tracked.early). */
const MAX_EARLY = 16;
/** record.flags KS_F_H2_EGRESS: bytes this process wrote. */
const F_EGRESS = 64;
/** record.method: 1 = the connection's frames from its first; 2 = the same, after an h2c Upgrade (stream 1 open). */
const FROM_START = 1, UPGRADED = 2;

/** One record's frames, as fed to the connection. */
interface Chunk {
  seq: number;
  side: 'in' | 'out';
  bytes: Buffer;
  start: bigint;
  end: bigint;
  fromStart: boolean;
  /** Kept payload bytes continuing a frame of an earlier record (where frames resume after a loss). */
  skip: number;
}

interface Tracked {
  conn: Http2Connection;
  /** The seq the next record of the connection should carry (a gap: records were lost). */
  nextSeq: number;
  /**
   * Records that came before an earlier one: a connection's reads and writes on two CPUs (Go's threads) take
   * their seq when their call starts but reach the ring buffer when it ends, so seq 5 may be read before seq 4.
   * Held (copied) until the gap fills, MAX_EARLY are held or the connection closes; then the gap is a loss.
   */
  early: Chunk[];
  /** The h2c upgrade request's span (h2c-upgrade.ts), until stream 1's response completes it. */
  upgrade?: Span;
}

/**
 * HTTP/2 over the connection machine (bpf/include/ks_http2.h): each record is one direction's frames from one
 * socket (or SSL) call; src/protocols/http2 keeps each connection's streams and tables across records and hands
 * out finished streams, one span each. A lost record (a gap in seq) costs the tables (streams after it are
 * flagged where fields are unknown); the close record finishes what is still open.
 */
export function http2Protocol(scheme: 'http' | 'https', upgrades?: H2cUpgrades): CaptureProtocol {
  const conns = new BoundedMap<string, Tracked>(MAX_CONNECTIONS);
  const calls: Http2Call[] = [];

  const feed = (t: Tracked, c: Chunk): void => {
    if (c.seq !== t.nextSeq) t.conn.lose(c.side, c.skip);
    t.nextSeq = (c.seq + 1) >>> 0;
    if (c.fromStart) t.conn.fromStart();
    t.conn.push(c.side, c.bytes, c.start, c.end, calls);
  };
  /** Feeds the held records that follow on; all of them (the gap taken as lost) when `all`. */
  const drain = (t: Tracked, all: boolean): void => {
    while (t.early.length) {
      const i = all ? t.early.reduce((m, c, j) => (ahead(c.seq, t.early[m]!.seq) ? m : j), 0) : t.early.findIndex((c) => c.seq === t.nextSeq);
      if (i < 0) return;
      feed(t, t.early.splice(i, 1)[0]!);
    }
  };

  return {
    name: 'http2',
    detect: (r) => r.proto === KS_PROTO.http2,
    toSpan: () => 'use toSpans',
    toSpans(r: KsRecord, service, clock, out): string | undefined {
      const key = connectionKey(r);
      let t = conns.get(key);
      calls.length = 0;
      const { start, end } = recordTimes(r, clock);
      try {
        if (r.reason === KS_REASON.close) {
          if (!t) return undefined;
          conns.delete(key);
          drain(t, true);
          t.conn.close(calls);
        } else {
          if (!t) t = track(r, key, start);
          const chunk: Chunk = {
            seq: r.seq, side: r.flags & F_EGRESS ? 'out' : 'in', bytes: r.request, start, end,
            fromStart: r.method === FROM_START || r.method === UPGRADED, skip: Math.max(0, r.view.getInt32(r.off + KS_OFF.reqCl, true)),
          };
          if (ahead(t.nextSeq, chunk.seq)) {
            t.conn.lose(chunk.side, 0); // later than its gap was given up: its frames are lost, tables with them
          } else if (ahead(chunk.seq, t.nextSeq)) {
            t.early.push({ ...chunk, bytes: Buffer.from(chunk.bytes) });
            if (t.early.length < MAX_EARLY) return undefined;
            drain(t, true);
          } else {
            feed(t, chunk);
            drain(t, false);
          }
        }
      } catch {
        conns.delete(key); // never expected (fuzzed): the connection's state is not trusted any more
        return 'http2 parser failed';
      }
      if (!calls.length) return undefined;
      const connection = recordConnection(r);
      for (const call of calls) {
        const span = http2Span({ call, scheme, startUnixNano: call.request.firstNs || start, endUnixNano: call.response.lastNs || call.request.lastNs || end, connection, service });
        const upgrade = call.streamId === 1 ? t?.upgrade : undefined;
        out.push(upgrade ? upgradedStreamSpan(upgrade, span) : span);
      }
      return undefined;
    },
  };

  /** A connection's first record seen: from its first frame (seq 0 expected, even if a later one came first), or joined. */
  function track(r: KsRecord, key: string, start: bigint): Tracked {
    const role = r.role === KS_ROLE_SERVER ? 'server' : r.role === KS_ROLE_CLIENT ? 'client' : undefined;
    const fromStart = r.method !== 0 && r.seq < MAX_EARLY;
    const t: Tracked = { conn: new Http2Connection(role, fromStart), nextSeq: fromStart ? 0 : r.seq, early: [] };
    if (!fromStart && r.seq !== 0) t.conn.joinedLate();
    if (r.method === UPGRADED && role) {
      t.upgrade = upgrades?.get(key);
      upgrades?.delete(key);
      t.conn.upgraded(role === 'server' ? 'in' : 'out', t.upgrade?.startUnixNano ?? start, t.upgrade?.endUnixNano ?? start);
    }
    conns.set(key, t);
    return t;
  }
}

/** seq a comes after b, by less than 2^31 (u32 wrap-around). */
function ahead(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x8000_0000;
}
