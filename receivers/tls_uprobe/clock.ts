/**
 * BPF timestamps are CLOCK_MONOTONIC ns (bpf_ktime_get_ns); process.hrtime reads the same clock. The offset
 * to wall-clock time is re-measured by rebase() (the receiver calls it periodically, following NTP steps).
 */
export class MonotonicClock {
  private offsetNs = 0n;

  constructor() {
    this.rebase();
  }

  rebase(): void {
    this.offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  }

  toUnixNano(monoNs: number): bigint {
    return BigInt(Math.round(monoNs)) + this.offsetNs;
  }
}
