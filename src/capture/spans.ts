import type { ConnectionTuple, Span } from '../model/span.js';
import type { Service } from '../model/service.js';
import { http1Span, type Http1Reject } from '../protocols/http1/index.js';
import { formatAddress } from './addr.js';
import type { MonotonicClock } from './clock.js';
import { KS_OFF, KS_ROLE_CLIENT, type KsRecord } from './record.js';

/**
 * A record → its Span: kind from the connection's role, the tuple from this process's side, wall-clock
 * times, and everything HTTP from the shared HTTP/1 parser. A record without a response (status 0) ends at
 * its last activity. `scheme`: https for bytes a TLS receiver decrypted.
 */
export function recordToSpan(r: KsRecord, service: Service, clock: MonotonicClock, scheme: 'http' | 'https' = 'http'): Span | Http1Reject {
  const t = recordTimes(r, clock);
  const v = r.view;
  const o = r.off;
  const span = http1Span({
    kind: r.role === KS_ROLE_CLIENT ? 'client' : 'server',
    scheme,
    request: r.bytes,
    requestStart: r.reqAt,
    requestEnd: r.reqAt + r.reqLen,
    // With the status and the head length from the probe, the parser does not read the response capture.
    response: r.status === 0 || r.respHeadLen > 0 ? EMPTY : r.response,
    requestBytes: r.reqBytes,
    responseBytes: r.respBytes,
    requestHeadLength: r.reqHeadLen,
    requestContentLength: contentLength(v, o + KS_OFF.reqCl),
    responseHeadLength: r.respHeadLen,
    status: r.status,
    startUnixNano: t.start,
    endUnixNano: t.end,
    connection: recordConnection(r),
    service,
  });
  // Context propagation: the kernel's ids win, they are the ones on the wire (the injected traceparent), and so do
  // its flags when it sampled the request out (a call's captured bytes have no traceparent to read them from).
  const k = typeof span === 'string' ? undefined : r.kernelTrace;
  if (k && typeof span !== 'string') span.trace = { ...k, flags: r.sampledOut ? 0 : span.trace.flags };
  return span;
}

/** The record's connection, seen from this process's end. */
export function recordConnection(r: KsRecord): ConnectionTuple {
  return {
    peerAddress: formatAddress(r.bytes, r.raddrAt, r.family),
    peerPort: r.rport,
    hostAddress: formatAddress(r.bytes, r.laddrAt, r.family),
    hostPort: r.lport,
  };
}

/**
 * A record's start and end as Unix ns: the end is the response's last byte, or the last activity when there was
 * no response, never before the start.
 */
export function recordTimes(r: KsRecord, clock: MonotonicClock): { start: bigint; end: bigint } {
  const offset = clock.unixOffset();
  if (offset !== offsetBig) splitOffset(offset);
  // The times as 32-bit halves: only the two results become BigInts (not the record's times and the sums too).
  const v = r.view;
  const o = r.off;
  const sLo = v.getUint32(o + KS_OFF.start, true);
  const sHi = v.getUint32(o + KS_OFF.start + 4, true);
  let eLo = v.getUint32(o + KS_OFF.end, true);
  let eHi = v.getUint32(o + KS_OFF.end + 4, true);
  if (eLo === 0 && eHi === 0) {
    eLo = v.getUint32(o + KS_OFF.last, true);
    eHi = v.getUint32(o + KS_OFF.last + 4, true);
  }
  if (eHi < sHi || (eHi === sHi && eLo <= sLo)) {
    eLo = sLo;
    eHi = sHi;
  }
  return { start: unixNano(sLo, sHi, offset), end: unixNano(eLo, eHi, offset) };
}

const EMPTY = Buffer.alloc(0);

/** An s64 Content-Length of the record (-1: none) as a number, without a BigInt. */
function contentLength(v: DataView, at: number): number {
  const hi = v.getInt32(at + 4, true);
  return hi < 0 ? -1 : hi * TWO32 + v.getUint32(at, true);
}
const TWO32 = 0x1_0000_0000;

/** The clock offset as 32-bit halves (offsetFits: 0 <= offset < 2^64), recomputed when the offset changes. */
let offsetBig = -1n;
let offsetFits = false;
let offsetLo = 0;
let offsetHi = 0;

function splitOffset(offset: bigint): void {
  offsetBig = offset;
  offsetFits = offset >= 0n && offset < 1n << 64n;
  offsetLo = offsetFits ? Number(offset & 0xffff_ffffn) : 0;
  offsetHi = offsetFits ? Number(offset >> 32n) : 0;
}

const scratch = new DataView(new ArrayBuffer(8));

/** (hi * 2^32 + lo) + offset as a BigInt, equal to BigInt arithmetic (which it falls back to past 2^64). */
function unixNano(lo: number, hi: number, offset: bigint): bigint {
  let l = lo + offsetLo;
  let h = hi + offsetHi;
  if (l >= TWO32) {
    l -= TWO32;
    h++;
  }
  if (!offsetFits || h >= TWO32) return ((BigInt(hi) << 32n) | BigInt(lo)) + offset;
  scratch.setUint32(0, l, true);
  scratch.setUint32(4, h, true);
  return scratch.getBigUint64(0, true);
}
