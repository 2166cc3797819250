import type { CaptureProtocol } from './protocol.js';
import { recordToSpan } from './spans.js';

/**
 * HTTP/1.x over the connection machine: every record of the machine without a wire protocol is one (the kernel
 * recognised its request line); the span comes from the shared HTTP/1 parser (src/protocols/http1). `scheme`: https when the bytes are
 * decrypted ones (tls_uprobe).
 */
export function http1Protocol(scheme: 'http' | 'https'): CaptureProtocol {
  return {
    name: 'http1',
    detect: (record) => record.proto === 0,
    toSpan: (record, service, clock) => recordToSpan(record, service, clock, scheme),
  };
}
