import type { Batch, SpanBatch } from '../model/batch.js';
import { cloneBatch, cloneSpan, cloneSpanNameAndRoute } from '../model/clone.js';
import type { Span } from '../model/span.js';
import type { Signal } from '../component/contract.js';
import type { Pipeline } from './pipeline.js';

/** A pipeline a receiver feeds, with what its processors may do to the batches they get. */
export interface Route {
  readonly pipeline: Pipeline;
  /** It has processors, which may mutate what they get. */
  readonly mutating: boolean;
  /** Its processors all declare writing only span names and http.route (ProcessorFactory.spanWrites), or it has none. */
  readonly nameAndRouteOnly: boolean;
  /**
   * Set when every processor of it declares sharesSpans: its processor ids. Pipelines with the same group process the
   * same span objects (ProcessorFactory.sharesSpans), so they need no copies of each other's spans.
   */
  readonly spanGroup?: string;
}

/**
 * Hands one receiver batch to every pipeline that accepts its kind. The first pipeline with processors gets the
 * original; other pipelines with processors get their own clone — or, in the first one's span group (the same
 * processors, which share spans: the default traces and metrics pipelines), the same spans in their own items array;
 * pipelines without processors (exporters only read) share one more clone, or the original if no processor can touch
 * it. Copies share a span's connection, trace and attributes when no pipeline of this batch writes more than names and
 * routes.
 * Spans of kernel aggregation go by signal: an aggregate span (many requests' metrics) only to metrics pipelines,
 * a span whose request is already in a kernel series only to traces pipelines (no request counted twice).
 */
export function fanOut(batch: Batch, routes: readonly Route[], receiver: string): void {
  let originalTaken = false;
  let originalGroup: string | undefined;
  let shared: Batch | undefined;
  const anyMutating = routes.some((r) => r.pipeline.accepts(batch.kind) && r.mutating);
  const copy = routes.every((r) => !r.pipeline.accepts(batch.kind) || r.nameAndRouteOnly) ? cloneSpanNameAndRoute : cloneSpan;
  const bySignal = batch.kind === 'spans' && batch.items.some(kernelAggregationSpan);
  // Every pipeline's batch is made before any is pushed: a push may process its batch at once (a queue past
  // FLUSH_AT_ITEMS), and its processors mutate the original spans and drop items from the original array.
  const outs: { pipeline: Pipeline; batch: Batch }[] = [];
  for (const r of routes) {
    if (!r.pipeline.accepts(batch.kind)) continue;
    let out: Batch;
    if (r.mutating) {
      if (!originalTaken) {
        out = batch;
        originalTaken = true;
        originalGroup = r.spanGroup;
      } else if (batch.kind === 'spans' && r.spanGroup !== undefined && r.spanGroup === originalGroup) out = sameSpans(batch);
      else out = cloneBatch(batch, copy);
    } else {
      shared ??= anyMutating ? cloneBatch(batch, copy) : batch;
      out = shared;
    }
    if (bySignal) {
      out = spansFor(out as SpanBatch, r.pipeline.signal);
      if (!out.items.length) continue;
    }
    outs.push({ pipeline: r.pipeline, batch: out });
  }
  for (const o of outs) o.pipeline.push(o.batch, receiver);
}

/** A batch of the same span objects in a new items array (processors may remove items in place). */
function sameSpans(batch: SpanBatch): SpanBatch {
  const out: SpanBatch = { kind: 'spans', items: batch.items.slice() };
  if (batch.selection) out.selection = batch.selection;
  return out;
}

function kernelAggregationSpan(s: Span): boolean {
  return s.aggregate !== undefined || s.countedInKernel === true;
}

/** The spans of `batch` pipelines of `signal` get (a new batch; the spans are not copied). */
function spansFor(batch: SpanBatch, signal: Signal): SpanBatch {
  const items = signal === 'metrics'
    ? batch.items.filter((s) => s.countedInKernel !== true)
    : batch.items.filter((s) => s.aggregate === undefined);
  const out: SpanBatch = { kind: 'spans', items };
  if (batch.selection) out.selection = batch.selection;
  return out;
}
