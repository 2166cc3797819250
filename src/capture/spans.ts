import type { ConnectionTuple, Span } from '../model/span.js';
import type { Service } from '../model/service.js';
import { http1Span, type Http1Exchange, type Http1Reject } from '../protocols/http1/index.js';
import { formatAddress } from './addr.js';
import type { MonotonicClock } from './clock.js';
import { KS_OFF, KS_ROLE_CLIENT, type KsRecord } from './record.js';

/**
 * A record → its Span: kind from the connection's role, the tuple from this process's side, wall-clock
 * times, and everything HTTP from the shared HTTP/1 parser. A record without a response (status 0) ends at
 * its last activity. `scheme`: https for bytes a TLS receiver decrypted.
 */
export function recordToSpan(r: KsRecord, service: Service, clock: MonotonicClock, scheme: 'http' | 'https' = 'http'): Span | Http1Reject {
  readTimes(r, clock);
  const x = EXCHANGE;
  x.kind = r.role === KS_ROLE_CLIENT ? 'client' : 'server';
  x.scheme = scheme;
  x.request = r.bytes;
  x.requestStart = r.reqAt;
  x.requestEnd = r.reqAt + r.reqLen;
  // With the status and the head length from the probe, the parser does not read the response capture.
  x.response = r.status === 0 || r.respHeadLen > 0 ? EMPTY : r.response;
  x.requestBytes = r.reqBytes;
  x.responseBytes = r.respBytes;
  x.requestHeadLength = r.reqHeadLen;
  x.requestContentLength = contentLength(r.view, r.off + KS_OFF.reqCl);
  x.responseHeadLength = r.respHeadLen;
  x.status = r.status;
  x.startUnixNano = timeStart;
  x.endUnixNano = timeEnd;
  x.connection = recordConnection(r);
  x.service = service;
  const span = http1Span(x);
  x.request = x.response = EMPTY; // keeps no ring batch alive
  // Context propagation: the kernel's ids win, they are the ones on the wire (the injected traceparent), and so do
  // its flags when it sampled the request out (a call's captured bytes have no traceparent to read them from).
  const k = typeof span === 'string' ? undefined : r.kernelTrace;
  if (k && typeof span !== 'string') span.trace = { ...k, flags: r.sampledOut ? 0 : span.trace.flags };
  return span;
}

/** The exchange recordToSpan hands the parser, refilled per record: http1Span keeps nothing of it but the connection
 * and the service, which it puts in the span (bench/pipeline/span-alloc.ts: an object fewer per span). */
const EXCHANGE: Http1Exchange = {
  kind: 'server', scheme: 'http', request: Buffer.alloc(0), requestStart: 0, requestEnd: 0, response: Buffer.alloc(0), requestBytes: 0,
  responseBytes: 0, requestHeadLength: 0, requestContentLength: -1, responseHeadLength: 0, status: 0, startUnixNano: 0n, endUnixNano: 0n,
  connection: { peerAddress: '', peerPort: 0, hostAddress: '', hostPort: 0 }, service: undefined as unknown as Service,
};

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
  readTimes(r, clock);
  return { start: timeStart, end: timeEnd };
}

/** recordTimes' results, set by readTimes (no object per record on the HTTP/1 path). */
let timeStart = 0n;
let timeEnd = 0n;

function readTimes(r: KsRecord, clock: MonotonicClock): void {
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
  timeStart = unixNano(sLo, sHi, offset);
  timeEnd = unixNano(eLo, eHi, offset);
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
