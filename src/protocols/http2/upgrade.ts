import type { Span } from '../../model/span.js';

/** Whether an HTTP/1.1 request head asks to switch to cleartext HTTP/2 (an `Upgrade` header listing h2c). */
export function asksForH2c(head: Buffer): boolean {
  return UPGRADE_H2C.test(head.toString('latin1'));
}
const UPGRADE_H2C = /\r\nupgrade:[^\r\n]*\bh2c\b/i;

/**
 * The span of an h2c upgrade request (stream 1): the request as its HTTP/1.1 span saw it (method, path, query,
 * host, body, trace context, start), the response as its HTTP/2 stream's span saw it (status, body, end, flags).
 */
export function upgradedStreamSpan(request: Span, response: Span): Span {
  const h = response.http;
  return {
    ...request,
    endUnixNano: response.endUnixNano > request.startUnixNano ? response.endUnixNano : request.startUnixNano,
    http: { ...request.http!, status: h?.status ?? 0, responseBodySize: h?.responseBodySize ?? 0, protocolVersion: '2' },
    attributes: { ...request.attributes, ...response.attributes },
  };
}
