import type { ConnectionTuple, Span } from '../../model/span.js';
import type { Service } from '../../model/service.js';
import { newSpanId, newTraceId, parseTraceparent, redactQuery } from '../http1/index.js';
import type { Http2Call } from './connection.js';
import { GRPC_SERVER_ERRORS, GRPC_STATUS_NAMES, grpcMethod } from './grpc.js';

export interface Http2SpanInput {
  call: Http2Call;
  scheme: 'http' | 'https';
  /** Unix ns of the request's first frame and of the response's last (or the last seen frame). */
  startUnixNano: bigint;
  endUnixNano: bigint;
  connection: ConnectionTuple;
  service: Service;
}

/**
 * A finished HTTP/2 stream → its span. gRPC (content-type application/grpc*, a /Service/Method path): protocol
 * grpc, named by the fully-qualified method, rpc.* attributes, status from grpc-status (trailers, or the headers
 * of a trailers-only response). Otherwise an HTTP span like HTTP/1's with network.protocol.version 2. What was
 * not seen is flagged, never invented: lumen.http2.headers_unknown counts header fields the capture could not
 * decode (a connection joined mid-way), lumen.http2.end says a stream was reset or cut by the connection's end.
 */
export function http2Span(x: Http2SpanInput): Span {
  const { call } = x;
  const req = call.request.headers;
  const resp = call.response.headers;
  const kind = call.requestSide === 'in' ? 'server' : 'client';
  const method = req.get(':method') ?? '';
  const rawPath = req.get(':path') ?? '';
  const q = rawPath.indexOf('?');
  const path = q >= 0 ? rawPath.slice(0, q) : rawPath;
  const contentType = req.get('content-type') ?? resp.get('content-type') ?? '';
  const rpc = contentType.startsWith('application/grpc') ? grpcMethod(path) : undefined;
  const attributes: Span['attributes'] = {};
  const unknown = call.request.unknown + call.response.unknown;
  if (unknown) attributes['lumen.http2.headers_unknown'] = unknown;
  if (call.end !== 'complete') attributes['lumen.http2.end'] = call.end === 'reset' ? `reset:${call.resetCode}` : 'connection_closed';
  const tp = req.has('traceparent') ? parseTraceparent(req.get('traceparent')!) : undefined;
  const trace = tp
    ? { traceId: tp.traceId, spanId: newSpanId(), parentSpanId: tp.parentId, flags: tp.flags }
    : { traceId: newTraceId(), spanId: newSpanId(), parentSpanId: '', flags: 1 };
  const status = Number(resp.get(':status') ?? 0) || 0;
  const base = { kind, startUnixNano: x.startUnixNano, endUnixNano: x.endUnixNano < x.startUnixNano ? x.startUnixNano : x.endUnixNano, service: x.service, connection: x.connection, trace } as const;
  if (rpc !== undefined || (contentType === '' && method === 'POST' && grpcMethod(path) && resp.has('grpc-status'))) {
    const m = rpc ?? path.slice(1);
    attributes['rpc.system.name'] = 'grpc';
    attributes['rpc.method'] = m;
    const gs = resp.get('grpc-status');
    const code = gs !== undefined && /^\d{1,2}$/.test(gs) ? Number(gs) : undefined;
    if (code !== undefined) {
      attributes['rpc.grpc.status_code'] = code;
      attributes['rpc.response.status_code'] = GRPC_STATUS_NAMES[code] ?? String(code);
      if (code !== 0 && (kind === 'client' || GRPC_SERVER_ERRORS.has(code))) attributes['error.type'] = GRPC_STATUS_NAMES[code] ?? String(code);
    } else {
      // no status seen: a reset stream, a connection that ended, or trailers we could not decode
      attributes['error.type'] = call.end === 'reset' ? 'CANCELLED' : 'incomplete';
    }
    if (status && status !== 200) attributes['http.response.status_code'] = status;
    attributes['rpc.request.body.size'] = call.request.dataBytes;
    attributes['rpc.response.body.size'] = call.response.dataBytes;
    return { ...base, protocol: 'grpc', name: m, attributes };
  }
  return {
    ...base,
    protocol: 'http',
    name: '',
    http: {
      method: method || '_OTHER',
      path,
      query: q >= 0 ? redactQuery(rawPath.slice(q + 1)) : '',
      route: '',
      status,
      scheme: x.scheme,
      requestBodySize: call.request.dataBytes,
      responseBodySize: call.response.dataBytes,
      host: req.get(':authority') ?? req.get('host') ?? '',
      protocolVersion: '2',
    },
    attributes,
  };
}
