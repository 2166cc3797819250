/**
 * HTTP/2 and gRPC from the frames the connection machine forwards (bpf/include/ks_http2.h): frame layer,
 * HPACK (static + dynamic tables per direction, Huffman), streams, trailers, and the span of each call. Pure:
 * no I/O; used by kernel_socket (cleartext) and tls_uprobe (decrypted bytes) through src/capture/http2.ts.
 */
export { FrameReader, FRAME, FLAG, KEEP_MAX, payloadKept, type Frame } from './frames.js';
export { HpackDecoder, type HeaderBlock, type HeaderField } from './hpack.js';
export { huffmanDecode, huffmanEncode } from './huffman.js';
export { Http2Connection, type Http2Call, type StreamHalf } from './connection.js';
export { http2Span, type Http2SpanInput } from './span.js';
export { asksForH2c, upgradedStreamSpan } from './upgrade.js';
export { GRPC_STATUS_NAMES, grpcMethod } from './grpc.js';
