import type { Span } from '../model/span.js';
import type { Service } from '../model/service.js';
import type { MonotonicClock } from './clock.js';
import type { KsRecord } from './record.js';

/**
 * An application protocol as the capture loop sees it: detect (is this record this protocol's?), then parse
 * and map it to a span. HTTP/1 is detected and framed in the kernel (bpf/include/ks_http1.h), so its detect
 * is the record's own word; a protocol parsed in TypeScript (HTTP/2, PostgreSQL) detects from the captured
 * bytes. The loop asks each protocol in order; the first that detects a record maps it.
 */
export interface CaptureProtocol {
  /** Lower-case protocol name (logs, docs). */
  readonly name: string;
  detect(record: KsRecord): boolean;
  /** The record's span, or why it is not one (a short reason, counted as a parse error). Called once per
   * record on the hot path: no allocation beyond the span itself. */
  toSpan(record: KsRecord, service: Service, clock: MonotonicClock): Span | string;
  /** When present, used instead of toSpan: a record that holds several operations (a Redis pipeline) appends
   * each span to `out` (none for an exchange without operations, e.g. a login); returns why not, or undefined. */
  toSpans?(record: KsRecord, service: Service, clock: MonotonicClock, out: Span[]): string | undefined;
}
