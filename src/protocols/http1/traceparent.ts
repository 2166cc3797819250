/** A parsed W3C traceparent header (https://www.w3.org/TR/trace-context/#traceparent-header). */
export interface TraceParent {
  traceId: string;
  /** The caller's span id: the parent of the span we create. */
  parentId: string;
  flags: number;
}

const HEX = /^[0-9a-f]+$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Parses "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>". Later versions are read by their first four
 * fields as the spec asks; version ff, upper-case hex, all-zero ids and wrong lengths are invalid (undefined).
 */
export function parseTraceparent(value: string): TraceParent | undefined {
  const v = value.trim();
  if (v.length < 55) return undefined;
  const version = v.slice(0, 2);
  if (!HEX.test(version) || version === 'ff') return undefined;
  if (version === '00' ? v.length !== 55 : v.length > 55 && v[55] !== '-') return undefined;
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return undefined;
  const traceId = v.slice(3, 35);
  const parentId = v.slice(36, 52);
  const flags = v.slice(53, 55);
  if (!HEX.test(traceId) || !HEX.test(parentId) || !HEX.test(flags)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, parentId, flags: parseInt(flags, 16) };
}
