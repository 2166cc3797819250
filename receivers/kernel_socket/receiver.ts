import { Subject, type Observable, type Subscription } from 'rxjs';
import { bpfObjectPath, forEachRecord, openObject } from '../../src/bpf/index.js';
import type { BpfObject } from '../../src/bpf/types.js';
import { parseDuration } from '../../src/config/duration.js';
import { parsePortRanges } from '../../src/config/port-ranges.js';
import { syncPidAllowlist } from '../../src/discovery/pid-allowlist.js';
import { spanBatch, type Batch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import type { ComponentContext, Receiver } from '../../src/component/index.js';
import type { Counter } from '../../src/component/index.js';
import { MonotonicClock } from './clock.js';
import type { KernelSocketConfig } from './config.js';
import { BpfCounters, DISCARDED_HELP } from './counters.js';
import { decodeRecord, type KsRecord } from './record.js';
import { ServiceDirectory } from './services.js';
import { recordToSpan } from './spans.js';
import { forgetConnectionsOf } from './connections.js';
import { SlotSweeper, expiryOutcome, type ExpiryOutcome } from './sweeper.js';

/** Capture sizes each probe object is built for (KS_CAPTURE_MAX). */
const SMALL_CAPTURE_MAX = 1024;
const LARGE_CAPTURE_MAX = 8192;
/**
 * Ring-buffer wake-ups: one forced every this many records per CPU (and whenever a quarter of the ring waits);
 * otherwise the consumer finds the records at its next poll (poll_interval). A wake-up costs the writing
 * process ~13 µs of its own time on the project's VM (measured: 64 → 1024 saved ~200 ns per record), so
 * under load they are rare and at low rates the poll bounds the delay.
 */
export const RING_WAKEUP_EVERY = 4096;

/**
 * The kernel_socket receiver: loads bpf/kernel_socket.bpf.c, keeps its PID allow-list equal to the
 * discovery's processes, turns ring-buffer records into HTTP spans, and reports requests that never complete.
 */
export class KernelSocketReceiver implements Receiver {
  readonly output: Observable<Batch>;
  private readonly subject = new Subject<Batch>();
  private readonly clock = new MonotonicClock();
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly captureMax: number;
  private readonly c: Record<'records' | 'spans' | 'malformed' | 'parse' | 'unknownProcess' | 'incompleteTimeout'
    | 'timeouts' | 'exited' | 'idleEnded', Counter>;
  /** The counter each sweeper outcome moves. */
  private readonly expiryCounters: Record<ExpiryOutcome, Counter>;
  private obj?: BpfObject;
  private services?: ServiceDirectory;
  private sweeper?: SlotSweeper;
  private bpfCounters?: BpfCounters;
  private readonly subs: Subscription[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';

  constructor(private readonly config: KernelSocketConfig, private readonly ctx: ComponentContext) {
    this.output = this.subject.asObservable();
    this.timeoutMs = parseDuration(config.request_timeout);
    this.pollMs = Math.max(1, Math.round(parseDuration(config.poll_interval)));
    this.captureMax = config.capture_bytes > SMALL_CAPTURE_MAX ? LARGE_CAPTURE_MAX : SMALL_CAPTURE_MAX;
    const t = ctx.telemetry;
    this.c = {
      records: t.counter('lumen_kernel_socket_records_total', 'Records decoded from the ring buffer and the sweeper.'),
      spans: t.counter('lumen_kernel_socket_spans_total', 'Spans emitted.'),
      malformed: t.counter('lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'malformed_record' }),
      parse: t.counter('lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'parse_error' }),
      unknownProcess: t.counter('lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'unknown_process' }),
      incompleteTimeout: t.counter('lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason: 'incomplete_request_timeout' }),
      timeouts: t.counter('lumen_kernel_socket_incomplete_total', 'Requests reported with status 0 (no response), by why.', { reason: 'timeout' }),
      exited: t.counter('lumen_kernel_socket_incomplete_total', '', { reason: 'process_exit' }),
      idleEnded: t.counter('lumen_kernel_socket_idle_ended_total', 'Responses of unknown length ended by the sweeper after request_timeout of silence.'),
    };
    this.expiryCounters = { head_incomplete: this.c.incompleteTimeout, exited: this.c.exited, timeout: this.c.timeouts, idle_ended: this.c.idleEnded };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    const cfg = this.config;
    const discovery = this.ctx.discovery();
    const ignored = cfg.ignore_ports === undefined ? [] : parsePortRanges(cfg.ignore_ports);
    const object = this.captureMax === SMALL_CAPTURE_MAX ? 'kernel_socket' : 'kernel_socket_large';
    const obj = openObject(bpfObjectPath(object), {
      rodata: {
        lumen_rb_wakeup_every: RING_WAKEUP_EVERY,
        capture_bytes: cfg.capture_bytes,
        self_tgid: process.pid,
        ignore_ports_on: ignored.length > 0 ? 1 : 0,
      },
      mapSizes: {
        ks_events: cfg.ring_buffer_size,
        ks_conns: cfg.max_connections,
        ks_slots: cfg.max_pending_requests,
      },
    });
    this.obj = obj;
    try {
      if (ignored.length) {
        const ports = obj.map('ks_ignore_ports');
        const one = Buffer.from([1]);
        const key = Buffer.alloc(4);
        for (const r of ignored) for (let p = r.from; p <= r.to; p++) { key.writeUInt32LE(p); ports.update(key, one); }
      }
      this.services = new ServiceDirectory(discovery, Math.max(10_000, this.timeoutMs * 2));
      this.subs.push(syncPidAllowlist(discovery, obj.map('ks_pids'), () => 1, { logger: this.ctx.logger, telemetry: this.ctx.telemetry }));
      this.sweeper = new SlotSweeper(obj.map('ks_slots'), this.captureMax, BigInt(Math.round(this.timeoutMs * 1e6)));
      this.bpfCounters = new BpfCounters(obj.map('ks_counters'), this.ctx.telemetry);
      this.subs.push(obj.ringBuffer('ks_events', { pollTimeoutMs: this.pollMs }).subscribe({
        next: (batch) => this.onBatch(batch),
        error: (e: Error) => this.ctx.logger.error(`kernel_socket ring buffer failed: ${e.message}`),
      }));
      for (const p of obj.programs) obj.attach(p);
    } catch (e) {
      this.release();
      this.state = 'stopped';
      throw e;
    }
    const tick = Math.min(1000, Math.max(100, Math.round(this.timeoutMs / 4)));
    const timer = setInterval(() => this.maintain(), tick);
    timer.unref();
    this.timers.push(timer);
    this.state = 'running';
    this.ctx.logger.info('kernel_socket receiver started', {
      object, capture_bytes: cfg.capture_bytes, programs: obj.programs.length, request_timeout: cfg.request_timeout,
    });
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const t of this.timers) clearInterval(t);
    try {
      this.bpfCounters?.poll();
    } catch { /* the object may be gone */ }
    this.release();
    this.subject.complete();
  }

  /** Detaches everything: closing the object delivers what is left in the ring, then completes it. */
  private release(): void {
    const obj = this.obj;
    this.obj = undefined;
    obj?.close();
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.services?.close();
  }

  private onBatch(batch: Buffer): void {
    const spans: Span[] = [];
    forEachRecord(batch, (view, off, len) => {
      const rec = decodeRecord(view, batch, off, len);
      if (!rec) {
        this.c.malformed.add();
        return;
      }
      this.toSpan(rec, spans);
    });
    if (spans.length) this.emit(spans);
  }

  private toSpan(rec: KsRecord, out: Span[]): void {
    this.c.records.add();
    const service = this.services?.get(rec.tgid);
    if (!service) {
      this.c.unknownProcess.add();
      return;
    }
    const span = recordToSpan(rec, service, this.clock);
    if (typeof span === 'string') {
      this.c.parse.add();
      return;
    }
    out.push(span);
  }

  private emit(spans: Span[]): void {
    this.c.spans.add(spans.length);
    this.subject.next(spanBatch(spans));
  }

  /** Periodic: expired requests, kernel state of exited processes, counters. */
  private maintain(): void {
    const obj = this.obj;
    const services = this.services;
    if (!obj || !services || !this.sweeper || this.state !== 'running') return;
    try {
      services.expire();
      const removed = services.takeRemoved();
      if (removed.length) forgetConnectionsOf(obj.map('ks_conns'), new Set(removed));
      const gone = (pid: number) => services.gone(pid);
      const { expired } = this.sweeper.sweep(this.clock.nowMono(), gone);
      const spans: Span[] = [];
      for (const rec of expired) {
        const outcome = expiryOutcome(rec, gone);
        this.expiryCounters[outcome].add();
        if (outcome !== 'head_incomplete') this.toSpan(rec, spans);
      }
      if (spans.length) this.emit(spans);
      this.bpfCounters?.poll();
    } catch (e) {
      this.ctx.logger.warn(`kernel_socket maintenance failed: ${(e as Error).message}`);
    }
  }
}
