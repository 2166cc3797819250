import type { Batch } from '../model/batch.js';
import { cloneBatch, cloneSpan, cloneSpanNameAndRoute } from '../model/clone.js';
import type { Pipeline } from './pipeline.js';

/** A pipeline a receiver feeds, with what its processors may do to the batches they get. */
export interface Route {
  readonly pipeline: Pipeline;
  /** It has processors, which may mutate what they get. */
  readonly mutating: boolean;
  /** Its processors all declare writing only span names and http.route (ProcessorFactory.spanWrites), or it has none. */
  readonly nameAndRouteOnly: boolean;
}

/**
 * Hands one receiver batch to every pipeline that accepts its kind. The first pipeline with processors gets the
 * original; other pipelines with processors get their own clone; pipelines without processors (exporters only
 * read) share one more clone, or the original if no processor can touch it. Copies share a span's connection,
 * trace and attributes when no pipeline of this batch writes more than names and routes.
 */
export function fanOut(batch: Batch, routes: readonly Route[], receiver: string): void {
  let originalTaken = false;
  let shared: Batch | undefined;
  const anyMutating = routes.some((r) => r.pipeline.accepts(batch.kind) && r.mutating);
  const copy = routes.every((r) => !r.pipeline.accepts(batch.kind) || r.nameAndRouteOnly) ? cloneSpanNameAndRoute : cloneSpan;
  for (const r of routes) {
    if (!r.pipeline.accepts(batch.kind)) continue;
    if (r.mutating) {
      r.pipeline.push(originalTaken ? cloneBatch(batch, copy) : batch, receiver);
      originalTaken = true;
    } else {
      shared ??= anyMutating ? cloneBatch(batch, copy) : batch;
      r.pipeline.push(shared, receiver);
    }
  }
}
