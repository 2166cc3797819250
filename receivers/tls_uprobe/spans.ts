import type { Span } from '../../src/model/span.js';
import type { Service } from '../../src/model/service.js';
import type { Http1Reject } from '../../src/protocols/http1/index.js';
import type { MonotonicClock } from '../kernel_socket/clock.js';
import type { KsRecord } from '../kernel_socket/record.js';
import { recordToSpan } from '../kernel_socket/spans.js';

/**
 * A record of this object's HTTP/1 machine → its span: kernel_socket's record → span conversion (the shared
 * HTTP/1 parser underneath), marked url.scheme=https since the bytes were decrypted ones.
 */
export function tlsRecordToSpan(r: KsRecord, service: Service, clock: MonotonicClock): Span | Http1Reject {
  const s = recordToSpan(r, service, clock);
  if (typeof s !== 'string' && s.http) s.http.scheme = 'https';
  return s;
}
