import { Subject, type Observable, type Subscription } from 'rxjs';
import { forEachRecord } from '../bpf/records.js';
import type { BpfObject } from '../bpf/types.js';
import type { Discovery } from '../discovery/types.js';
import { spanBatch, type Batch } from '../model/batch.js';
import type { Span } from '../model/span.js';
import { LumenError, type Counter, type Logger } from '../component/index.js';
import { MonotonicClock } from './clock.js';
import { forgetConnectionsOf } from './connections.js';
import type { CaptureProtocol } from './protocol.js';
import { decodeRecord, type KsRecord } from './record.js';
import { ServiceDirectory } from './services.js';
import { SlotSweeper, expiryOutcome, type ExpiryOutcome } from './sweeper.js';
import { aggregateSpan } from './aggregate-spans.js';
import type { KernelAggregation } from './kernel-aggregates.js';

/** What the loop counts; each receiver names them (its metric names predate this module). */
export interface CaptureCounters {
  /** Records decoded (ring buffer and sweeper); optional. */
  records?: Counter;
  spans: Counter;
  /** Ring-buffer records too short for their declared captures. */
  malformed: Counter;
  /** Records of a process discovery does not know (any more). */
  unknownProcess: Counter;
  /** Records no protocol detected, or whose protocol refused them. */
  parse: Counter;
  /** One per sweeper outcome (see ExpiryOutcome). */
  expiry: Record<ExpiryOutcome, Counter>;
}

export interface CaptureLoopOptions {
  /** The receiver's name, in log messages. */
  name: string;
  logger: Logger;
  counters: CaptureCounters;
  protocols: readonly CaptureProtocol[];
  /** KS_CAPTURE_MAX of the loaded object (where a slot's response capture starts). */
  captureMax: number;
  requestTimeoutMs: number;
  /** Ring-buffer poll timeout. */
  pollMs: number;
  /** How long a removed process's Service is kept (its last records may still be in the ring). */
  serviceGraceMs: number;
  /** Period of maintain(). */
  maintainMs: number;
}

/** What the receiver adds to each maintenance round. */
export interface CaptureHooks {
  /** Kernel state of exited processes beyond the machine's own ks_conns (tls_uprobe: its SSL bindings). */
  forget?(pids: ReadonlySet<number>): void;
  /** Publishes the kernel counters. */
  poll?(): void;
  /** Kernel aggregation (bpf/include/ks_agg.h): its series' new requests, read each maintenance round as spans. */
  aggregates?: KernelAggregation;
}

/**
 * The receive loop every connection-machine receiver shares: ring-buffer records → decode → service lookup →
 * protocol → span batches on `output`; and every maintainMs, requests past the timeout (the slot sweeper),
 * kernel state of exited processes, counters. A receiver loads and attaches its object, then start()s this.
 */
export class CaptureLoop {
  readonly output: Observable<Batch>;
  readonly clock = new MonotonicClock();
  private readonly subject = new Subject<Batch>();
  private readonly c: CaptureCounters;
  private readonly protocols: readonly CaptureProtocol[];
  private obj?: BpfObject;
  private hooks: CaptureHooks = {};
  private services?: ServiceDirectory;
  private sweeper?: SlotSweeper;
  private ring?: Subscription;
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: CaptureLoopOptions) {
    // A timeout of 0 or less would sweep every request the moment it starts: bogus status-0 spans.
    if (!(opts.requestTimeoutMs > 0) || !Number.isFinite(opts.requestTimeoutMs)) {
      throw new LumenError('LUMEN_INVALID_DURATION', `${opts.name}: request_timeout must be a positive duration, got ${opts.requestTimeoutMs} ms`);
    }
    this.output = this.subject.asObservable();
    this.c = opts.counters;
    this.protocols = opts.protocols;
  }

  /** Starts consuming `obj`'s ks_events and sweeping its ks_slots, with `discovery`'s services. */
  start(obj: BpfObject, discovery: Discovery, hooks: CaptureHooks = {}): void {
    const o = this.opts;
    this.obj = obj;
    this.hooks = hooks;
    this.serve(discovery);
    this.sweeper = new SlotSweeper(obj.map('ks_slots'), o.captureMax, BigInt(Math.round(o.requestTimeoutMs * 1e6)));
    this.ring = obj.ringBuffer('ks_events', { pollTimeoutMs: o.pollMs }).subscribe({
      next: (batch) => this.receive(batch),
      error: (e: Error) => o.logger.error(`${o.name} ring buffer failed: ${e.message}`),
    });
    this.timer = setInterval(() => this.maintain(), o.maintainMs);
    this.timer.unref();
  }

  /** Looks services up in `discovery` (start() does it; a benchmark feeding receive() directly too). */
  serve(discovery: Discovery): void {
    this.services ??= new ServiceDirectory(discovery, this.opts.serviceGraceMs);
  }

  /**
   * Stops: no more maintenance, a last counter poll, then `closeKernel` (closing the object delivers what is
   * left in the ring), then the stream completes (unless `complete` is false: a start that failed).
   */
  stop(closeKernel: () => void, complete = true): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.obj) {
      try {
        const spans: Span[] = [];
        this.aggregated(spans); // the kernel series' last requests
        this.emit(spans);
        this.hooks.poll?.();
      } catch { /* the object may be gone */ }
    }
    this.obj = undefined;
    closeKernel();
    this.ring?.unsubscribe();
    this.ring = undefined;
    this.services?.close();
    if (complete) this.subject.complete();
  }

  /** One ring-buffer batch → one span batch on `output` (what the ring consumer calls). */
  receive(batch: Buffer): void {
    const spans: Span[] = [];
    let record: KsRecord | undefined; // one per batch, refilled: protocols read a record only while mapping it
    forEachRecord(batch, (view, off, len) => {
      const rec = decodeRecord(view, batch, off, len, undefined, record);
      if (!rec) {
        this.c.malformed.add();
        return;
      }
      record = rec;
      this.toSpan(rec, spans);
    });
    this.emit(spans);
  }

  private toSpan(rec: KsRecord, out: Span[]): void {
    this.c.records?.add();
    const service = this.services?.get(rec.tgid);
    if (!service) {
      this.c.unknownProcess.add();
      return;
    }
    const protocols = this.protocols;
    for (let i = 0; i < protocols.length; i++) {
      const p = protocols[i]!;
      if (!p.detect(rec)) continue;
      if (p.toSpans) {
        const from = out.length;
        if (p.toSpans(rec, service, this.clock, out) !== undefined) this.c.parse.add();
        const tid = rec.tid;
        for (let j = from; j < out.length; j++) out[j]!.threadId = tid;
        return;
      }
      const span = p.toSpan(rec, service, this.clock);
      if (typeof span === 'string') this.c.parse.add();
      else {
        span.threadId = rec.tid;
        const connect = rec.connectNs;
        // Set on every span (undefined mostly): one object shape for the hot paths downstream.
        span.connectUnixNano = connect !== 0n ? this.clock.toUnixNano(connect) : undefined;
        if (rec.aggregated) span.countedInKernel = true; // rare (aggregation + sampling): not on every span
        out.push(span);
      }
      return;
    }
    this.c.parse.add();
  }

  private emit(spans: Span[]): void {
    if (!spans.length) return;
    this.c.spans.add(spans.length);
    this.subject.next(spanBatch(spans));
  }

  /** The kernel series' requests since the last round, one aggregate span per series (aggregate-spans.ts). */
  private aggregated(out: Span[]): void {
    const source = this.hooks.aggregates;
    if (!source || !this.services) return;
    const now = this.clock.toUnixNano(this.clock.nowMono());
    for (const a of source.read()) {
      const service = this.services.get(a.tgid);
      if (!service) {
        this.c.unknownProcess.add(a.count);
        continue;
      }
      const span = aggregateSpan(a, service, source.bounds, source.scheme, now);
      if (span) out.push(span);
      else this.c.parse.add(a.count);
    }
  }

  /** Periodic: expired requests, kernel state of exited processes, counters. */
  private maintain(): void {
    const obj = this.obj, services = this.services, sweeper = this.sweeper;
    if (!obj || !services || !sweeper) return;
    try {
      services.expire();
      const removed = services.takeRemoved();
      if (removed.length) {
        const pids = new Set(removed);
        forgetConnectionsOf(obj.map('ks_conns'), pids);
        this.hooks.forget?.(pids);
      }
      const gone = (pid: number) => services.gone(pid);
      const spans: Span[] = [];
      for (const rec of sweeper.sweep(this.clock.nowMono(), gone).expired) {
        const outcome = expiryOutcome(rec, gone);
        this.c.expiry[outcome].add();
        if (outcome !== 'head_incomplete') this.toSpan(rec, spans);
      }
      this.aggregated(spans);
      this.emit(spans);
      this.hooks.poll?.();
    } catch (e) {
      this.opts.logger.warn(`${this.opts.name} maintenance failed: ${(e as Error).message}`);
    }
  }
}
