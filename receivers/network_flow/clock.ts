/**
 * BPF timestamps are CLOCK_MONOTONIC ns (bpf_ktime_get_ns); process.hrtime reads the same clock. The offset to
 * wall-clock time is re-measured on every call to rebase(), so NTP steps are followed.
 */
export class MonotonicClock {
  private offsetNs = 0n;

  constructor() {
    this.rebase();
  }

  rebase(): void {
    this.offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  }

  /** Now, as monotonic ns in a double (exact to the ns for ~104 days of uptime, then to a few ns). */
  nowNs(): number {
    return Number(process.hrtime.bigint());
  }

  /** A monotonic ns timestamp as wall-clock ns since the epoch. */
  toUnixNano(monoNs: number): bigint {
    return BigInt(Math.round(monoNs)) + this.offsetNs;
  }
}
