import type { Logger } from '../../src/component/index.js';
import type { Counter, SelfTelemetry } from '../../src/component/index.js';
import { rateLimitedLog } from '../../src/component/index.js';
import { Backoff, type RetryPolicy } from './backoff.js';
import type { OtlpSignal, SendResult, Transport } from './transport.js';

interface Item {
  readonly body: Uint8Array;
  /** Capacity units (spans for traces, 1 per request for metrics). */
  readonly weight: number;
  /** Records inside (spans or metric points), for the counters. */
  readonly records: number;
}

export interface ExportQueueOptions {
  signal: OtlpSignal;
  /** Counter names use it: lumen_exporter_{sent,dropped}_<unit>_total. */
  unit: 'spans' | 'metric_points';
  capacity: number;
  /** When full: drop the new request (traces) or the oldest one (cumulative metric snapshots supersede older ones). */
  dropOldest: boolean;
  transport: Transport;
  retry: RetryPolicy;
  telemetry: SelfTelemetry;
  logger: Logger;
  /** Called once per request body that leaves the queue (sent, given up or dropped): nothing reads it afterwards. */
  done?: (body: Uint8Array) => void;
}

/**
 * A bounded FIFO of encoded export requests and one sender working through it. A retryable failure keeps the
 * head and waits (exponential backoff with jitter) while new requests queue up to the bound; beyond it they are
 * dropped and counted. Nothing here ever blocks the caller.
 */
export class ExportQueue {
  private readonly items: Item[] = [];
  private weight = 0;
  private sending = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  /** drain() waiters: called with true when the queue emptied, false when a flush attempt failed. */
  private readonly idle: ((sent: boolean) => void)[] = [];
  private droppedAtShutdown = 0;
  private failing = false;
  private readonly log: ReturnType<typeof rateLimitedLog>;
  private readonly sent: Counter;
  private readonly dropped: Record<'queue_full' | 'rejected' | 'retries_exhausted' | 'shutdown', Counter>;
  private readonly requests: Record<'success' | 'retry' | 'failure', Counter>;

  constructor(private readonly o: ExportQueueOptions) {
    this.backoff = new Backoff(o.retry);
    this.log = rateLimitedLog(o.logger, 30_000);
    const t = o.telemetry;
    const labels = { signal: o.signal };
    this.sent = t.counter(`lumen_exporter_sent_${o.unit}_total`, `${o.unit.replace('_', ' ')} accepted by the collector.`, labels);
    const dropHelp = `${o.unit.replace('_', ' ')} dropped by the exporter, by reason.`;
    this.dropped = {
      queue_full: t.counter(`lumen_exporter_dropped_${o.unit}_total`, dropHelp, { ...labels, reason: 'queue_full' }),
      rejected: t.counter(`lumen_exporter_dropped_${o.unit}_total`, dropHelp, { ...labels, reason: 'rejected' }),
      retries_exhausted: t.counter(`lumen_exporter_dropped_${o.unit}_total`, dropHelp, { ...labels, reason: 'retries_exhausted' }),
      shutdown: t.counter(`lumen_exporter_dropped_${o.unit}_total`, dropHelp, { ...labels, reason: 'shutdown' }),
    };
    const reqHelp = 'Export requests sent, by result (retry = a retryable failure that will be tried again).';
    this.requests = {
      success: t.counter('lumen_exporter_requests_total', reqHelp, { ...labels, result: 'success' }),
      retry: t.counter('lumen_exporter_requests_total', reqHelp, { ...labels, result: 'retry' }),
      failure: t.counter('lumen_exporter_requests_total', reqHelp, { ...labels, result: 'failure' }),
    };
    t.gauge('lumen_exporter_queue_size', 'Queued capacity units (spans, or metric requests).', () => this.weight, labels);
    t.gauge('lumen_exporter_queue_capacity', 'Queue bound in the same units as lumen_exporter_queue_size.', () => o.capacity, labels);
  }

  /** Free capacity units. */
  free(): number {
    return this.o.capacity - this.weight;
  }

  get size(): number {
    return this.weight;
  }

  /** Queues a request; `encode` runs only when it is accepted. Returns false (and counts) when dropped. */
  offer(weight: number, records: number, encode: () => Uint8Array): boolean {
    if (this.stopped) {
      this.dropShutdown(records);
      return false;
    }
    if (this.o.dropOldest) {
      while (this.items.length > 0 && this.weight + weight > this.o.capacity) {
        // Never drop the head while it is in flight: it is being sent.
        const idx = this.sending ? 1 : 0;
        if (idx >= this.items.length) break;
        const [old] = this.items.splice(idx, 1);
        this.weight -= old!.weight;
        this.dropped.queue_full.add(old!.records);
        this.o.done?.(old!.body);
      }
    }
    if (this.weight + weight > this.o.capacity) {
      this.dropped.queue_full.add(records);
      this.log('warn', 'full', 'export queue full: dropping data (is the collector reachable?)', { signal: this.o.signal, capacity: this.o.capacity });
      return false;
    }
    this.items.push({ body: encode(), weight, records });
    this.weight += weight;
    void this.pump();
    return true;
  }

  /**
   * Resolves true when everything queued has been sent or given up; false after `timeoutMs`, or as soon as an
   * attempt fails in a retryable way (the collector is not taking data now: a flush does not wait out the backoff,
   * whatever is queued stays queued).
   */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.items.length === 0) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    // Skip a pending backoff wait: a flush is a good moment to try again.
    this.wake?.();
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push((sent) => {
        clearTimeout(t);
        resolve(sent);
      });
    });
  }

  /** Records dropped with reason `shutdown` so far (for the exporter's one summary line at stop). */
  get shutdownDrops(): number {
    return this.droppedAtShutdown;
  }

  /** Stops sending; whatever is still queued is dropped and counted. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
    for (const it of this.items.splice(this.sending ? 1 : 0)) {
      this.weight -= it.weight;
      this.dropShutdown(it.records);
      this.o.done?.(it.body);
    }
  }

  /** Resolves once no request is in flight (after stop() and transport.close(), a cancelled one settles fast), or after `ms`. */
  async settled(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (this.sending && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.items.length > 0 && !this.stopped) {
        const head = this.items[0]!;
        const r = await sendSafely(this.o.transport, this.o.signal, head.body);
        if (r.ok) {
          this.requests.success.add();
          this.sent.add(head.records);
          if (this.failing) this.o.logger.info('collector reachable again, export resumed', { signal: this.o.signal });
          this.failing = false;
          this.backoff.reset();
          this.shift();
          continue;
        }
        if (this.stopped) {
          // The head was in flight when the exporter stopped (transport.close() cancels it).
          this.requests.failure.add();
          this.dropShutdown(head.records);
          this.shift();
          continue;
        }
        const wait = r.retryable ? this.backoff.next(r.retryAfterMs) : undefined;
        if (wait === undefined) {
          this.requests.failure.add();
          const reason = r.retryable ? 'retries_exhausted' : 'rejected';
          this.dropped[reason].add(head.records);
          this.log('error', reason, `export failed, dropping ${head.records} ${this.o.unit.replace('_', ' ')}: ${r.message}`, { signal: this.o.signal });
          this.backoff.reset();
          this.shift();
          continue;
        }
        this.requests.retry.add();
        this.failing = true;
        for (const f of this.idle.splice(0)) f(false);
        this.log('warn', 'retry', `export failed, retrying in ${wait}ms: ${r.message}`, { signal: this.o.signal, queued: this.weight });
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.waitTimer = setTimeout(resolve, wait);
        });
        clearTimeout(this.waitTimer);
        this.wake = undefined;
      }
    } finally {
      this.sending = false;
      if (this.stopped) this.stop();
      if (this.items.length === 0) for (const f of this.idle.splice(0)) f(true);
    }
  }

  private dropShutdown(records: number): void {
    this.dropped.shutdown.add(records);
    this.droppedAtShutdown += records;
  }

  /** The head leaves the queue once its send settled (the transport no longer reads its body). */
  private shift(): void {
    const it = this.items.shift();
    if (!it) return;
    this.weight -= it.weight;
    this.o.done?.(it.body);
  }
}

/**
 * A transport that throws (a URL it cannot use, a client it cannot build) fails this request like a refusal
 * would: dropped and counted, never an unhandled rejection that ends the agent (issue #11.2).
 */
async function sendSafely(transport: Transport, signal: OtlpSignal, body: Uint8Array): Promise<SendResult> {
  try {
    return await transport.send(signal, body);
  } catch (err) {
    return { ok: false, retryable: false, message: `cannot send: ${(err as Error)?.message ?? String(err)}` };
  }
}
