import type { Span } from '../../src/model/span.js';
import { formatTimeSlow, goDuration, HEX2, method, path, secondOf, secondPrefix, spanType, status, svc, token } from './text.js';

/**
 * The text lines of spans ("\n"-terminated) as UTF-8 bytes, written piece by piece straight into one buffer — the one
 * writer of the span line, Beyla's print_traces layout (DESIGN.md §4):
 * `<start> (<total>[<processing>]) <Type> <status> <method> <path> [<client>:<port>]->[<server>:<port>] size:<n>B svc=[<name> <lang>] traceparent=[00-<trace>-<span>[<parent>]-<flags>]`
 * Times are UTC. Client and server are in request direction: for a server span the peer is the client.
 * print-traces.test.ts checks it against that layout written as a template string, for any span. The line is never
 * built as a string: numbers (nanoseconds, durations, ports, status, size) become digits in the buffer instead of strings, the
 * duration is written once and copied, and ASCII strings are copied by a loop — the line string (a tree of ~30
 * parts V8 flattens to encode it) was most of print_traces' cost under load.
 */
export function spanLinesUtf8(spans: readonly Span[], into = new LineWriter(spans.length * 256)): Buffer {
  into.pos = 0;
  for (let i = 0; i < spans.length; i++) writeSpanLine(into, spans[i]!);
  return into.buf.subarray(0, into.pos);
}

function writeSpanLine(o: LineWriter, s: Span): void {
  const nanos = secondOf(s.startUnixNano);
  if (nanos < 0) o.str(formatTimeSlow(s.startUnixNano));
  else {
    o.str(secondPrefix);
    o.pad9(nanos);
  }
  o.byte(0x20); // ' '
  o.byte(0x28); // '('
  const at = o.pos;
  writeDuration(o, s.endUnixNano - s.startUnixNano);
  const end = o.pos;
  o.byte(0x5b); // '['
  o.copy(at, end);
  o.str(']) ');
  o.str(spanType(s));
  o.byte(0x20);
  const h = s.http;
  if (h) o.num(h.status);
  else o.str(status(s));
  o.byte(0x20);
  o.str(token(method(s)));
  o.byte(0x20);
  o.str(token(path(s)));
  const c = s.connection;
  if (s.kind === 'server' || s.kind === 'consumer') {
    o.str(' [');
    endpoint(o, c.peerAddress, c.peerPort);
    o.str(']->[');
    endpoint(o, c.hostAddress, c.hostPort);
  } else {
    o.str(' [');
    endpoint(o, c.hostAddress, c.hostPort);
    o.str(']->[');
    endpoint(o, c.peerAddress, c.peerPort);
  }
  o.str('] size:');
  o.num(h?.requestBodySize ?? 0);
  o.str('B svc=[');
  o.str(svc(s.service));
  o.str('] traceparent=[00-');
  const t = s.trace;
  o.str(t.traceId);
  o.byte(0x2d); // '-'
  o.str(t.spanId);
  o.byte(0x5b);
  o.str(t.parentSpanId || '0000000000000000');
  o.str(']-');
  o.str(HEX2[t.flags & 0xff]!);
  o.str(']\n');
}

function endpoint(o: LineWriter, address: string, port: number): void {
  o.str(address);
  o.byte(0x3a); // ':'
  o.num(port);
}

/** goDuration(ns), below a second from the number's digits (exact in a double). */
function writeDuration(o: LineWriter, ns: bigint): void {
  if (!(ns > 0n && ns < 1_000_000_000n)) return o.str(goDuration(ns));
  const d = Number(ns);
  if (d < 1_000) {
    o.num(d);
    o.str('ns');
  } else if (d < 1_000_000) {
    fraction(o, d, 1_000, 3);
    o.byte(0xc2); // 'µ' (U+00B5) in UTF-8
    o.byte(0xb5);
    o.byte(0x73); // 's'
  } else {
    fraction(o, d, 1_000_000, 6);
    o.str('ms');
  }
}

/** value / unit as Go prints it: the fraction without trailing zeros (`digits` = log10(unit)). */
function fraction(o: LineWriter, value: number, unit: number, digits: number): void {
  const whole = Math.floor(value / unit);
  let rest = value - whole * unit;
  o.num(whole);
  if (rest === 0) return;
  while (rest % 10 === 0) {
    rest /= 10;
    digits--;
  }
  o.byte(0x2e); // '.'
  o.digits(rest, digits);
}

/** The decimal digits of a non-negative integer. */
function widthOf(n: number): number {
  let width = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) width++;
  return width;
}

/** A growable byte buffer for text lines (spanLinesUtf8 writes from its start: reusable once its bytes are written out). */
export class LineWriter {
  buf: Buffer;
  pos = 0;

  constructor(initial: number) {
    this.buf = Buffer.allocUnsafe(Math.max(initial, 256));
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** A string as UTF-8: copied when ASCII, else Buffer's encoder (lone surrogates become U+FFFD, as Buffer.from gives). */
  str(s: string): void {
    const len = s.length;
    this.ensure(len * 3);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128) {
        this.pos += b.write(s, this.pos, 'utf8');
        return;
      }
      b[p++] = c;
    }
    this.pos = p;
  }

  /** String(n): digits for a non-negative safe integer, the string otherwise. */
  num(n: number): void {
    if (n >= 0 && n < 10 && (n | 0) === n) return this.byte(48 + n); // sizes of 0, one-digit values
    if (!(n >= 0 && Number.isSafeInteger(n))) return this.str(String(n));
    // Ports, statuses, sizes, durations: the width by comparisons, not a division per digit.
    const width = n < 1e5 ? (n < 100 ? 2 : n < 1000 ? 3 : n < 1e4 ? 4 : 5) : n < 1e9 ? (n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : 9) : widthOf(n);
    this.digits(n, width);
  }

  /** The nanoseconds of a second, zero-padded to 9 digits. */
  pad9(n: number): void {
    this.digits(n, 9);
  }

  /** A non-negative integer as exactly `width` decimal digits (zero-padded; width ≥ its digit count). */
  digits(n: number, width: number): void {
    this.ensure(width);
    const b = this.buf;
    if (n <= 0x7fffffff) {
      // Int32 arithmetic (nanoseconds of a second, ports, statuses): no floating-point division per digit.
      for (let i = this.pos + width - 1; i >= this.pos; i--) {
        const q = (n / 10) | 0;
        b[i] = 48 + (n - q * 10);
        n = q;
      }
      this.pos += width;
      return;
    }
    for (let i = this.pos + width - 1; i >= this.pos; i--) {
      const q = Math.floor(n / 10);
      b[i] = 48 + (n - q * 10);
      n = q;
    }
    this.pos += width;
  }

  /** Appends a copy of bytes [from, to) already written (a few bytes: a loop costs less than copyWithin's call). */
  copy(from: number, to: number): void {
    this.ensure(to - from);
    const b = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) b[p++] = b[i]!;
    this.pos = p;
  }
}
