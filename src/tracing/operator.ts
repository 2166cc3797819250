import { Observable, type OperatorFunction } from 'rxjs';
import type { AttributeSelection } from '../model/attribute-selection.js';
import { spanBatch, type Batch } from '../model/batch.js';
import type { Span } from '../model/span.js';
import { TraceJoiner, type JoinerOptions } from './joiner.js';
import type { Pending } from './pending.js';

/**
 * The joiner as an RxJS stage: span batches go in and are held for the window; what `onLeave` makes of the
 * spans that leave (in arrival order) comes out. Other batches pass at once, and so do span batches with
 * `passThrough` (the stage then only adds what onLeave returns). A timer drains; completion drains everything.
 */
export function joinerOperator(opts: JoinerOptions & { passThrough?: boolean }, onLeave: (joiner: TraceJoiner, left: Pending[], selection: AttributeSelection | undefined) => Batch[], now: () => number = Date.now): OperatorFunction<Batch, Batch> {
  return (source) =>
    new Observable<Batch>((sub) => {
      const joiner = new TraceJoiner(opts);
      let selection: AttributeSelection | undefined;
      const drain = (all: boolean): void => {
        const left = joiner.drain(now(), all);
        if (left.length === 0) return;
        for (const b of onLeave(joiner, left, selection)) sub.next(b);
      };
      const timer = setInterval(() => drain(false), Math.max(10, Math.min(250, opts.waitMs / 4)));
      timer.unref();
      const inner = source.subscribe({
        next(batch) {
          if (batch.kind !== 'spans') return sub.next(batch);
          selection = batch.selection ?? selection;
          joiner.add(batch.items, now());
          if (opts.passThrough) sub.next(batch);
          if (joiner.held > opts.maxSpans) drain(false);
        },
        error(err) {
          clearInterval(timer);
          drain(true);
          sub.error(err);
        },
        complete() {
          clearInterval(timer);
          drain(true);
          sub.complete();
        },
      });
      return () => {
        clearInterval(timer);
        inner.unsubscribe();
      };
    });
}

/** A span batch of the spans that left, with the attribute selection the input carried. */
export function leftBatch(left: Pending[], selection?: AttributeSelection): Batch {
  const b = spanBatch(left.map((p): Span => p.span));
  if (selection) b.selection = selection;
  return b;
}
