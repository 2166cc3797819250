import { spanBatch, type Batch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import { cloneSpan } from '../../src/model/clone.js';
import type { ReplayConfig } from './config.js';

const nowNanos = (): bigint => BigInt(Date.now()) * 1_000_000n;

/**
 * Plays parsed spans into `emit`, pass after pass. Each emitted span is a fresh copy (processors may mutate it);
 * with `timestamps: shifted` a pass is moved so its first span starts when the pass starts.
 */
export class Player {
  private readonly spans: Span[];
  private readonly first: bigint;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private passes = 0;

  constructor(
    spans: readonly Span[],
    private readonly cfg: ReplayConfig,
    private readonly emit: (b: Batch) => void,
    private readonly done: () => void,
    private readonly onPass: () => void = () => {},
  ) {
    this.spans = cfg.pace === 'recorded' ? [...spans].sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : a.startUnixNano > b.startUnixNano ? 1 : 0)) : [...spans];
    this.first = this.spans.reduce((m, s) => (s.startUnixNano < m ? s.startUnixNano : m), this.spans[0]?.startUnixNano ?? 0n);
  }

  /** Passes completed so far. */
  get completedPasses(): number {
    return this.passes;
  }

  start(): void {
    if (this.spans.length === 0) return this.finish();
    if (this.cfg.pace === 'fast') void this.runFast();
    else this.runRecorded();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private morePasses(): boolean {
    const total = this.cfg.loop === -1 ? Infinity : Math.max(1, this.cfg.loop);
    return this.passes < total;
  }

  private copy(s: Span, shift: bigint): Span {
    const c = cloneSpan(s);
    c.startUnixNano = s.startUnixNano + shift;
    c.endUnixNano = s.endUnixNano + shift;
    return c;
  }

  private shiftForPass(): bigint {
    return this.cfg.timestamps === 'shifted' ? nowNanos() - this.first : 0n;
  }

  private async runFast(): Promise<void> {
    const size = this.cfg.batch_size;
    while (!this.stopped && this.morePasses()) {
      const shift = this.shiftForPass();
      for (let i = 0; i < this.spans.length && !this.stopped; i += size) {
        const end = Math.min(i + size, this.spans.length);
        const items: Span[] = new Array(end - i);
        for (let j = i; j < end; j++) items[j - i] = this.copy(this.spans[j]!, shift);
        this.emit(spanBatch(items));
        // Yield so the pipeline drains between batches (the queue in front of it is bounded).
        await new Promise((r) => setImmediate(r));
      }
      if (!this.stopped) {
        this.passes++;
        this.onPass();
      }
    }
    this.finish();
  }

  private runRecorded(): void {
    let index = 0;
    let passStart = performance.now();
    let shift = this.shiftForPass();
    const dueMs = (s: Span) => passStart + Number(s.startUnixNano - this.first) / 1e6 / this.cfg.speed;
    const tick = (): void => {
      this.timer = undefined;
      if (this.stopped) return this.finish();
      const now = performance.now();
      let batch: Span[] = [];
      while (index < this.spans.length && dueMs(this.spans[index]!) <= now) {
        batch.push(this.copy(this.spans[index++]!, shift));
        if (batch.length === this.cfg.batch_size) {
          this.emit(spanBatch(batch));
          batch = [];
        }
      }
      if (batch.length) this.emit(spanBatch(batch));
      if (index >= this.spans.length) {
        this.passes++;
        this.onPass();
        if (!this.morePasses() || this.stopped) return this.finish();
        index = 0;
        passStart = now;
        shift = this.shiftForPass();
      }
      this.timer = setTimeout(tick, Math.max(0, dueMs(this.spans[index]!) - performance.now()));
    };
    tick();
  }

  private finished = false;
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.done();
  }
}
