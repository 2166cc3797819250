import { COLON, HT, SP, equalsLower, indexOfLf, lineEnd, parseDecimal, skipOws, trimOwsEnd } from './bytes.js';

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
  while (i < end) {
    const lf = indexOfLf(b, i, end);
    if (lf < 0) return true; // last line cut off by the capture
    const le = lineEnd(b, i, lf);
    if (le === i) {
      out.headLength = lf + 1 - origin;
      return true;
    }
    if (b[i] === SP || b[i] === HT) {
      i = lf + 1; // obsolete line folding: a continuation of the previous value
      continue;
    }
    const colon = b.indexOf(COLON, i);
    if (colon < 0 || colon >= le || colon === i || b[colon - 1] === SP || b[colon - 1] === HT) return false;
    const vs = skipOws(b, colon + 1, le);
    const ve = trimOwsEnd(b, vs, le);
    readField(b, i, colon, vs, ve, out);
    i = lf + 1;
  }
  return true;
}

function readField(b: Buffer, ns: number, ne: number, vs: number, ve: number, out: HeadFields): void {
  switch (ne - ns) {
    case 4:
      if (equalsLower(b, ns, ne, 'host')) out.host = b.toString('latin1', vs, ve);
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
