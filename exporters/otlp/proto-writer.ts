/**
 * A minimal single-pass protobuf writer over a growable Buffer. Nested messages reserve one length byte and are
 * shifted right in place when they turn out longer than 127 bytes (a memmove of the message, cheaper than the
 * size-estimation pass a two-pass writer needs). Strings are written with Buffer's native UTF-8 encoder.
 */
/** Hex digit value by character code, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[65 + i] = HEX_VALUE[97 + i] = 10 + i;

const SCRATCH_BYTES = new Uint8Array(8);
const SCRATCH = new DataView(SCRATCH_BYTES.buffer);

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  /** `initial`: a size, or a Buffer to write into (one given back for reuse; grown like any other). */
  constructor(initial: number | Buffer = 64 * 1024) {
    this.buf = typeof initial === 'number' ? Buffer.allocUnsafe(initial) : initial;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned varint for 0 ≤ v < 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const b = this.buf;
    if (v <= 0x7fffffff) {
      // 31 bits: integer shifts (ports, sizes, status codes, lengths).
      while (v > 127) {
        b[this.pos++] = (v & 127) | 128;
        v >>>= 7;
      }
      b[this.pos++] = v;
      return;
    }
    while (v > 127) {
      b[this.pos++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[this.pos++] = v;
  }

  /** int64 varint: negative values as 10-byte two's complement. */
  int64(v: number): void {
    if (v >= 0) return this.varint(v);
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x > 127n) {
      this.buf[this.pos++] = Number(x & 127n) | 128;
      x >>= 7n;
    }
    this.buf[this.pos++] = Number(x);
  }

  /**
   * v modulo 2^64, little-endian. DataView.setBigUint64 takes v modulo 2^64 itself and allocates nothing (the
   * halves asUintN(32, v) and v >> 32n are two to three new BigInts per timestamp); the bytes are then copied.
   */
  fixed64(v: bigint): void {
    this.ensure(8);
    SCRATCH.setBigUint64(0, v, true);
    const b = this.buf;
    for (let i = 0; i < 8; i++) b[this.pos++] = SCRATCH_BYTES[i]!;
  }

  fixed32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Length-delimited UTF-8 string (without its tag). */
  string(s: string): void {
    this.ensure(s.length * 3 + 5);
    const len = s.length;
    if (len < 128) {
      // Short strings (methods, paths, addresses) are copied here when ASCII: a native write costs more per call.
      const b = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 128) break;
        b[p++] = c;
      }
      if (i === len) {
        b[this.pos] = len;
        this.pos = p;
        return;
      }
    }
    const n = this.buf.write(s, this.pos + 1, 'utf8');
    if (n < 128) {
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    const start = this.pos;
    this.pos += 1 + n;
    this.close(start);
  }

  /**
   * Length-delimited bytes from a hex string (trace and span ids), decoded here; a string that is not all hex
   * digits goes through Buffer's decoder (which stops at the first bad pair, the length byte still says n).
   */
  hex(h: string): void {
    const n = h.length >>> 1;
    this.ensure(n + 1);
    const b = this.buf;
    const start = this.pos;
    b[start] = n;
    let p = start + 1;
    for (let i = 0; i < n; i++) {
      const hi = HEX_VALUE[h.charCodeAt(2 * i)] ?? -1;
      const lo = HEX_VALUE[h.charCodeAt(2 * i + 1)] ?? -1;
      if ((hi | lo) < 0) {
        this.pos = start + 1;
        this.pos += b.write(h, this.pos, n, 'hex');
        return;
      }
      b[p++] = (hi << 4) | lo;
    }
    this.pos = p;
  }

  raw(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n > 64) {
      this.buf.set(b, this.pos);
      this.pos += n;
      return;
    }
    // Attribute keys and other short prefixes: a loop beats TypedArray.set's per-call cost.
    const out = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) out[p++] = b[i]!;
    this.pos = p;
  }

  /** Starts a nested message: reserves one length byte, returns the position to close(). */
  open(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the nested message's length at `start`, shifting the body when the varint needs more bytes. */
  close(start: number): void {
    const len = this.pos - start - 1;
    if (len < 128) {
      this.buf[start] = len;
      return;
    }
    let extra = 1;
    for (let v = len >>> 14; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    this.pos += extra;
    let v = len;
    let p = start;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
