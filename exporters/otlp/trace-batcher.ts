import type { Span } from '../../src/model/span.js';
import type { Counter } from '../../src/component/index.js';
import type { Logger } from '../../src/component/index.js';
import type { ExportQueue } from './export-queue.js';

/**
 * Collects spans into export requests of at most `maxSize` spans, sealed when full or `timeoutMs` after the first
 * span arrived. A sealed batch is encoded only if the queue has room for it (otherwise dropped and counted).
 */
export class TraceBatcher {
  private pending: Span[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: ExportQueue,
    private readonly encode: (spans: Span[]) => Uint8Array,
    private readonly maxSize: number,
    private readonly timeoutMs: number,
    private readonly encodeErrors: Counter,
    private readonly logger: Logger,
  ) {}

  add(spans: readonly Span[]): void {
    for (let i = 0; i < spans.length; i++) {
      this.pending.push(spans[i]!);
      if (this.pending.length >= this.maxSize) this.seal();
    }
    if (this.pending.length > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.seal(), this.timeoutMs);
      this.timer.unref();
    }
  }

  /** Hands the pending spans to the queue now. */
  seal(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const spans = this.pending;
    this.pending = [];
    try {
      this.queue.offer(spans.length, spans.length, () => this.encode(spans));
    } catch (err) {
      this.encodeErrors.add(spans.length);
      this.logger.error('cannot encode spans for OTLP, dropping them', { error: (err as Error).message, spans: spans.length });
    }
  }

  get size(): number {
    return this.pending.length;
  }
}
