import { filter, map, type OperatorFunction } from 'rxjs';
import type { Batch, SpanBatch } from '../../src/model/batch.js';

/**
 * Applies `process` to span batches (which may mutate them and shrink `items`) and passes other batches
 * through untouched. Batches left empty are not passed on.
 */
export function spanOperator(process: (batch: SpanBatch) => SpanBatch): OperatorFunction<Batch, Batch> {
  return (source) =>
    source.pipe(
      map((batch) => (batch.kind === 'spans' ? process(batch) : batch)),
      filter((batch) => batch.items.length > 0),
    );
}

/** Keeps the items `keep` accepts, in order, compacting the array in place; returns how many were removed. */
export function retainInPlace<T>(items: T[], keep: (item: T) => boolean): number {
  let w = 0;
  for (let r = 0; r < items.length; r++) {
    const item = items[r]!;
    if (keep(item)) items[w++] = item;
  }
  const removed = items.length - w;
  items.length = w;
  return removed;
}
