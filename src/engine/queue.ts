import type { Batch } from '../model/batch.js';

/**
 * Queued items past which a push delivers what is queued at once instead of on the next turn. The ring consumer
 * hands JS every batch it read while JS was busy (up to 16 of 256 KiB, ~600 spans each) in one turn; queued until
 * the next turn, all their spans stayed alive through several young-generation GCs, which promoted them: the old
 * generation grew by ~4 MB per scavenge until a full GC (the agent's RSS peaks of 160-175 MiB under load) and the
 * scavenges copied thousands of live spans. bench/pipeline/span-cost.ts --batch 600 --turn-batches 16: old space
 * 22-79 → 17-19 MiB, 7.3-8.2 → 3.7-4.0 µs/span; 2048 still promoted in some runs (a span lived ~4 ring batches).
 */
export const FLUSH_AT_ITEMS = 512;

/**
 * The bounded queue in front of a pipeline: receivers push without ever blocking, the pipeline drains on a later
 * turn of the event loop — or at once when `flushAt` items are queued (FLUSH_AT_ITEMS says why), unless the push
 * comes from inside this queue's own delivery. Bounded in items; a batch that does not fit is dropped whole and
 * reported through `onDrop` (the engine counts it in lumen_queue_dropped_items_total). A batch larger than the
 * whole capacity is still accepted into an empty queue, so an oversized batch is never refused forever.
 */
export class BoundedQueue {
  private readonly batches: Batch[] = [];
  private head = 0;
  private items = 0;
  private scheduled = false;
  private closed = false;
  private delivering = false;

  constructor(
    readonly capacity: number,
    private readonly deliver: (batch: Batch) => void,
    private readonly onDrop: (batch: Batch, reason: 'full' | 'closed') => void,
    private readonly flushAt = FLUSH_AT_ITEMS,
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
    if (this.items >= this.flushAt && !this.delivering) {
      this.deliverUpTo(this.batches.length);
      return true;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainScheduled);
    }
    return true;
  }

  /** Delivers everything queued now, synchronously (used at shutdown, after receivers stopped). */
  drain(): void {
    while (this.head < this.batches.length) this.deliverUpTo(this.batches.length);
  }

  /** Drains and refuses further batches. */
  close(): void {
    this.drain();
    this.closed = true;
  }

  private readonly drainScheduled = (): void => {
    this.scheduled = false;
    // Only what was queued when this turn began: batches pushed by the pipeline itself wait for the next turn.
    this.deliverUpTo(this.batches.length);
    if (this.head < this.batches.length && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainScheduled);
    }
  };

  /** Delivers the batches before index `end`; forgets the array once nothing is left. */
  private deliverUpTo(end: number): void {
    const outer = this.delivering;
    this.delivering = true;
    try {
      while (this.head < end) {
        const batch = this.batches[this.head]!;
        this.batches[this.head++] = undefined as unknown as Batch;
        this.items -= batch.items.length;
        this.deliver(batch);
      }
    } finally {
      this.delivering = outer;
    }
    if (this.head >= this.batches.length) {
      this.batches.length = 0;
      this.head = 0;
    }
  }
}
