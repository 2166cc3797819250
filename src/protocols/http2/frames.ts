/**
 * HTTP/2 frames (RFC 9113 §4) as the kernel forwards them (bpf/include/ks_http2.h): every frame header, and
 * the payload of the frame types below when it is at most KEEP_MAX bytes; DATA and the rest as headers only.
 * A direction's records, concatenated, are that compacted stream; FrameReader cuts it back into frames.
 */
export const FRAME = {
  data: 0, headers: 1, priority: 2, rstStream: 3, settings: 4, pushPromise: 5, ping: 6, goaway: 7, windowUpdate: 8, continuation: 9,
} as const;

export const FLAG = { endStream: 0x1, ack: 0x1, endHeaders: 0x4, padded: 0x8, priority: 0x20 } as const;

/** bpf/include/ks_http2.h KS_H2_KEEP_MAX. */
export const KEEP_MAX = 16384;

/** Does the kernel forward this frame's payload? (The same rule as ks_h2_kept.) */
export function payloadKept(type: number, length: number): boolean {
  if (length > KEEP_MAX) return false;
  return type === FRAME.headers || type === FRAME.continuation || type === FRAME.pushPromise || type === FRAME.rstStream ||
    type === FRAME.settings || type === FRAME.goaway;
}

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  /** The frame's payload length on the wire. */
  length: number;
  /** The payload when kept (payloadKept), else undefined. */
  payload: Buffer | undefined;
}

/**
 * Cuts one direction's compacted stream into frames, whatever the record boundaries. After a lost record,
 * resync(skip) starts again at the next frame header: `skip` bytes continue a payload begun before.
 */
export class FrameReader {
  private head = Buffer.alloc(9);
  private headLen = 0;
  private frame: Frame | undefined;
  private parts: Buffer[] = [];
  private have = 0;
  private skip = 0;

  resync(skip: number): void {
    this.headLen = 0;
    this.frame = undefined;
    this.parts = [];
    this.have = 0;
    this.skip = skip;
  }

  /** Feeds bytes; calls onFrame for each frame completed by them. */
  push(bytes: Buffer, onFrame: (f: Frame) => void): void {
    let at = 0;
    if (this.skip) {
      const k = Math.min(this.skip, bytes.length);
      this.skip -= k;
      at = k;
    }
    while (at < bytes.length) {
      const f = this.frame;
      if (f) {
        const want = f.length - this.have;
        const k = Math.min(want, bytes.length - at);
        this.parts.push(bytes.subarray(at, at + k));
        this.have += k;
        at += k;
        if (this.have === f.length) {
          f.payload = this.parts.length === 1 ? Buffer.from(this.parts[0]!) : Buffer.concat(this.parts);
          this.frame = undefined;
          this.parts = [];
          this.have = 0;
          onFrame(f);
        }
        continue;
      }
      const k = Math.min(9 - this.headLen, bytes.length - at);
      bytes.copy(this.head, this.headLen, at, at + k);
      this.headLen += k;
      at += k;
      if (this.headLen < 9) break;
      this.headLen = 0;
      const h = this.head;
      const frame: Frame = {
        length: (h[0]! << 16) | (h[1]! << 8) | h[2]!,
        type: h[3]!,
        flags: h[4]!,
        streamId: h.readUInt32BE(5) & 0x7fff_ffff,
        payload: undefined,
      };
      if (payloadKept(frame.type, frame.length) && frame.length > 0) this.frame = frame;
      else {
        if (payloadKept(frame.type, frame.length)) frame.payload = EMPTY;
        onFrame(frame);
      }
    }
  }
}

const EMPTY = Buffer.alloc(0);
