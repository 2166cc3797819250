import { CR, LF, SP, asBuffer } from './bytes.js';
import { scanHeaders, type HeadFields } from './headers.js';
import { isHttp1Version, type Http1Reject } from './request.js';

export interface ResponseHead extends HeadFields {
  /** '1.0' or '1.1'. */
  version: string;
  status: number;
  /** The capture ended inside the status line. */
  truncated: boolean;
}

/**
 * Parses the head of an HTTP/1.x response from a prefix of its bytes. The status line must be complete up to
 * the status code; the reason phrase and the headers may be cut.
 */
export function parseResponseHead(bytes: Uint8Array, start = 0, end = bytes.length): ResponseHead | Http1Reject {
  const b = asBuffer(bytes);
  if (end - start < 12 || !isHttp1Version(b, start)) return 'not_http';
  if (b[start + 8] !== SP) return 'bad_status_line';
  const d0 = b[start + 9]! - 48, d1 = b[start + 10]! - 48, d2 = b[start + 11]! - 48;
  if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return 'bad_status_line';
  const head: ResponseHead = {
    host: '', traceparent: '', tracestate: '', contentLength: -1, chunked: false, headLength: 0,
    version: b[start + 7] === 49 ? '1.1' : '1.0', status: d0 * 100 + d1 * 10 + d2, truncated: true,
  };
  const after = start + 12;
  if (after < end && b[after] !== SP && b[after] !== CR && b[after] !== LF) return 'bad_status_line';
  let lf = after;
  while (lf < end && b[lf] !== LF) lf++;
  if (lf >= end) return head;
  head.truncated = false;
  return scanHeaders(b, lf + 1, end, start, head) ? head : 'bad_header';
}
