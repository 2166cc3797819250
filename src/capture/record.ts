/**
 * Decoder of struct ks_record (bpf/include/kernel_socket.h) with DataView, no copies: captured bytes stay
 * views into the ring-buffer batch (or the slot value the sweeper read), and so do the fields read on demand:
 * use a record while its bytes are unchanged (the receiver turns it into a span at once).
 */
export const KS_HEADER_SIZE = 184;

/** Field offsets in struct ks_record. */
export const KS_OFF = {
  start: 0, end: 8, respStart: 16, last: 24, reqBytes: 32, respBytes: 40, reqCl: 48, respCl: 56, sk: 64,
  tgid: 72, fd: 76, seq: 80, reqHead: 84, respHead: 88, reqLen: 92, respLen: 94, laddr: 96, raddr: 112,
  lport: 128, rport: 130, family: 132, status: 134, role: 136, reason: 137, method: 138, flags: 139, proto: 140, tid: 141,
  traceId: 144, spanId: 160, parentId: 168, connect: 176,
} as const;

export const KS_ROLE_SERVER = 1;
export const KS_ROLE_CLIENT = 2;

export const KS_REASON = { complete: 1, nextRequest: 2, nextResponse: 3, close: 4, timeout: 5, chunk: 6 } as const;

/** Bit of the reason byte (KS_REASON_AGGREGATED): the request is also in a kernel series; its span is for traces
 * pipelines only (kernel aggregation beside kernel sampling). */
export const KS_REASON_AGGREGATED = 0x80;
/** Bit of the reason byte (KS_REASON_SAMPLED_OUT): kernel sampling dropped the request, sent only for the metrics
 * (the aggregation left it to the ring); its span carries flags 00, the decision the kernel injected into its calls. */
export const KS_REASON_SAMPLED_OUT = 0x40;

/** record.flags KS_F_RESP_OPEN: a lean response (bpf/include/ks_http1.h ks_lean_headers), whose end is the next
 * request, the close, or an idle. */
export const KS_F_RESP_OPEN = 128;

/**
 * Decodes the record at `off` (`len` bytes). `respAt` is where the response capture starts: right after the
 * request bytes in ring records (undefined), at KS_HEADER_SIZE + KS_CAPTURE_MAX in a ks_slots value.
 * Returns undefined for a record whose lengths do not fit (never produced by the probe; counted by the caller).
 * `into`: a record to refill instead of a new one (the ring loop's, one per batch: a KsRecord was ~250 of the
 * ~1,300 bytes allocated per span, bench/pipeline/span-alloc.ts); the record it was is gone then.
 */
export function decodeRecord(view: DataView, bytes: Buffer, off: number, len: number, respAt?: number, into?: KsRecord): KsRecord | undefined {
  if (len < KS_HEADER_SIZE) return undefined;
  const reqLen = view.getUint16(off + KS_OFF.reqLen, true);
  const respLen = view.getUint16(off + KS_OFF.respLen, true);
  const reqStart = off + KS_HEADER_SIZE;
  const respStart = respAt === undefined ? reqStart + reqLen : off + respAt;
  if (reqStart + reqLen > off + len || respStart + respLen > off + len) return undefined;
  if (into !== undefined) {
    into.refill(view, bytes, off, reqStart, reqLen, respStart, respLen);
    return into;
  }
  return new KsRecord(view, bytes, off, reqStart, reqLen, respStart, respLen);
}

/**
 * A decoded record (made by decodeRecord). The numbers every span needs are read at once; the rest (the four
 * timestamps, which recordToSpan reads as 32-bit halves, and the captures, which the HTTP parser reads in place)
 * are read from the record bytes when asked for, saving BigInts and Buffer views per record. Fields are not
 * readonly only so that one object can be refilled (decodeRecord's `into`): nothing else writes them.
 */
export class KsRecord {
  reqBytes = 0;
  respBytes = 0;
  reqHeadLen = 0;
  respHeadLen = 0;
  tgid = 0;
  fd = 0;
  seq = 0;
  lport = 0;
  rport = 0;
  family = 0;
  status = 0;
  role = 0;
  /** KS_REASON_* without the aggregated and sampled-out bits. */
  reason = 0;
  /** Also counted in a kernel series (KS_REASON_AGGREGATED): the span must not reach metrics pipelines. */
  aggregated = false;
  /** Not sampled by the kernel (KS_REASON_SAMPLED_OUT): the span's flags are 00. */
  sampledOut = false;
  method = 0;
  flags = 0;
  /** KS_PROTO_*: 0 HTTP/1, else the wire protocol (src/capture/wire.ts). */
  proto = 0;
  /** Offsets into `bytes` of the two addresses (16 bytes each; IPv4 in the first 4). */
  laddrAt = 0;
  raddrAt = 0;
  /** The record's bytes as a DataView, the record at `off` (fields at KS_OFF, to read without a BigInt). */
  view: DataView;
  bytes: Buffer;
  off = 0;
  /** The request capture is bytes[reqAt, reqAt + reqLen). */
  reqAt = 0;
  reqLen = 0;
  private respStart = 0;
  private respLen = 0;
  #response: Buffer | undefined;

  constructor(view: DataView, bytes: Buffer, off: number, reqAt: number, reqLen: number, respStart: number, respLen: number) {
    this.view = view;
    this.bytes = bytes;
    this.refill(view, bytes, off, reqAt, reqLen, respStart, respLen);
  }

  /** Makes this the record at `off` (decodeRecord's `into`). */
  refill(view: DataView, bytes: Buffer, off: number, reqAt: number, reqLen: number, respStart: number, respLen: number): void {
    this.view = view;
    this.bytes = bytes;
    this.off = off;
    this.reqAt = reqAt;
    this.reqLen = reqLen;
    this.respStart = respStart;
    this.respLen = respLen;
    this.#response = undefined;
    this.reqBytes = u64(view, off + KS_OFF.reqBytes);
    this.respBytes = u64(view, off + KS_OFF.respBytes);
    this.reqHeadLen = view.getUint32(off + KS_OFF.reqHead, true);
    this.respHeadLen = view.getUint32(off + KS_OFF.respHead, true);
    this.tgid = view.getUint32(off + KS_OFF.tgid, true);
    this.fd = view.getInt32(off + KS_OFF.fd, true);
    this.seq = view.getUint32(off + KS_OFF.seq, true);
    this.lport = view.getUint16(off + KS_OFF.lport, true);
    this.rport = view.getUint16(off + KS_OFF.rport, true);
    this.family = view.getUint16(off + KS_OFF.family, true);
    this.status = view.getUint16(off + KS_OFF.status, true);
    this.role = view.getUint8(off + KS_OFF.role);
    const reason = view.getUint8(off + KS_OFF.reason);
    this.reason = reason & ~(KS_REASON_AGGREGATED | KS_REASON_SAMPLED_OUT);
    this.aggregated = (reason & KS_REASON_AGGREGATED) !== 0;
    this.sampledOut = (reason & KS_REASON_SAMPLED_OUT) !== 0;
    this.method = view.getUint8(off + KS_OFF.method);
    this.flags = view.getUint8(off + KS_OFF.flags);
    this.proto = view.getUint8(off + KS_OFF.proto);
    this.laddrAt = off + KS_OFF.laddr;
    this.raddrAt = off + KS_OFF.raddr;
  }

  /** The thread that started the request (3 bytes, little-endian): in-process nesting needs it. */
  get tid(): number {
    const at = this.off + KS_OFF.tid;
    return this.view.getUint8(at) | (this.view.getUint8(at + 1) << 8) | (this.view.getUint8(at + 2) << 16);
  }

  /**
   * The trace context the kernel gave this request (context propagation, bpf/include/ks_tctx.h): for a client
   * request, the ids of the traceparent header injected into it. Undefined when the kernel gave none.
   */
  get kernelTrace(): { traceId: string; spanId: string; parentSpanId: string } | undefined {
    const at = this.off + KS_OFF.spanId;
    if (this.view.getUint32(at, true) === 0 && this.view.getUint32(at + 4, true) === 0) return undefined;
    const hex = (from: number, n: number) => this.bytes.toString('hex', from, from + n);
    const parent = hex(this.off + KS_OFF.parentId, 8);
    return { traceId: hex(this.off + KS_OFF.traceId, 16), spanId: hex(at, 8), parentSpanId: parent === ZERO_SPAN ? '' : parent };
  }

  /** A client connection's first request: when its thread called connect() (CLOCK_MONOTONIC ns); 0n when not seen. */
  get connectNs(): bigint {
    const at = this.off + KS_OFF.connect;
    if (this.view.getUint32(at, true) === 0 && this.view.getUint32(at + 4, true) === 0) return 0n;
    return this.view.getBigUint64(at, true);
  }

  get startNs(): bigint {
    return this.view.getBigUint64(this.off + KS_OFF.start, true);
  }

  /** 0n when there was no response. */
  get endNs(): bigint {
    return this.view.getBigUint64(this.off + KS_OFF.end, true);
  }

  get respStartNs(): bigint {
    return this.view.getBigUint64(this.off + KS_OFF.respStart, true);
  }

  get lastNs(): bigint {
    return this.view.getBigUint64(this.off + KS_OFF.last, true);
  }

  /** The request capture: a view of bytes[reqAt, reqAt + reqLen). */
  get request(): Buffer {
    return this.bytes.subarray(this.reqAt, this.reqAt + this.reqLen);
  }

  get response(): Buffer {
    return (this.#response ??= this.bytes.subarray(this.respStart, this.respStart + this.respLen));
  }
}

const ZERO_SPAN = '0'.repeat(16);

/** A u64 byte count as a number (exact below 2^53). */
function u64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x1_0000_0000;
}
