import type { Span } from '../../src/model/span.js';
import type { Counter } from '../../src/component/index.js';
import type { Logger } from '../../src/component/index.js';
import type { ExportQueue } from './export-queue.js';

/** An export request being filled: spans in, one encoded request out. */
export interface TraceRequestBuilder {
  /** Takes the span into the request (may encode it now); throws, leaving the request as it was, if it cannot. */
  add(span: Span): void;
  readonly size: number;
  /** The encoded request; the builder is empty afterwards. */
  finish(): Uint8Array;
  /** Drops what was added. */
  clear(): void;
  /** A request finish() returned that nothing reads any more (its memory may be reused). */
  recycle?(body: Uint8Array): void;
}

/**
 * Collects spans into export requests of at most `maxSize` spans, sealed when full or `timeoutMs` after the first
 * span arrived. The sealed request goes to the queue if it has room for it (otherwise dropped and counted).
 */
export class TraceBatcher {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: ExportQueue,
    private readonly request: TraceRequestBuilder,
    private readonly maxSize: number,
    private readonly timeoutMs: number,
    private readonly encodeErrors: Counter,
    private readonly logger: Logger,
  ) {}

  add(spans: readonly Span[]): void {
    const r = this.request;
    for (let i = 0; i < spans.length; i++) {
      try {
        r.add(spans[i]!);
      } catch (err) {
        this.encodeErrors.add(1);
        this.logger.error('cannot encode a span for OTLP, dropping it', { error: (err as Error).message });
        continue;
      }
      if (r.size >= this.maxSize) this.seal();
    }
    if (r.size > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.seal(), this.timeoutMs);
      this.timer.unref();
    }
  }

  /** Hands the pending spans to the queue now. */
  seal(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const r = this.request;
    const n = r.size;
    if (n === 0) return;
    try {
      if (!this.queue.offer(n, n, () => r.finish())) r.clear();
    } catch (err) {
      r.clear();
      this.encodeErrors.add(n);
      this.logger.error('cannot encode spans for OTLP, dropping them', { error: (err as Error).message, spans: n });
    }
  }

  get size(): number {
    return this.request.size;
  }
}
