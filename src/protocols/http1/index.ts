/**
 * The shared HTTP/1.x parser: request and response heads from prefix captures, and the Span of an exchange.
 * Used by receivers/kernel_socket (socket syscalls) and the TLS receivers (decrypted bytes).
 */
export { parseRequestHead, isHttp1Version, type RequestHead, type Http1Reject } from './request.js';
export { parseResponseHead, type ResponseHead } from './response.js';
export { emptyHeadFields, type HeadFields } from './headers.js';
export { parseTraceparent, type TraceParent } from './traceparent.js';
export { http1Span, type Http1Exchange, type Http1SpanOptions } from './exchange.js';
export { redactQuery, DEFAULT_SECRET_PARAMS, REDACTED } from './redact.js';
export { methodFromCode, internMethod, METHOD_BY_CODE } from './methods.js';
export { newTraceId, newSpanId } from './ids.js';
