import type { Batch } from '../model/batch.js';

/**
 * The bounded queue in front of a pipeline: receivers push without ever blocking, the pipeline drains on a later
 * turn of the event loop. Bounded in items; a batch that does not fit is dropped whole and reported through
 * `onDrop` (the engine counts it in lumen_queue_dropped_items_total). A batch larger than the whole capacity is
 * still accepted into an empty queue, so an oversized batch is never refused forever.
 */
export class BoundedQueue {
  private readonly batches: Batch[] = [];
  private head = 0;
  private items = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    readonly capacity: number,
    private readonly deliver: (batch: Batch) => void,
    private readonly onDrop: (batch: Batch, reason: 'full' | 'closed') => void,
  ) {}

  /** Items currently queued (the lumen_queue_items gauge). */
  get size(): number {
    return this.items;
  }

  push(batch: Batch): boolean {
    const n = batch.items.length;
    if (this.closed) {
      this.onDrop(batch, 'closed');
      return false;
    }
    if (this.items > 0 && this.items + n > this.capacity) {
      this.onDrop(batch, 'full');
      return false;
    }
    this.batches.push(batch);
    this.items += n;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainScheduled);
    }
    return true;
  }

  /** Delivers everything queued now, synchronously (used at shutdown, after receivers stopped). */
  drain(): void {
    while (this.head < this.batches.length) {
      const batch = this.batches[this.head]!;
      this.batches[this.head++] = undefined as unknown as Batch;
      this.items -= batch.items.length;
      this.deliver(batch);
    }
    this.batches.length = 0;
    this.head = 0;
  }

  /** Drains and refuses further batches. */
  close(): void {
    this.drain();
    this.closed = true;
  }

  private readonly drainScheduled = (): void => {
    this.scheduled = false;
    // Only what was queued when this turn began: batches pushed by the pipeline itself wait for the next turn.
    const end = this.batches.length;
    while (this.head < end) {
      const batch = this.batches[this.head]!;
      this.batches[this.head++] = undefined as unknown as Batch;
      this.items -= batch.items.length;
      this.deliver(batch);
    }
    if (this.head >= this.batches.length) {
      this.batches.length = 0;
      this.head = 0;
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainScheduled);
    }
  };
}
