import type { Batch } from './batch.js';
import type { Flow } from './flow.js';
import type { Measurement } from './measurement.js';
import type { Span } from './span.js';

/**
 * Fan-out copies: when one receiver feeds several pipelines whose processors may mutate spans, each extra
 * pipeline gets a shallow clone (the item objects and their mutable parts — http, connection, trace,
 * attributes — are copied; the interned Service is shared, it is read-only).
 */
export function cloneBatch(batch: Batch, spanCopy: (s: Span) => Span = cloneSpan): Batch {
  switch (batch.kind) {
    case 'spans':
      return withSelection({ kind: 'spans', items: batch.items.map(spanCopy) }, batch);
    case 'flows':
      return withSelection({ kind: 'flows', items: batch.items.map(cloneFlow) }, batch);
    case 'measurements':
      return withSelection({ kind: 'measurements', items: batch.items.map(cloneMeasurement) }, batch);
  }
}

export function cloneSpan(s: Span): Span {
  const c: Span = { ...s, connection: { ...s.connection }, trace: { ...s.trace }, attributes: { ...s.attributes } };
  if (s.http) c.http = { ...s.http };
  return c;
}

/**
 * The copy for pipelines whose processors write nothing but the span's name and http.route
 * (ProcessorFactory.spanWrites): the span and its http object are copied; connection, trace and attributes,
 * which nothing downstream writes then, are shared.
 */
export function cloneSpanNameAndRoute(s: Span): Span {
  const c: Span = { ...s };
  if (s.http) c.http = { ...s.http };
  return c;
}

export function cloneFlow(f: Flow): Flow {
  return { ...f, attributes: { ...f.attributes } };
}

export function cloneMeasurement(m: Measurement): Measurement {
  return { ...m, attributes: { ...m.attributes } };
}

function withSelection<B extends Batch>(copy: B, from: Batch): B {
  if (from.selection) copy.selection = from.selection;
  return copy;
}
