import { Subject, type Subscription } from 'rxjs';
import { parseDuration } from '../../src/config/duration.js';
import { bpfObjectPath, forEachRecord, openObject } from '../../src/bpf/index.js';
import type { BpfLink, BpfObject } from '../../src/bpf/types.js';
import type { DiscoveryEvent } from '../../src/discovery/types.js';
import { spanBatch, type Batch } from '../../src/model/batch.js';
import type { Service } from '../../src/model/service.js';
import type { Span } from '../../src/model/span.js';
import type { ComponentContext, Receiver } from '../../src/pipeline/component.js';
import type { Counter } from '../../src/pipeline/self-telemetry.js';
import { TlsAttacher } from './attacher.js';
import { MonotonicClock } from './clock.js';
import type { TlsUprobeConfig } from './config.js';
import { KernelCounters } from './counters.js';
import { objectPrograms } from './programs.js';
import { recordToSpan } from './spans.js';

/** Records of a process that just exited may still be in the ring buffer: its Service is kept this long. */
const SERVICE_GRACE_MS = 10_000;
const STATS_INTERVAL_MS = 1000;

/**
 * The tls_uprobe receiver: loads bpf/tls.bpf.o, probes the TLS library of every process discovery selects
 * (and forgets it when it exits), and turns the decrypted HTTP/1 exchanges into spans with url.scheme=https.
 */
export class TlsUprobeReceiver implements Receiver {
  private readonly subject = new Subject<Batch>();
  readonly output = this.subject.asObservable();
  private state: 'new' | 'running' | 'stopped' = 'new';
  private obj: BpfObject | undefined;
  private links: BpfLink[] = [];
  private attacher: TlsAttacher | undefined;
  private kernelCounters: KernelCounters | undefined;
  private ringSub: Subscription | undefined;
  private discoverySub: Subscription | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly services = new Map<number, Service>();
  private readonly leaving = new Map<number, NodeJS.Timeout>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock = new MonotonicClock();
  private readonly c: Record<'spans' | 'malformed' | 'noService' | 'notHttp' | 'attached' | 'attachFailed', Counter>;

  constructor(private readonly config: TlsUprobeConfig, private readonly ctx: ComponentContext) {
    const t = ctx.telemetry;
    this.c = {
      spans: t.counter('lumen_tls_spans_total', 'HTTPS spans emitted.'),
      malformed: t.counter('lumen_tls_malformed_records_total', 'Ring-buffer records too short for their declared captures (discarded).'),
      noService: t.counter('lumen_tls_unknown_process_records_total', 'Records of a process discovery no longer knows (discarded).'),
      notHttp: t.counter('lumen_tls_unparsable_requests_total', 'Records whose request bytes the HTTP/1 parser refused (no span).'),
      attached: t.counter('lumen_tls_processes_probed_total', 'Times a process got TLS probes.'),
      attachFailed: t.counter('lumen_tls_attach_failures_total', 'TLS probe attachments that failed (not counting exited processes).'),
    };
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
      rodata: { self_tgid: process.pid, capture_bytes: this.config.capture_bytes, filter_pids: 1 },
      mapSizes: { ks_events: powerOfTwo(this.config.ring_buffer_bytes) },
    });
    this.obj = obj;
    try {
      for (const p of progs.tracepoints) this.links.push(obj.attach(p));
    } catch (e) {
      this.closeKernel();
      throw e;
    }
    this.kernelCounters = new KernelCounters(obj, this.ctx.telemetry);
    this.attacher = new TlsAttacher(obj, this.ctx.logger, {
      libraryGlobs: this.config.libraries, executables: this.config.executables, internals: this.config.openssl_internals,
    }, { attached: () => this.c.attached.add(), failed: () => this.c.attachFailed.add() });

    this.ringSub = obj.ringBuffer('ks_events').subscribe({
      next: (batch) => this.onBatch(batch),
      error: (e: Error) => this.ctx.logger.error(`tls_uprobe: ring buffer consumer failed: ${e.message}`),
    });
    this.discoverySub = this.ctx.discovery().events.subscribe((ev) => this.onDiscovery(ev));
    this.timers.push(setInterval(() => {
      this.kernelCounters?.poll();
      this.clock.rebase();
    }, STATS_INTERVAL_MS).unref());
    const rescanMs = parseDuration(this.config.rescan_interval);
    if (rescanMs > 0) this.timers.push(setInterval(() => this.rescan(), rescanMs).unref());
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    for (const t of this.timers.splice(0)) clearInterval(t);
    for (const t of this.leaving.values()) clearTimeout(t);
    this.leaving.clear();
    // discovery first (no new attachments), then the attachments in flight, then the kernel side
    this.discoverySub?.unsubscribe();
    await this.queue.catch(() => undefined);
    if (wasRunning) {
      this.attacher?.detachAll();
      try { this.kernelCounters?.poll(); } catch { /* object already failed */ }
    }
    this.closeKernel(); // delivers what the ring buffer still holds, then completes its stream
    this.ringSub?.unsubscribe();
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
    forEachRecord(batch, (view, offset, length) => {
      const s = recordToSpan(view, offset, length, this.clock, (pid) => this.services.get(pid), {});
      if (typeof s !== 'string') spans.push(s);
      else if (s === 'malformed') this.c.malformed.add();
      else if (s === 'no_service') this.c.noService.add();
      else this.c.notHttp.add();
    });
    if (spans.length) {
      this.c.spans.add(spans.length);
      this.subject.next(spanBatch(spans));
    }
  }

  private onDiscovery(ev: DiscoveryEvent): void {
    if (this.state !== 'running' || !this.attacher) return;
    const attacher = this.attacher;
    if (ev.type === 'added') {
      const { pid, exe } = ev.process.info;
      const pending = this.leaving.get(pid);
      if (pending) { clearTimeout(pending); this.leaving.delete(pid); }
      this.services.set(pid, ev.process.service);
      this.enqueue(() => attacher.attach(pid, exe, ev.process.service.name));
    } else {
      const pid = ev.pid;
      this.enqueue(async () => attacher.detach(pid));
      this.leaving.set(pid, setTimeout(() => { this.services.delete(pid); this.leaving.delete(pid); }, SERVICE_GRACE_MS).unref());
    }
  }

  /** Processes without TLS probes are looked at again: a library loaded after start-up (Python's lazy `import ssl`). */
  private rescan(): void {
    if (this.state !== 'running' || !this.attacher) return;
    const attacher = this.attacher;
    const probed = new Set(attacher.probedPids());
    for (const [pid, svc] of this.services) {
      if (!probed.has(pid) && !this.leaving.has(pid)) this.enqueue(() => attacher.attach(pid, svc.process.exe, svc.name));
    }
  }

  /** Attachments run one at a time, in discovery order (an exit queued after its start is handled after it). */
  private enqueue(fn: () => Promise<unknown>): void {
    this.queue = this.queue.then(fn).catch((e: Error) => this.ctx.logger.warn(`tls_uprobe: ${e.message}`));
  }
}

function powerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
