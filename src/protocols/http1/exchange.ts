import type { ConnectionTuple, Span } from '../../model/span.js';
import type { Service } from '../../model/service.js';
import { newSpanId, newTraceId } from './ids.js';
import { redactQuery as defaultRedact } from './redact.js';
import { newHead, parseRequestHead, type Http1Reject, type RequestHead } from './request.js';
import { parseResponseHead, type ResponseHead } from './response.js';
import { parseTraceparent } from './traceparent.js';

/**
 * One observed HTTP/1.x request/response, independent of where the bytes came from (socket syscalls, TLS
 * library uprobes): the first bytes of both messages, what was seen on the wire, when, and between whom.
 */
export interface Http1Exchange {
  kind: 'server' | 'client';
  scheme: 'http' | 'https';
  /** The first bytes of the request (at least its request line). */
  request: Uint8Array;
  /** When given, the request is request[requestStart, requestEnd) (a larger buffer, read in place). */
  requestStart?: number;
  requestEnd?: number;
  /** The first bytes of the final response; empty when there was none. */
  response: Uint8Array;
  /** Request bytes seen in total (head + body); -1 when unknown. */
  requestBytes: number;
  responseBytes: number;
  /** Head lengths measured on the full byte stream (0 = unknown): they win over the capture's when it is cut. */
  requestHeadLength?: number;
  responseHeadLength?: number;
  /** The request's Content-Length as the capturer's own scan read it (-1 = none), when the capture is cut before it. */
  requestContentLength?: number;
  /** Final status known by the capturer (e.g. BPF); 0 = no response; undefined = parse it from `response`. */
  status?: number;
  startUnixNano: bigint;
  endUnixNano: bigint;
  connection: ConnectionTuple;
  service: Service;
}

export interface Http1SpanOptions {
  /** Redacts secret query values (default: redactQuery with the built-in secret names). */
  redactQuery?: (query: string) => string;
}

/**
 * Builds the Span of an exchange: method, path, redacted query, status, body sizes, Host, and the trace
 * context (a valid traceparent in the request makes this span its child; otherwise a new trace).
 * Returns why not when the request bytes are not an HTTP/1 request (no span must be made then).
 */
export function http1Span(x: Http1Exchange, options: Http1SpanOptions = {}): Span | Http1Reject {
  const req = parseRequestHead(x.request, x.requestStart ?? 0, x.requestEnd ?? x.request.length, HEAD);
  if (typeof req === 'string') return req;
  // The capturer's status and head length make parsing the response unnecessary (the common, fast case).
  const known = x.status !== undefined && (x.status === 0 || (x.responseHeadLength ?? 0) > 0);
  const resp = known ? undefined : finalResponse(x.response);
  const status = x.status ?? (resp ? resp.status : 0);
  const tp = req.traceparent ? parseTraceparent(req.traceparent) : undefined;
  const redact = options.redactQuery ?? defaultRedact;
  return {
    kind: x.kind,
    protocol: 'http',
    startUnixNano: x.startUnixNano,
    endUnixNano: x.endUnixNano < x.startUnixNano ? x.startUnixNano : x.endUnixNano,
    service: x.service,
    connection: x.connection,
    trace: tp
      ? { traceId: tp.traceId, spanId: newSpanId(), parentSpanId: tp.parentId, flags: tp.flags }
      : { traceId: newTraceId(), spanId: newSpanId(), parentSpanId: '', flags: 1 },
    name: '',
    http: {
      method: req.method,
      path: req.path,
      query: req.query ? redact(req.query) : '',
      route: '',
      status,
      scheme: x.scheme,
      requestBodySize: requestBodySize(x, req),
      responseBodySize: status === 0 ? 0 : bodySize(x.responseBytes, x.responseHeadLength || (resp?.headLength ?? 0),
        resp?.contentLength ?? -1, req.method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304),
      host: req.host,
      protocolVersion: req.version || undefined,
    },
    attributes: {},
  };
}

/** The request head http1Span parses into, refilled per call (it copies the fields it keeps into the span). */
const HEAD = newHead('');

/** The final response's head: skips 1xx interim responses when the capture holds them. */
function finalResponse(bytes: Uint8Array): ResponseHead | undefined {
  let at = 0;
  for (let i = 0; i < 4 && at < bytes.length; i++) {
    const r = parseResponseHead(bytes, at);
    if (typeof r === 'string') return undefined;
    if (r.status >= 200 || r.status === 101 || r.headLength === 0) return r;
    at += r.headLength;
  }
  return undefined;
}

/**
 * The request body's size: what its Content-Length declares (from the capture, else the probe's own scan),
 * whether or not the server read it all — a server may answer (413, 401) before reading a body, and its span
 * is emitted then; without Content-Length (chunked), the body bytes seen.
 */
function requestBodySize(x: Http1Exchange, req: RequestHead): number {
  const declared = req.contentLength >= 0 ? req.contentLength : x.requestContentLength ?? -1;
  if (declared >= 0) return declared;
  return bodySize(x.requestBytes, x.requestHeadLength || req.headLength, -1, false);
}

/** Body bytes: the bytes seen after the head when both are known, else Content-Length, else 0. */
function bodySize(total: number, headLength: number, contentLength: number, noBody: boolean): number {
  if (noBody) return 0;
  if (total >= 0 && headLength > 0 && total >= headLength) return total - headLength;
  return contentLength > 0 ? contentLength : 0;
}

export type { RequestHead, ResponseHead };
