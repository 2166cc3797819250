import { CR, LF, SP, asBuffer, isTargetByte, isTokenByte } from './bytes.js';
import { scanHeaders, type HeadFields } from './headers.js';
import { internMethod } from './methods.js';
import { StringCache } from './strings.js';

/** Paths repeat (the same endpoints): decoded once per distinct recent path. */
const paths = new StringCache('utf8');

/** Why bytes were not accepted as an HTTP/1 message head. */
export type Http1Reject = 'not_http' | 'bad_request_line' | 'bad_status_line' | 'bad_header';

export interface RequestHead extends HeadFields {
  method: string;
  /** The request-target as sent (origin, absolute, authority or asterisk form). */
  target: string;
  /** Path without query or fragment ('/' for an absolute-form URL without a path). */
  path: string;
  /** Raw query string without '?' ('' when none), not redacted. */
  query: string;
  /** '1.0' or '1.1'; '' when the capture ended inside the request line. */
  version: string;
  /** The capture ended before the end of the request line: target and path may be cut. */
  truncated: boolean;
}

const MAX_METHOD = 24;

/**
 * Parses the head of an HTTP/1.x request from a prefix of its bytes (a capture may stop anywhere).
 * Returns the head, or why the bytes are not an HTTP/1 request. `into`: a head to refill instead of a new one (every
 * field is set again; http1Span's, which copies what it keeps: an object fewer per span).
 */
export function parseRequestHead(bytes: Uint8Array, start = 0, end = bytes.length, into?: RequestHead): RequestHead | Http1Reject {
  const b = asBuffer(bytes);
  let i = start;
  const mlimit = Math.min(end, start + MAX_METHOD + 1);
  while (i < mlimit && isTokenByte(b[i]!)) i++;
  if (i === start || i >= end || b[i] !== SP) return 'not_http';
  const method = methodAt(b, start, i);
  const ts = i + 1;
  let te = ts;
  let q = -1;
  let hash = -1;
  let h = 0; // hash of the bytes before the first '?' or '#' (the path in origin form)
  for (; te < end; te++) {
    const c = b[te]!;
    if (c === SP || c === CR || c === LF) break;
    if (!isTargetByte(c)) return 'bad_request_line';
    if (c === 63 && q < 0 && hash < 0) q = te; // '?'
    else if (c === 35 && hash < 0) hash = te; // '#'
    else if (q < 0 && hash < 0) h = (h * 31 + c) | 0;
  }
  if (te === ts) return te >= end ? 'not_http' : 'bad_request_line';
  const head = into === undefined ? newHead(method) : refillHead(into, method);
  if (b[ts] === 47 /* '/' */) {
    // origin-form, the common case: split without intermediate strings
    const pe = q >= 0 ? q : hash >= 0 ? hash : te;
    head.path = paths.getHashed(b, ts, pe, h);
    head.query = q >= 0 ? b.toString('utf8', q + 1, hash >= 0 ? hash : te) : '';
    head.target = pe === te ? head.path : b.toString('utf8', ts, te);
  } else {
    head.target = b.toString('utf8', ts, te);
    splitTarget(head);
  }
  if (te >= end) return head;
  if (b[te] !== SP) return 'bad_request_line';
  const vs = te + 1;
  if (end - vs < 8) return head; // cut inside the version
  if (!isHttp1Version(b, vs)) return 'bad_request_line';
  head.version = b[vs + 7] === 49 ? '1.1' : '1.0';
  let eol = vs + 8;
  if (eol < end && b[eol] === CR) eol++;
  if (eol >= end) return head;
  if (b[eol] !== LF) return 'bad_request_line';
  head.truncated = false;
  return scanHeaders(b, eol + 1, end, start, head) ? head : 'bad_header';
}

/** A RequestHead with every field present (one object shape for all heads). */
export function newHead(method: string): RequestHead {
  return {
    host: '', traceparent: '', tracestate: '', contentLength: -1, chunked: false, headLength: 0,
    method, target: '', path: '', query: '', version: '', truncated: true,
  };
}

function refillHead(h: RequestHead, method: string): RequestHead {
  h.host = h.traceparent = h.tracestate = h.target = h.path = h.query = h.version = '';
  h.contentLength = -1;
  h.chunked = false;
  h.headLength = 0;
  h.method = method;
  h.truncated = true;
  return h;
}

/** The method string: the interned constant for well-known methods (no allocation), else a new string. */
function methodAt(b: Buffer, s: number, e: number): string {
  const n = e - s;
  const c0 = b[s];
  let m: string | undefined;
  if (n === 3) m = c0 === 71 ? 'GET' : c0 === 80 ? 'PUT' : undefined;
  else if (n === 4) m = c0 === 80 ? 'POST' : c0 === 72 ? 'HEAD' : undefined;
  else if (n === 5) m = c0 === 80 ? 'PATCH' : c0 === 84 ? 'TRACE' : undefined;
  else if (n === 6) m = c0 === 68 ? 'DELETE' : undefined;
  else if (n === 7) m = c0 === 79 ? 'OPTIONS' : c0 === 67 ? 'CONNECT' : undefined;
  if (m !== undefined) {
    for (let k = 1; k < n; k++) if (b[s + k] !== m.charCodeAt(k)) return internMethod(b.toString('latin1', s, e));
    return m;
  }
  return internMethod(b.toString('latin1', s, e));
}

/** "HTTP/1.0" or "HTTP/1.1" at b[i]. */
export function isHttp1Version(b: Buffer, i: number): boolean {
  return b[i] === 72 && b[i + 1] === 84 && b[i + 2] === 84 && b[i + 3] === 80 && b[i + 4] === 47 &&
    b[i + 5] === 49 && b[i + 6] === 46 && (b[i + 7] === 48 || b[i + 7] === 49);
}

/** Fills path and query from target: origin-form, absolute-form (scheme://authority/path), '*', authority. */
function splitTarget(head: RequestHead): void {
  let t = head.target;
  if (head.method === 'CONNECT' || t === '*') {
    head.path = t.slice(t.lastIndexOf('@') + 1); // authority form: no userinfo either
    return;
  }
  const scheme = t.indexOf('://');
  if (scheme > 0 && t[0] !== '/') {
    const slash = t.indexOf('/', scheme + 3);
    const q = t.indexOf('?', scheme + 3);
    const from = slash < 0 ? q : q < 0 ? slash : Math.min(slash, q);
    t = from < 0 ? '/' : t[from] === '?' ? `/${t.slice(from)}` : t.slice(from);
  }
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(0, hash);
  const q = t.indexOf('?');
  head.path = (q < 0 ? t : t.slice(0, q)) || '/';
  head.query = q < 0 ? '' : t.slice(q + 1);
}
