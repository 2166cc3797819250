import { Observable, type Subscriber } from 'rxjs';
import type { NativeObject } from './native.js';
import type { RingBufferOptions } from './types.js';

/** One live consumer, known to its object so that close() can drain it and complete its subscriber. */
export interface ActiveConsumer {
  /** Stops the poll thread, delivers what was read (and what is left in the ring), completes. */
  finish(): void;
}

export interface ConsumerOwner {
  /** The native object; throws a coded error when closed. */
  nativeOrThrow(): NativeObject;
  add(c: ActiveConsumer): void;
  remove(c: ActiveConsumer): void;
}

/**
 * A cold Observable of ring-buffer batches: each subscription starts a native poll thread on `mapName`
 * (one at a time per map); unsubscribing stops it; closing the object delivers the rest and completes.
 */
export function ringBufferObservable(owner: ConsumerOwner, mapName: string, options: RingBufferOptions = {}): Observable<Buffer> {
  return new Observable<Buffer>((subscriber: Subscriber<Buffer>) => {
    const native = owner.nativeOrThrow();
    let id = -1;
    const consumer: ActiveConsumer = {
      finish() {
        owner.remove(consumer);
        if (id < 0) return;
        const rest = native.ringStop(id, true);
        id = -1;
        for (const b of rest) subscriber.next(b);
        subscriber.complete();
      },
    };
    id = native.ringStart(
      mapName,
      { ...options },
      (batch) => subscriber.next(batch),
      (err) => subscriber.error(err),
    );
    owner.add(consumer);
    return () => {
      owner.remove(consumer);
      if (id >= 0) native.ringStop(id, false);
      id = -1;
    };
  });
}

/** Per-consumer counters from the native side, for diagnostics and benchmarks. */
export type RingStats = NonNullable<ReturnType<NativeObject['ringStats']>>;
