import type { Span } from '../../src/model/span.js';
import type { SamplerName } from './config.js';

const TWO_21 = 2097152;
const TWO_53 = 9007199254740992;

/**
 * Where a trace id falls in [0, 1): its last 8 bytes as an unsigned 64-bit fraction (top 53 bits, exact
 * in a double) — the bytes
 * the OpenTelemetry SDKs' TraceIdRatioBased sampler uses, so every agent and SDK keeps the same traces.
 */
export function traceIdPosition(traceId: string): number {
  if (traceId.length !== 32) return 0;
  const hi = Number.parseInt(traceId.slice(16, 24), 16);
  const lo = Number.parseInt(traceId.slice(24, 32), 16);
  if (Number.isNaN(hi) || Number.isNaN(lo)) return 0;
  return (hi * TWO_21 + (lo >>> 11)) / TWO_53;
}

/** The head-sampling decision for a span. */
export type Sampler = (span: Span) => boolean;

export function createSampler(name: SamplerName, ratio: number): Sampler {
  const byRatio: Sampler = ratio >= 1 ? () => true : ratio <= 0 ? () => false : (s) => traceIdPosition(s.trace.traceId) < ratio;
  const root: Sampler = name.endsWith('always_on') ? () => true : name.endsWith('always_off') ? () => false : byRatio;
  if (!name.startsWith('parentbased_')) return root;
  // A span with a parent came with a trace context (an incoming traceparent or its local parent's):
  // follow that context's sampled flag; roots get the root sampler.
  return (s) => (s.trace.parentSpanId !== '' ? (s.trace.flags & 1) === 1 : root(s));
}
