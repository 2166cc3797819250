/**
 * A minimal single-pass protobuf writer over a growable Buffer. Nested messages reserve one length byte and are
 * shifted right in place when they turn out longer than 127 bytes (a memmove of the message, cheaper than the
 * size-estimation pass a two-pass writer needs). Strings are written with Buffer's native UTF-8 encoder.
 */
export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
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

  fixed64(v: bigint): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.pos);
    this.pos += 8;
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

  /** Length-delimited bytes from a hex string (trace and span ids). */
  hex(h: string): void {
    const n = h.length >>> 1;
    this.ensure(n + 1);
    this.buf[this.pos++] = n;
    this.pos += this.buf.write(h, this.pos, n, 'hex');
  }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
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
