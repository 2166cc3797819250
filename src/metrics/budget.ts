/**
 * The total series budget of one aggregator (all metrics together). Hostile traffic (random word-like paths,
 * random Host headers) can open a new series per request; the budget keeps what an exporter holds and renders
 * far below what a scrape or an OTLP request can carry.
 *
 * Policy when full: series idle for `idleMs` or longer are evicted first (a sweep at most once per
 * `reclaimEveryMs`); if none is idle, the new series is refused (the caller drops and counts the observation).
 * Busy series are never evicted, so the cumulative counters of live endpoints do not reset under an attack,
 * and the attack's one-shot series make room again once they fall idle.
 */
export class SeriesBudget {
  #held = 0;
  #lastReclaim = Number.NEGATIVE_INFINITY;
  #fullSeen = false;

  constructor(
    readonly max: number,
    private readonly idleMs: number,
    /** Evicts series not updated since `cutoff` (ms), returns how many (and calls release() for them). */
    private readonly evictIdle: (cutoff: number) => number,
    /** Called the first time the budget refuses a series (the WARN-once). */
    private readonly onFirstFull: () => void = () => {},
    private readonly reclaimEveryMs = 1000,
  ) {
    if (!(max >= 1)) throw new RangeError(`series budget must be >= 1, got ${max}`);
  }

  get held(): number {
    return this.#held;
  }

  /** Reserves room for one new series; false when the budget is full and nothing idle could be evicted. */
  tryAdd(now: number): boolean {
    if (this.#held < this.max || this.#reclaim(now)) {
      this.#held++;
      return true;
    }
    if (!this.#fullSeen) {
      this.#fullSeen = true;
      this.onFirstFull();
    }
    return false;
  }

  /** `n` series were removed (TTL expiry or eviction). */
  release(n: number): void {
    this.#held = Math.max(0, this.#held - n);
  }

  #reclaim(now: number): boolean {
    if (now - this.#lastReclaim < this.reclaimEveryMs) return false;
    this.#lastReclaim = now;
    this.evictIdle(now - this.idleMs);
    return this.#held < this.max;
  }
}
