import type { Observable, Subscription } from 'rxjs';
import { bpfObjectPath, openObjectAsync } from '../../src/bpf/index.js';
import type { BpfObject } from '../../src/bpf/types.js';
import {
  CaptureLoop, machineProtocols, KernelCounters, LARGE_CAPTURE_MAX, RING_WAKEUP_EVERY, SMALL_CAPTURE_MAX, machineMapSizes, wireRodata,
} from '../../src/capture/index.js';
import { syncPidBitmap } from '../../src/discovery/pid-allowlist.js';
import type { Batch } from '../../src/model/batch.js';
import type { ComponentContext, Receiver } from '../../src/component/index.js';
import type { KernelSocketConfig } from './config.js';
import { DISCARDED_HELP, KS_COUNTER_SLOTS, KS_PROP_COUNTER_SLOTS } from './counters.js';
import { PROPAGATION_PROGRAMS, startPropagation } from './propagation.js';
import { captureHooks } from './programs.js';
import { planKernelWork } from './kernel-plan.js';
import { aggregationLoadOptions, describeAggregation, startKernelAggregation } from '../../src/capture/kernel-aggregates.js';

/**
 * The kernel_socket receiver: loads bpf/kernel_socket.bpf.c (the connection machine fed by socket-layer
 * tracepoints), keeps its PID allow-list equal to the discovery's processes, and runs the shared capture loop
 * (src/capture) that turns its records into HTTP and database/broker client spans and reports requests that
 * never complete.
 */
export class KernelSocketReceiver implements Receiver {
  readonly output: Observable<Batch>;
  private readonly loop: CaptureLoop;
  private readonly timeoutMs: number;
  private readonly captureMax: number;
  private obj?: BpfObject;
  private readonly subs: Subscription[] = [];
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';

  constructor(private readonly config: KernelSocketConfig, private readonly ctx: ComponentContext) {
    this.timeoutMs = config.request_timeout;
    this.captureMax = config.capture_bytes > SMALL_CAPTURE_MAX ? LARGE_CAPTURE_MAX : SMALL_CAPTURE_MAX;
    const t = ctx.telemetry;
    const discarded = (reason: string) => t.counter('lumen_kernel_socket_discarded_total', DISCARDED_HELP, { reason });
    const incomplete = (reason: string) => t.counter('lumen_kernel_socket_incomplete_total', 'Requests reported with status 0 (no response), by why.', { reason });
    this.loop = new CaptureLoop({
      name: 'kernel_socket',
      logger: ctx.logger,
      protocols: machineProtocols('http', config.protocols, config.databases, (protocol, kind) =>
        t.counter('lumen_kernel_socket_wire_requests_not_spanned_total', 'Database/broker requests recognised but not made spans (Kafka API keys other than Produce and Fetch), by protocol and kind.', { protocol, kind })),
      captureMax: this.captureMax,
      requestTimeoutMs: this.timeoutMs,
      pollMs: Math.max(1, Math.round(config.poll_interval)),
      serviceGraceMs: Math.max(10_000, this.timeoutMs * 2),
      maintainMs: Math.min(1000, Math.max(100, Math.round(this.timeoutMs / 4))),
      counters: {
        records: t.counter('lumen_kernel_socket_records_total', 'Records decoded from the ring buffer and the sweeper.'),
        spans: t.counter('lumen_kernel_socket_spans_total', 'Spans emitted.'),
        malformed: discarded('malformed_record'),
        parse: discarded('parse_error'),
        unknownProcess: discarded('unknown_process'),
        expiry: {
          head_incomplete: discarded('incomplete_request_timeout'),
          timeout: incomplete('timeout'),
          exited: incomplete('process_exit'),
          idle_ended: t.counter('lumen_kernel_socket_idle_ended_total', 'Responses of unknown length ended by the sweeper after request_timeout of silence.'),
        },
      },
    });
    this.output = this.loop.output;
  }

  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    const cfg = this.config;
    const discovery = this.ctx.discovery();
    const ignored = cfg.ignore_ports ?? [];
    const object = this.captureMax === SMALL_CAPTURE_MAX ? 'kernel_socket' : 'kernel_socket_large';
    const propagate = cfg.context_propagation === 'headers';
    const { sampling, aggregation: plan } = planKernelWork(cfg, this.ctx.consumers);
    const aggLoad = aggregationLoadOptions(plan, cfg.kernel_aggregation_series);
    const obj = await openObjectAsync(bpfObjectPath(object), {
      disabledPrograms: propagate ? [] : [...PROPAGATION_PROGRAMS],
      rodata: {
        lumen_rb_wakeup_every: RING_WAKEUP_EVERY,
        capture_bytes: cfg.capture_bytes,
        self_tgid: process.pid,
        ignore_ports_on: ignored.length > 0 ? 1 : 0,
        ks_propagate: propagate ? 1 : 0,
        ...sampling.rodata,
        ...aggLoad.rodata,
        ...wireRodata(cfg.protocols, cfg.databases, this.captureMax),
      },
      mapSizes: { ...machineMapSizes(cfg), ...aggLoad.mapSizes },
    });
    if (this.state !== 'starting') {
      obj.close(); // stopped while the verifier ran
      return;
    }
    this.obj = obj;
    try {
      if (ignored.length) {
        const ports = obj.map('ks_ignore_ports');
        const one = Buffer.from([1]);
        const key = Buffer.alloc(4);
        for (const r of ignored) for (let p = r.from; p <= r.to; p++) { key.writeUInt32LE(p); ports.update(key, one); }
      }
      this.subs.push(syncPidBitmap(discovery, obj.map('ks_pids'), { logger: this.ctx.logger, telemetry: this.ctx.telemetry }));
      const bpfCounters = new KernelCounters(obj.map('ks_counters'), KS_COUNTER_SLOTS, this.ctx.telemetry, 'entry');
      const propCounters = propagate ? new KernelCounters(obj.map('ks_prop_counters'), KS_PROP_COUNTER_SLOTS, this.ctx.telemetry, 'array') : undefined;
      const aggregates = plan.on ? startKernelAggregation(obj, plan.bounds, 'http') : undefined;
      this.loop.start(obj, discovery, { poll: () => { bpfCounters.poll(); propCounters?.poll(); }, aggregates });
      for (const p of captureHooks(obj.programs)) obj.attach(p);
      if (propagate) startPropagation(obj);
    } catch (e) {
      this.state = 'stopped';
      this.loop.stop(() => this.release(), false);
      throw e;
    }
    this.state = 'running';
    this.ctx.logger.info('kernel_socket receiver started', {
      object, capture_bytes: cfg.capture_bytes, programs: obj.programs.length, request_timeout: cfg.request_timeout,
      context_propagation: cfg.context_propagation,
      sampling: sampling.rodata.ks_sample ? `in the kernel: ${sampling.why}` : `in user space (${sampling.why})`,
      kernel_aggregation: describeAggregation(plan),
    });
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.loop.stop(() => this.release());
  }

  /** Detaches everything: closing the object delivers what is left in the ring, then completes it. */
  private release(): void {
    const obj = this.obj;
    this.obj = undefined;
    obj?.close();
    for (const s of this.subs.splice(0)) s.unsubscribe();
  }
}
