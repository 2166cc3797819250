import type { Observable, Subscription } from 'rxjs';
import { bpfObjectPath, openObjectAsync } from '../../src/bpf/index.js';
import type { BpfLink, BpfObject } from '../../src/bpf/types.js';
import { CaptureLoop, machineProtocols, RING_WAKEUP_EVERY, SMALL_CAPTURE_MAX, machineMapSizes, wireRodata } from '../../src/capture/index.js';
import type { DiscoveryEvent } from '../../src/discovery/types.js';
import type { Batch } from '../../src/model/batch.js';
import type { ComponentContext, Counter, Receiver } from '../../src/component/index.js';
import { TlsAttacher } from './attacher.js';
import type { TlsUprobeConfig } from './config.js';
import { tlsKernelCounters } from './counters.js';
import { objectPrograms } from './programs.js';
import { LumenError } from '../../src/component/index.js';
import { planAggregation } from '../../src/capture/aggregation-plan.js';
import { aggregationLoadOptions, describeAggregation, startKernelAggregation } from '../../src/capture/kernel-aggregates.js';

/** Records of a process that just exited may still be in the ring buffer: its Service is kept this long. */
const SERVICE_GRACE_MS = 10_000;
const MAINTAIN_INTERVAL_MS = 1000;

/**
 * The tls_uprobe receiver: loads bpf/tls.bpf.o (the connection machine fed by OpenSSL uprobes), probes the TLS
 * library of every process discovery selects (and forgets it when it exits), and runs the shared capture loop
 * (src/capture) that turns the decrypted HTTP/1 exchanges into spans with url.scheme=https.
 */
export class TlsUprobeReceiver implements Receiver {
  readonly output: Observable<Batch>;
  private readonly loop: CaptureLoop;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private obj: BpfObject | undefined;
  private links: BpfLink[] = [];
  private attacher: TlsAttacher | undefined;
  private discoverySub: Subscription | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Instrumented pids → what rescan() needs (executable, name for logs). */
  private readonly instrumented = new Map<number, { exe: string; name: string }>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly c: Record<'attached' | 'attachFailed', Counter>;

  constructor(private readonly config: TlsUprobeConfig, private readonly ctx: ComponentContext) {
    const t = ctx.telemetry;
    const incomplete = (reason: string) => t.counter('lumen_tls_incomplete_total', 'HTTPS requests reported with status 0 (no response), by why.', { reason });
    this.c = {
      attached: t.counter('lumen_tls_processes_probed_total', 'Times a process got TLS probes.'),
      attachFailed: t.counter('lumen_tls_attach_failures_total', 'TLS probe attachments that failed (not counting exited processes).'),
    };
    this.loop = new CaptureLoop({
      name: 'tls_uprobe',
      logger: ctx.logger,
      protocols: machineProtocols('https', config.protocols, config.databases, (protocol, kind) =>
        t.counter('lumen_tls_wire_requests_not_spanned_total', 'Database/broker requests in decrypted bytes recognised but not made spans (Kafka API keys other than Produce and Fetch).', { protocol, kind })),
      captureMax: SMALL_CAPTURE_MAX,
      requestTimeoutMs: config.request_timeout,
      pollMs: Math.max(1, config.poll_interval),
      serviceGraceMs: SERVICE_GRACE_MS,
      maintainMs: MAINTAIN_INTERVAL_MS,
      counters: {
        spans: t.counter('lumen_tls_spans_total', 'HTTPS spans emitted.'),
        malformed: t.counter('lumen_tls_malformed_records_total', 'Ring-buffer records too short for their declared captures (discarded).'),
        unknownProcess: t.counter('lumen_tls_unknown_process_records_total', 'Records of a process discovery no longer knows (discarded).'),
        parse: t.counter('lumen_tls_unparsable_requests_total', 'Records whose request bytes the HTTP/1 parser refused (no span).'),
        expiry: {
          head_incomplete: t.counter('lumen_tls_incomplete_heads_total', 'Requests whose head never completed, dropped after request_timeout.'),
          timeout: incomplete('timeout'),
          exited: incomplete('process_exited'),
          idle_ended: t.counter('lumen_tls_idle_ended_total', 'Responses of unknown length ended after request_timeout of silence.'),
        },
      },
    });
    this.output = this.loop.output;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    const path = bpfObjectPath('tls');
    const progs = await objectPrograms(path).catch((e: Error) => {
      throw new LumenError('LUMEN_BPF_OPEN', `tls_uprobe: cannot read ${path} (${e.message}); build the probes with \`make -C bpf\``);
    });
    // Metrics-only consumers: the decrypted HTTP/1 requests are aggregated in the kernel as kernel_socket's are
    // (the same connection machine and ks_emit); no kernel sampling here: any traces pipeline keeps every record.
    const plan = planAggregation(this.config.kernel_aggregation, this.ctx.consumers);
    const aggLoad = aggregationLoadOptions(plan, this.config.kernel_aggregation_series);
    const obj = await openObjectAsync(path, {
      disabledPrograms: progs.disabled,
      rodata: {
        self_tgid: process.pid, capture_bytes: this.config.capture_bytes, filter_pids: 1, lumen_rb_wakeup_every: RING_WAKEUP_EVERY,
        ...aggLoad.rodata,
        ...wireRodata(this.config.protocols, this.config.databases, SMALL_CAPTURE_MAX),
      },
      mapSizes: { ...machineMapSizes(this.config), tls_conns: this.config.max_connections, ...aggLoad.mapSizes },
    });
    if (this.state !== 'running') {
      obj.close(); // stopped while the verifier ran
      return;
    }
    this.obj = obj;
    try {
      for (const p of progs.tracepoints) this.links.push(obj.attach(p));
    } catch (e) {
      this.closeKernel();
      throw e;
    }
    const kernelCounters = tlsKernelCounters(obj, this.ctx.telemetry);
    const discovery = this.ctx.discovery();
    const aggregates = plan.on ? startKernelAggregation(obj, plan.bounds, 'https') : undefined;
    this.loop.start(obj, discovery, { poll: () => kernelCounters.poll(), forget: (pids) => this.forgetBindings(pids), aggregates });
    this.ctx.logger.info('tls_uprobe receiver started', { kernel_aggregation: describeAggregation(plan) });
    this.attacher = new TlsAttacher(obj, this.ctx.logger, {
      libraryGlobs: this.config.libraries, executables: this.config.executables, internals: this.config.openssl_internals,
    }, { attached: () => this.c.attached.add(), failed: () => this.c.attachFailed.add() });
    this.discoverySub = discovery.events.subscribe((ev) => this.onDiscovery(ev));
    const rescanMs = this.config.rescan_interval;
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
    if (wasRunning) this.attacher?.detachAll();
    // a last counter poll, then closing the object delivers what the ring buffer still holds, then completes
    this.loop.stop(() => this.closeKernel());
  }

  private closeKernel(): void {
    for (const l of this.links.splice(0)) {
      try { l.close(); } catch { /* closed with the object */ }
    }
    this.obj?.close();
    this.obj = undefined;
  }

  /** Drops the SSL bindings of processes that are gone (tls_conns: tgid first in the key); the capture loop
   * drops their connections. Socket closes normally removed them already. */
  private forgetBindings(pids: ReadonlySet<number>): void {
    const bindings = this.obj?.map('tls_conns');
    if (!bindings) return;
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
