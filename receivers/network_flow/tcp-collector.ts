import type { Subscription } from 'rxjs';
import { bpfObjectPath, forEachRecord } from '../../src/bpf/index.js';
import type { BpfLink, BpfMap, BpfObject, OpenOptions } from '../../src/bpf/types.js';
import type { Measurement } from '../../src/model/measurement.js';
import type { ComponentContext } from '../../src/component/index.js';
import type { Counter } from '../../src/component/index.js';
import type { AddressInterner } from './addr.js';
import { sumStat } from './flow-record.js';
import { decodeTcpEvent, type TcpEvent } from './tcp-event.js';
import type { TcpHealthConverter } from './tcp-health.js';

export interface TcpCollectorOptions {
  /** RTT sampling period per receiving connection in ms; 0 = RTT only at close. */
  rttSampleMs: number;
  addrs: AddressInterner;
  converter: TcpHealthConverter;
  /** Sees every decoded event before conversion (the receiver learns connect() owners from it). */
  observe(e: TcpEvent): void;
  /**
   * Called with each batch before conversion; may return a promise (e.g. a socket-table refresh when an owner is
   * unknown) that conversion waits for. Batches stay in order.
   */
  prepare?(events: readonly TcpEvent[]): Promise<void> | undefined;
  emit(measurements: Measurement[]): void;
  open(path: string, options: OpenOptions): BpfObject;
}

const PROGRAMS = ['th_set_state', 'th_retransmit', 'th_rtt_sample'];

/** The TCP-health half of the receiver: bpf/tcp_health.bpf.o's tracepoints → ring buffer → measurements. */
export class TcpCollector {
  private obj: BpfObject | undefined;
  private links: BpfLink[] = [];
  private sub: Subscription | undefined;
  private stats: BpfMap | undefined;
  private lostSeen = 0;
  /** Batches are converted in order, each after the previous one's preparation. */
  private chain: Promise<void> = Promise.resolve();
  private readonly lost: Counter;
  private readonly events: Counter;
  private readonly undecodable: Counter;

  constructor(private readonly o: TcpCollectorOptions, private readonly ctx: ComponentContext) {
    const t = ctx.telemetry;
    this.lost = t.counter('lumen_network_flow_tcp_events_lost_total', 'TCP health events lost in the kernel (ring buffer full).');
    this.events = t.counter('lumen_network_flow_tcp_events_total', 'TCP health events received (connect, failed, retransmit, rtt).');
    this.undecodable = t.counter('lumen_network_flow_tcp_events_invalid_total', 'TCP health records that could not be decoded (dropped).');
  }

  start(): void {
    const disabled = this.o.rttSampleMs > 0 ? [] : ['th_rtt_sample'];
    this.obj = this.o.open(bpfObjectPath('tcp_health'), {
      rodata: { rtt_sample_ns: BigInt(Math.round(this.o.rttSampleMs * 1e6)) },
      disabledPrograms: disabled,
    });
    try {
      for (const p of PROGRAMS) if (!disabled.includes(p)) this.links.push(this.obj.attach(p));
    } catch (e) {
      this.stop();
      throw e;
    }
    this.stats = this.obj.map('th_stats');
    this.sub = this.obj.ringBuffer('th_events').subscribe({
      next: (batch) => this.onBatch(batch),
      error: (e: Error) => this.ctx.logger.error('tcp health ring failed', { error: e.message }),
    });
  }

  /** Reads the kernel's lost-event counter into telemetry (called from the receiver's tick). */
  readStats(): void {
    if (!this.stats) return;
    const v = this.stats.lookup(Buffer.from([1, 0, 0, 0]));
    if (!v) return;
    const total = sumStat(v);
    if (total > this.lostSeen) this.lost.add(total - this.lostSeen);
    this.lostSeen = total;
  }

  /** Detaches, delivers what is left in the ring and resolves once every batch has been converted and emitted. */
  stop(): Promise<void> {
    for (const l of this.links) l.close();
    this.links = [];
    this.readStats();
    // Closing the object delivers the events still in the ring, then completes the subscription.
    this.obj?.close();
    this.sub?.unsubscribe();
    this.obj = this.stats = this.sub = undefined;
    return this.chain;
  }

  private onBatch(batch: Buffer): void {
    const events: TcpEvent[] = [];
    forEachRecord(batch, (_v, off, len) => {
      const e = decodeTcpEvent(batch, off, len, this.o.addrs);
      if (!e) {
        this.undecodable.add();
        return;
      }
      this.o.observe(e);
      events.push(e);
    });
    this.events.add(events.length);
    const convert = () => {
      const ms = this.o.converter.convert(events);
      if (ms.length) this.o.emit(ms);
    };
    this.chain = this.chain.then(() => this.o.prepare?.(events)).then(convert, (e: Error) => {
      this.ctx.logger.debug('tcp health: owner lookup failed', { error: e.message });
      convert();
    });
  }
}
