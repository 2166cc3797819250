import { FLAG, FRAME, FrameReader, type Frame } from './frames.js';
import { HpackDecoder, type HeaderBlock } from './hpack.js';

/** One side of a stream: what one peer sent on it. */
export interface StreamHalf {
  /** Pseudo-headers and the few headers spans use (the first block's, trailers' merged in). */
  headers: Map<string, string>;
  /** Header fields that could not be decoded (table entries from before capture, a lost block). */
  unknown: number;
  /** Header blocks seen (2: headers and trailers). */
  blocks: number;
  /** DATA payload bytes (padding included, as on the wire). */
  dataBytes: number;
  ended: boolean;
  /** Monotonic ns of the first frame's call start, and of the last frame's call end (0n: nothing yet). */
  firstNs: bigint;
  lastNs: bigint;
}

/** A finished stream: a request and its response, as far as they were seen. */
export interface Http2Call {
  streamId: number;
  /** The half the request travelled in: 'out' = this process wrote it (a client), 'in' = it read it (a server). */
  requestSide: 'in' | 'out';
  request: StreamHalf;
  response: StreamHalf;
  /** How the stream ended: both sides ended it, a RST_STREAM (error code), or the connection ended first. */
  end: 'complete' | 'reset' | 'closed';
  resetCode: number;
}

/** Headers a span uses; the rest are decoded (the table needs it) and dropped. */
const KEPT = new Set([':method', ':path', ':authority', ':scheme', ':status', 'content-type', 'traceparent', 'grpc-status', 'grpc-message', 'host']);
const MAX_STREAMS = 4096;
const MAX_BLOCK = 256 * 1024;

interface Stream {
  id: number;
  out: StreamHalf;
  in: StreamHalf;
}

interface Direction {
  reader: FrameReader;
  hpack: HpackDecoder;
  /** A header block being continued (HEADERS without END_HEADERS, then CONTINUATION). */
  block: { streamId: number; parts: Buffer[]; size: number; push: boolean } | undefined;
}

/**
 * One HTTP/2 connection seen from one process: the frames of both directions (FrameReader), HPACK per
 * direction, streams multiplexed by id; finished streams are handed out as calls. `role`: 'server' when this
 * process accepted the connection, 'client', or undefined (joined mid-way: each stream's request side is the
 * one whose headers carry :method). `fromStart`: the capture began with the connection (else both tables are
 * incomplete: see HpackDecoder).
 */
export class Http2Connection {
  private readonly dirs: Record<'in' | 'out', Direction>;
  private readonly streams = new Map<number, Stream>();
  /** Streams dropped because MAX_STREAMS were open (never reported). */
  dropped = 0;

  constructor(readonly role: 'server' | 'client' | undefined, fromStart: boolean) {
    const dir = (): Direction => ({ reader: new FrameReader(), hpack: new HpackDecoder(fromStart), block: undefined });
    this.dirs = { in: dir(), out: dir() };
  }

  /** Record loss seen by the caller before any byte (the first record is not the connection's first). */
  joinedLate(): void {
    this.lossless = false;
  }

  /** No byte of the connection has been lost so far (see fromStart()). */
  private lossless = true;

  /**
   * The capture is known to hold the connection from its first frame (the preface came after the server's first
   * frames): unless something was lost since, every table entry has been seen, so the tables are complete.
   */
  fromStart(): void {
    if (!this.lossless) return;
    this.dirs.in.hpack.complete = true;
    this.dirs.out.hpack.complete = true;
  }

  /**
   * The connection began as HTTP/1.1 and switched by `Upgrade: h2c` (RFC 7540 §3.2): the upgrade request is
   * stream 1, already complete, sent by `side`; only its response comes as HTTP/2 frames.
   */
  upgraded(side: 'in' | 'out', startNs: bigint, endNs: bigint): void {
    this.half(1, side, startNs, endNs).ended = true;
  }

  /** Some bytes of the connection were lost: frames resume at the next header, both tables are incomplete. */
  lose(side: 'in' | 'out', skip: number): void {
    this.lossless = false;
    for (const s of ['in', 'out'] as const) {
      this.dirs[s].hpack.lose();
      this.dirs[s].block = undefined;
    }
    this.dirs[side].reader.resync(skip);
  }

  /** Feeds one record's compacted frames of one direction; finished streams are appended to `out`. */
  push(side: 'in' | 'out', bytes: Buffer, startNs: bigint, endNs: bigint, out: Http2Call[]): void {
    this.dirs[side].reader.push(bytes, (f) => this.frame(side, f, startNs, endNs, out));
  }

  /** The connection ended: streams still open are finished as they are. */
  close(out: Http2Call[]): void {
    for (const s of this.streams.values()) this.finish(s, 'closed', 0, out);
    this.streams.clear();
  }

  get openStreams(): number {
    return this.streams.size;
  }

  private frame(side: 'in' | 'out', f: Frame, startNs: bigint, endNs: bigint, out: Http2Call[]): void {
    const d = this.dirs[side];
    if (d.block && f.type !== FRAME.continuation) {
      // a block must be continued at once (RFC 9113 §6.10): it was not, so its fields are lost
      this.blockLost(side);
    }
    switch (f.type) {
      case FRAME.headers:
      case FRAME.pushPromise: {
        if (f.streamId === 0) return;
        const push = f.type === FRAME.pushPromise;
        const half = push ? undefined : this.half(f.streamId, side, startNs, endNs);
        if (half && f.flags & FLAG.endStream) half.ended = true;
        if (!f.payload) {
          this.blockLost(side, half);
          break;
        }
        const frag = fragment(f, push);
        if (!frag) {
          this.blockLost(side, half);
          break;
        }
        d.block = { streamId: f.streamId, parts: [frag], size: frag.length, push };
        if (f.flags & FLAG.endHeaders) this.blockDone(side);
        break;
      }
      case FRAME.continuation: {
        const b = d.block;
        if (!b || b.streamId !== f.streamId || !f.payload || b.size + f.payload.length > MAX_BLOCK) {
          this.blockLost(side, b && !b.push ? this.streams.get(b.streamId)?.[side] : undefined);
          break;
        }
        b.parts.push(f.payload);
        b.size += f.payload.length;
        if (f.flags & FLAG.endHeaders) this.blockDone(side);
        break;
      }
      case FRAME.data: {
        if (f.streamId === 0) return;
        const s = this.streams.get(f.streamId);
        if (!s) return; // a stream we never saw open (mid-way capture): nothing known to report
        const half = s[side];
        half.dataBytes += f.length;
        half.lastNs = endNs;
        if (f.flags & FLAG.endStream) half.ended = true;
        break;
      }
      case FRAME.rstStream: {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        const code = f.payload && f.payload.length >= 4 ? f.payload.readUInt32BE(0) : 0;
        s[side].lastNs = endNs;
        this.streams.delete(s.id);
        this.finish(s, 'reset', code, out);
        return;
      }
      default:
        return;
    }
    const s = this.streams.get(f.streamId);
    if (s && s.in.ended && s.out.ended && !d.block) {
      this.streams.delete(s.id);
      this.finish(s, 'complete', 0, out);
    }
  }

  /** The half of stream `id` written by `side`, the stream created on its first HEADERS. */
  private half(id: number, side: 'in' | 'out', startNs: bigint, endNs: bigint): StreamHalf {
    let s = this.streams.get(id);
    if (!s) {
      if (this.streams.size >= MAX_STREAMS) {
        const oldest = this.streams.keys().next().value as number;
        this.streams.delete(oldest);
        this.dropped++;
      }
      s = { id, out: newHalf(), in: newHalf() };
      this.streams.set(id, s);
    }
    const h = s[side];
    if (h.firstNs === 0n) h.firstNs = startNs;
    h.lastNs = endNs;
    return h;
  }

  private blockDone(side: 'in' | 'out'): void {
    const d = this.dirs[side];
    const b = d.block!;
    d.block = undefined;
    const bytes = b.parts.length === 1 ? b.parts[0]! : Buffer.concat(b.parts);
    const decoded = d.hpack.decode(bytes);
    if (b.push) return;
    const half = this.streams.get(b.streamId)?.[side];
    if (!half) return;
    half.blocks++;
    if (!decoded) {
      half.unknown++;
      return;
    }
    keep(half, decoded);
  }

  /** A header block that cannot be decoded: the direction's table is lost with it. */
  private blockLost(side: 'in' | 'out', half?: StreamHalf): void {
    const d = this.dirs[side];
    d.block = undefined;
    d.hpack.lose();
    if (half) {
      half.blocks++;
      half.unknown++;
    }
  }

  private finish(s: Stream, end: Http2Call['end'], resetCode: number, out: Http2Call[]): void {
    const requestSide = this.requestSide(s);
    if (!requestSide) return; // neither side said which it is: not reported (not guessed)
    const response = requestSide === 'in' ? s.out : s.in;
    out.push({ streamId: s.id, requestSide, request: s[requestSide], response, end, resetCode });
  }

  private requestSide(s: Stream): 'in' | 'out' | undefined {
    if (this.role === 'server') return 'in';
    if (this.role === 'client') return 'out';
    if (s.in.headers.has(':method') || s.out.headers.has(':status')) return 'in';
    if (s.out.headers.has(':method') || s.in.headers.has(':status')) return 'out';
    return undefined;
  }
}

function newHalf(): StreamHalf {
  return { headers: new Map(), unknown: 0, blocks: 0, dataBytes: 0, ended: false, firstNs: 0n, lastNs: 0n };
}

function keep(half: StreamHalf, block: HeaderBlock): void {
  half.unknown += block.unknown;
  for (const f of block.fields) {
    if (f.name === undefined || f.value === undefined) continue;
    if (KEPT.has(f.name) && !half.headers.has(f.name)) half.headers.set(f.name, f.value);
  }
}

/** The header block fragment of a HEADERS or PUSH_PROMISE payload (padding, priority, promised id removed). */
function fragment(f: Frame, push: boolean): Buffer | undefined {
  const p = f.payload!;
  let start = 0;
  let end = p.length;
  if (f.flags & FLAG.padded) {
    if (p.length < 1) return undefined;
    end -= p[0]!;
    start = 1;
  }
  if (push) start += 4;
  else if (f.flags & FLAG.priority) start += 5;
  if (start > end) return undefined;
  return p.subarray(start, end);
}
