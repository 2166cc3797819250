/**
 * Converts CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) into Unix-epoch nanoseconds. Node's
 * process.hrtime.bigint() reads the same clock, so offset = wall time - monotonic time, measured once and
 * refreshed (it drifts when NTP slews the wall clock).
 */
export class MonotonicClock {
  private offset = 0n;
  private measuredAt = 0;

  constructor(private readonly refreshMs = 60_000) {
    this.refresh();
  }

  /**
   * Re-measures the offset at a millisecond edge of the wall clock: spin (at most 1 ms) until Date.now()
   * ticks, with the monotonic time read just before, so the offset is exact to well under a microsecond.
   */
  refresh(): void {
    const w0 = Date.now();
    let mono: bigint;
    let wall: number;
    do {
      mono = process.hrtime.bigint();
      wall = Date.now();
    } while (wall === w0);
    this.offset = BigInt(wall) * 1_000_000n - mono;
    this.measuredAt = wall;
  }

  toUnixNano(mono: bigint): bigint {
    return mono + this.unixOffset();
  }

  /** Unix-epoch ns minus monotonic ns (refreshed when due): several times of one record share one check. */
  unixOffset(): bigint {
    if (Date.now() - this.measuredAt > this.refreshMs) this.refresh();
    return this.offset;
  }

  /** The current monotonic time in ns (the probes' clock). */
  nowMono(): bigint {
    return process.hrtime.bigint();
  }
}
