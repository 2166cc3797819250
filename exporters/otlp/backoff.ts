/** Exponential backoff with jitter, as the Collector's retry_on_failure does it. */
export interface RetryPolicy {
  enabled: boolean;
  initialMs: number;
  maxMs: number;
  /** Give up on one request after this long (0 = never). */
  maxElapsedMs: number;
  multiplier: number;
  /** Each wait is drawn uniformly from interval × [1 - f, 1 + f]. */
  randomization: number;
}

export class Backoff {
  private interval: number;
  private startedAt: number | undefined;

  constructor(private readonly p: RetryPolicy, private readonly random: () => number = Math.random, private readonly now: () => number = Date.now) {
    this.interval = p.initialMs;
  }

  /** The wait before the next attempt, or undefined when the request should be given up. */
  next(retryAfterMs?: number): number | undefined {
    if (!this.p.enabled) return undefined;
    const t = this.now();
    this.startedAt ??= t;
    const f = this.p.randomization;
    let wait = this.interval * (1 - f + 2 * f * this.random());
    this.interval = Math.min(this.p.maxMs, this.interval * this.p.multiplier);
    if (retryAfterMs !== undefined) wait = Math.max(wait, Math.min(retryAfterMs, this.p.maxMs));
    if (this.p.maxElapsedMs > 0 && t + wait - this.startedAt > this.p.maxElapsedMs) return undefined;
    return Math.max(0, Math.round(wait));
  }

  reset(): void {
    this.interval = this.p.initialMs;
    this.startedAt = undefined;
  }
}
