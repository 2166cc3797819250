import { COLON, CR, HT, LF, SP, equalsLower, parseDecimal, skipOws, trimOwsEnd } from './bytes.js';
import { StringCache } from './strings.js';

/** Host values repeat: decoded once per distinct recent value. */
const hosts = new StringCache('latin1', 64);

/** The header fields Lumen reads from an HTTP/1 message head; the rest are skipped without copying. */
export interface HeadFields {
  /** Host header ('' when absent). */
  host: string;
  /** W3C traceparent header, raw ('' when absent). */
  traceparent: string;
  /** W3C tracestate header, raw ('' when absent). */
  tracestate: string;
  /** Content-Length, -1 when absent or invalid. */
  contentLength: number;
  /** Transfer-Encoding ends with chunked. */
  chunked: boolean;
  /** Length of the whole head including the blank line; 0 when the blank line is not in the bytes. */
  headLength: number;
}

export function emptyHeadFields(): HeadFields {
  return { host: '', traceparent: '', tracestate: '', contentLength: -1, chunked: false, headLength: 0 };
}

/**
 * Reads header lines from b[i, end) into `out` until the blank line (sets headLength relative to `origin`) or
 * the end of the bytes (a cut-off last line is ignored: captures are prefixes). Returns false for a complete
 * line that is not a header field (no colon, empty or spaced name).
 */
export function scanHeaders(b: Buffer, i: number, end: number, origin: number, out: HeadFields): boolean {
  // Byte loops rather than indexOf: header lines are short, and a JIT-compiled loop beats a native call per line.
  while (i < end) {
    let lf = i;
    while (lf < end && b[lf] !== LF) lf++;
    if (lf >= end) return true; // last line cut off by the capture
    const le = lf > i && b[lf - 1] === CR ? lf - 1 : lf;
    if (le === i) {
      out.headLength = lf + 1 - origin;
      return true;
    }
    const c0 = b[i];
    if (c0 === SP || c0 === HT) {
      i = lf + 1; // obsolete line folding: a continuation of the previous value
      continue;
    }
    let colon = i;
    while (colon < le && b[colon] !== COLON) colon++;
    if (colon === le || colon === i || b[colon - 1] === SP || b[colon - 1] === HT) return false;
    const n = colon - i;
    if (n === 4 || n === 10 || n === 11 || n === 14 || n === 17) {
      const vs = skipOws(b, colon + 1, le);
      readField(b, i, colon, vs, trimOwsEnd(b, vs, le), out);
    }
    i = lf + 1;
  }
  return true;
}

/**
 * Where a Host value's host starts: after the last '@'. `Host: user:pw@shop` is not valid HTTP, but clients send
 * it, and the credentials must not become `server.address` or a metric label (nothing before the '@' is kept).
 */
function afterUserinfo(b: Buffer, vs: number, ve: number): number {
  for (let i = ve - 1; i >= vs; i--) if (b[i] === 64 /* '@' */) return i + 1;
  return vs;
}

function readField(b: Buffer, ns: number, ne: number, vs: number, ve: number, out: HeadFields): void {
  switch (ne - ns) {
    case 4:
      if (equalsLower(b, ns, ne, 'host')) out.host = hosts.get(b, afterUserinfo(b, vs, ve), ve);
      return;
    case 10:
      if (equalsLower(b, ns, ne, 'tracestate')) out.tracestate = b.toString('latin1', vs, ve);
      return;
    case 11:
      if (equalsLower(b, ns, ne, 'traceparent')) out.traceparent = b.toString('latin1', vs, ve);
      return;
    case 14:
      if (equalsLower(b, ns, ne, 'content-length')) out.contentLength = parseDecimal(b, vs, ve);
      return;
    case 17:
      if (equalsLower(b, ns, ne, 'transfer-encoding')) out.chunked = endsWithChunked(b, vs, ve);
      return;
  }
}

/** Transfer-Encoding's final coding is chunked (RFC 9112 §6.3). */
function endsWithChunked(b: Buffer, vs: number, ve: number): boolean {
  return ve - vs >= 7 && equalsLower(b, ve - 7, ve, 'chunked');
}
