import type { Pending } from './pending.js';
import type { TraceJoiner } from './joiner.js';

/**
 * Gives a span that left the joiner the trace of its root and its parent's span id. Its own span id is kept.
 * Returns whether it was linked.
 */
export function applyParent(joiner: TraceJoiner, p: Pending): boolean {
  const parent = joiner.parentOf(p);
  if (!parent) return false;
  const root = joiner.rootOf(parent);
  const t = p.span.trace;
  t.traceId = root.span.trace.traceId;
  t.flags = root.span.trace.flags;
  t.parentSpanId = parent.span.trace.spanId;
  return true;
}
