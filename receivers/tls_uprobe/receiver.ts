import { Subject, type Subscription } from 'rxjs';
import { parseDuration } from '../../src/config/duration.js';
import { bpfObjectPath, forEachRecord, openObject } from '../../src/bpf/index.js';
import type { BpfLink, BpfObject } from '../../src/bpf/types.js';
import type { DiscoveryEvent } from '../../src/discovery/types.js';
import { spanBatch, type Batch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import type { ComponentContext, Receiver } from '../../src/component/index.js';
import type { Counter } from '../../src/component/index.js';
import { MonotonicClock } from '../kernel_socket/clock.js';
import { decodeRecord, type KsRecord } from '../kernel_socket/record.js';
import { ServiceDirectory } from '../kernel_socket/services.js';
import { forgetConnectionsOf } from '../kernel_socket/connections.js';
import { SlotSweeper, expiryOutcome, type ExpiryOutcome } from '../kernel_socket/sweeper.js';
import { RING_WAKEUP_EVERY } from '../kernel_socket/receiver.js';
import { TlsAttacher } from './attacher.js';
import type { TlsUprobeConfig } from './config.js';
import { KernelCounters } from './counters.js';
import { objectPrograms } from './programs.js';
import { tlsRecordToSpan } from './spans.js';

/** Records of a process that just exited may still be in the ring buffer: its Service is kept this long. */
const SERVICE_GRACE_MS = 10_000;
const MAINTAIN_INTERVAL_MS = 1000;
/** KS_CAPTURE_MAX of tls.bpf.o (bpf/include/kernel_socket.h's default). */
const CAPTURE_MAX = 1024;

/**
 * The tls_uprobe receiver: loads bpf/tls.bpf.o, probes the TLS library of every process discovery selects
 * (and forgets it when it exits), and turns the decrypted HTTP/1 exchanges into spans with url.scheme=https.
 */
export class TlsUprobeReceiver implements Receiver {
  private readonly subject = new Subject<Batch>();
  readonly output = this.subject.asObservable();
  private state: 'new' | 'running' | 'stopped' = 'new';
  /** The counter each sweeper outcome moves. */
  private readonly expiryCounters: Record<ExpiryOutcome, Counter>;
  private obj: BpfObject | undefined;
  private links: BpfLink[] = [];
  private attacher: TlsAttacher | undefined;
  private kernelCounters: KernelCounters | undefined;
  private ringSub: Subscription | undefined;
  private discoverySub: Subscription | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private services: ServiceDirectory | undefined;
  private sweeper: SlotSweeper | undefined;
  /** Instrumented pids → what rescan() needs (executable, name for logs). */
  private readonly instrumented = new Map<number, { exe: string; name: string }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock = new MonotonicClock();
  private readonly c: Record<'spans' | 'malformed' | 'noService' | 'notHttp' | 'attached' | 'attachFailed' | 'timeouts' | 'exited' | 'idleEnded' | 'incomplete', Counter>;

  constructor(private readonly config: TlsUprobeConfig, private readonly ctx: ComponentContext) {
    const t = ctx.telemetry;
    this.c = {
      spans: t.counter('lumen_tls_spans_total', 'HTTPS spans emitted.'),
      malformed: t.counter('lumen_tls_malformed_records_total', 'Ring-buffer records too short for their declared captures (discarded).'),
      noService: t.counter('lumen_tls_unknown_process_records_total', 'Records of a process discovery no longer knows (discarded).'),
      notHttp: t.counter('lumen_tls_unparsable_requests_total', 'Records whose request bytes the HTTP/1 parser refused (no span).'),
      attached: t.counter('lumen_tls_processes_probed_total', 'Times a process got TLS probes.'),
      attachFailed: t.counter('lumen_tls_attach_failures_total', 'TLS probe attachments that failed (not counting exited processes).'),
      timeouts: t.counter('lumen_tls_incomplete_total', 'HTTPS requests reported with status 0 (no response), by why.', { reason: 'timeout' }),
      exited: t.counter('lumen_tls_incomplete_total', 'HTTPS requests reported with status 0 (no response), by why.', { reason: 'process_exited' }),
      idleEnded: t.counter('lumen_tls_idle_ended_total', 'Responses of unknown length ended after request_timeout of silence.'),
      incomplete: t.counter('lumen_tls_incomplete_heads_total', 'Requests whose head never completed, dropped after request_timeout.'),
    };
    this.expiryCounters = { head_incomplete: this.c.incomplete, exited: this.c.exited, timeout: this.c.timeouts, idle_ended: this.c.idleEnded };
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const path = bpfObjectPath('tls');
    const progs = await objectPrograms(path).catch((e: Error) => {
      throw new Error(`tls_uprobe: cannot read ${path} (${e.message}); build the probes with \`make -C bpf\``);
    });
    const obj = openObject(path, {
      disabledPrograms: progs.disabled,
      rodata: { self_tgid: process.pid, capture_bytes: this.config.capture_bytes, filter_pids: 1, lumen_rb_wakeup_every: RING_WAKEUP_EVERY },
      mapSizes: {
        ks_events: this.config.ring_buffer_size,
        ks_conns: this.config.max_connections,
        tls_conns: this.config.max_connections,
        ks_slots: this.config.max_pending_requests,
      },
    });
    this.obj = obj;
    try {
      for (const p of progs.tracepoints) this.links.push(obj.attach(p));
    } catch (e) {
      this.closeKernel();
      throw e;
    }
    this.kernelCounters = new KernelCounters(obj, this.ctx.telemetry);
    const discovery = this.ctx.discovery();
    this.services = new ServiceDirectory(discovery, SERVICE_GRACE_MS);
    this.sweeper = new SlotSweeper(obj.map('ks_slots'), CAPTURE_MAX, BigInt(Math.round(parseDuration(this.config.request_timeout) * 1e6)));
    this.attacher = new TlsAttacher(obj, this.ctx.logger, {
      libraryGlobs: this.config.libraries, executables: this.config.executables, internals: this.config.openssl_internals,
    }, { attached: () => this.c.attached.add(), failed: () => this.c.attachFailed.add() });

    this.ringSub = obj.ringBuffer('ks_events', { pollTimeoutMs: Math.max(1, parseDuration(this.config.poll_interval)) }).subscribe({
      next: (batch) => this.onBatch(batch),
      error: (e: Error) => this.ctx.logger.error(`ring buffer consumer failed: ${e.message}`),
    });
    this.discoverySub = discovery.events.subscribe((ev) => this.onDiscovery(ev));
    this.timers.push(setInterval(() => this.maintain(), MAINTAIN_INTERVAL_MS).unref());
    const rescanMs = parseDuration(this.config.rescan_interval);
    if (rescanMs > 0) this.timers.push(setInterval(() => this.rescan(), rescanMs).unref());
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    for (const t of this.timers.splice(0)) clearInterval(t);
    // discovery first (no new attachments), then the attachments in flight, then the kernel side
    this.discoverySub?.unsubscribe();
    await this.queue.catch(() => undefined);
    if (wasRunning) {
      this.attacher?.detachAll();
      try { this.kernelCounters?.poll(); } catch { /* object already failed */ }
    }
    this.closeKernel(); // delivers what the ring buffer still holds, then completes its stream
    this.ringSub?.unsubscribe();
    this.services?.close();
    this.subject.complete();
  }

  private closeKernel(): void {
    for (const l of this.links.splice(0)) {
      try { l.close(); } catch { /* closed with the object */ }
    }
    this.obj?.close();
    this.obj = undefined;
  }

  private onBatch(batch: Buffer): void {
    const spans: Span[] = [];
    const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    forEachRecord(batch, (_v, offset, length) => {
      const r = decodeRecord(view, batch, offset, length);
      if (r) this.toSpan(r, spans);
      else this.c.malformed.add();
    });
    this.emit(spans);
  }

  private toSpan(r: KsRecord, out: Span[]): void {
    const service = this.services?.get(r.tgid);
    if (!service) {
      this.c.noService.add();
      return;
    }
    const s = tlsRecordToSpan(r, service, this.clock);
    if (typeof s === 'string') this.c.notHttp.add();
    else out.push(s);
  }

  private emit(spans: Span[]): void {
    if (!spans.length) return;
    this.c.spans.add(spans.length);
    this.subject.next(spanBatch(spans));
  }

  /** Periodic: requests past request_timeout, kernel state of exited processes, counters. */
  private maintain(): void {
    const obj = this.obj, services = this.services, sweeper = this.sweeper;
    if (!obj || !services || !sweeper || this.state !== 'running') return;
    try {
      services.expire();
      const removed = services.takeRemoved();
      if (removed.length) this.forgetConnections(new Set(removed));
      const gone = (pid: number) => services.gone(pid);
      const spans: Span[] = [];
      for (const rec of sweeper.sweep(this.clock.nowMono(), gone).expired) {
        const outcome = expiryOutcome(rec, gone);
        this.expiryCounters[outcome].add();
        if (outcome !== 'head_incomplete') this.toSpan(rec, spans);
      }
      this.emit(spans);
      this.kernelCounters?.poll();
    } catch (e) {
      this.ctx.logger.warn(`maintenance failed: ${(e as Error).message}`);
    }
  }

  /** Drops this object's connection and SSL bindings of processes that are gone (tls_conns: tgid first in the
   * key). Socket closes normally removed the connections already. */
  private forgetConnections(pids: Set<number>): void {
    forgetConnectionsOf(this.obj!.map('ks_conns'), pids);
    const bindings = this.obj!.map('tls_conns');
    for (const key of bindings.keys()) if (pids.has(key.readUInt32LE(0))) bindings.delete(key);
  }

  private onDiscovery(ev: DiscoveryEvent): void {
    if (this.state !== 'running' || !this.attacher) return;
    const attacher = this.attacher;
    if (ev.type === 'added') {
      const { pid, exe } = ev.process.info;
      const name = ev.process.service.name;
      this.instrumented.set(pid, { exe, name });
      this.enqueue(() => attacher.attach(pid, exe, name));
    } else {
      const pid = ev.pid;
      this.instrumented.delete(pid);
      this.enqueue(async () => attacher.detach(pid));
    }
  }

  /** Processes without TLS probes are looked at again: a library loaded after start-up (Python's lazy `import ssl`). */
  private rescan(): void {
    if (this.state !== 'running' || !this.attacher) return;
    const attacher = this.attacher;
    const probed = new Set(attacher.probedPids());
    for (const [pid, p] of this.instrumented) {
      if (!probed.has(pid)) this.enqueue(() => attacher.attach(pid, p.exe, p.name));
    }
  }

  /** Attachments run one at a time, in discovery order (an exit queued after its start is handled after it). */
  private enqueue(fn: () => Promise<unknown>): void {
    this.queue = this.queue.then(fn).catch((e: Error) => this.ctx.logger.warn(`${e.message}`));
  }
}
