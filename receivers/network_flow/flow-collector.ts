import type { Subscription } from 'rxjs';
import { bpfObjectPath, forEachRecord } from '../../src/bpf/index.js';
import type { BpfMap, BpfObject, OpenOptions } from '../../src/bpf/types.js';
import type { Flow } from '../../src/model/flow.js';
import type { ComponentContext } from '../../src/component/index.js';
import type { Counter } from '../../src/component/index.js';
import { InterfaceAttachments, SOURCE_PROGRAMS, type FlowSource } from './attachments.js';
import type { MonotonicClock } from './clock.js';
import { FirstComeDeduper } from './dedup.js';
import type { FlowBuilder } from './flow-builder.js';
import { FLOW_KEY_SIZE, FLOW_STATS, KEY, OVERFLOW_RECORD_SIZE, sumStat, sumValue, transportOf, tupleId, type FlowCounts, type FlowStatName } from './flow-record.js';
import { EVICTION_REASONS, FlowTable, type EvictionReason, type TableEntry } from './flow-table.js';
import type { InterfaceSelector, NetInterface } from './interfaces.js';

export interface FlowCollectorOptions {
  source: FlowSource;
  selector: InterfaceSelector;
  activeMs: number;
  inactiveMs: number;
  maxFlows: number;
  dedupe: boolean;
  /** Transport filter (protocols / exclude_protocols); undefined = all. */
  transportAllowed?: (transport: string) => boolean;
  clock: MonotonicClock;
  builder: FlowBuilder;
  /** Called with each batch of reported flows. */
  emit(flows: Flow[]): void;
  /** Called once per tick after draining (e.g. to refresh socket owners). */
  afterTick?(): void;
  open(path: string, options: OpenOptions): BpfObject;
  listInterfaces?: () => NetInterface[];
}

/** Debounce of the early drain the overflow ring triggers (the kernel map is full). */
const OVERFLOW_DRAIN_MS = 20;

/**
 * The flow half of the receiver: loads bpf/network_flow.bpf.o, keeps it attached to the selected interfaces,
 * drains the per-CPU flow map every tick into the FlowTable and emits the flows the table reports.
 */
export class FlowCollector {
  private obj: BpfObject | undefined;
  private flows: BpfMap | undefined;
  private stats: BpfMap | undefined;
  private attachments: InterfaceAttachments | undefined;
  private overflow: Subscription | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private ifTimer: NodeJS.Timeout | undefined;
  private overflowTimer: NodeJS.Timeout | undefined;
  private readonly table: FlowTable;
  private readonly dedup: FirstComeDeduper | undefined;
  private pending: Flow[] = [];
  private stopping = false;
  private readonly statsSeen = new Map<FlowStatName, number>();
  private readonly c: {
    evicted: Record<EvictionReason, Counter>;
    stats: Partial<Record<FlowStatName, Counter>>;
    duplicates: Counter;
    filtered: Counter;
    flows: Counter;
    packets: Counter;
  };

  constructor(private readonly o: FlowCollectorOptions, private readonly ctx: ComponentContext) {
    this.table = new FlowTable(
      { activeNs: o.activeMs * 1e6, inactiveNs: o.inactiveMs * 1e6, maxFlows: o.maxFlows },
      (e, reason) => this.evicted(e, reason),
    );
    this.dedup = o.dedupe ? new FirstComeDeduper(Math.max(o.inactiveMs, 1000) * 1e6) : undefined;
    const t = ctx.telemetry;
    const evicted = {} as Record<EvictionReason, Counter>;
    for (const r of EVICTION_REASONS) {
      evicted[r] = t.counter('lumen_network_flow_evictions_total', 'Flows reported, by why they left the flow cache.', { reason: r });
    }
    const ignored = (reason: string) =>
      t.counter('lumen_network_flow_ignored_packets_total', 'Packets not counted into any flow, by reason.', { reason });
    this.c = {
      evicted,
      stats: {
        non_ip: ignored('non_ip'),
        malformed: ignored('malformed'),
        loopback_duplicate: ignored('loopback_duplicate'),
        overflow_dropped: t.counter('lumen_network_flow_lost_packets_total', 'Packets lost: flow map full and overflow ring full.'),
        map_full: t.counter('lumen_network_flow_map_full_total', 'Packets that found the kernel flow map full (sent through the overflow ring).'),
        fragments: t.counter('lumen_network_flow_fragments_total', 'Later IP fragments attributed to their first fragment\'s ports.', { matched: 'true' }),
        fragments_unmatched: t.counter('lumen_network_flow_fragments_total', 'Later IP fragments attributed to their first fragment\'s ports.', { matched: 'false' }),
      },
      duplicates: t.counter('lumen_network_flow_duplicates_total', 'Flow reports dropped by the first_come deduper (seen on another interface first).'),
      filtered: t.counter('lumen_network_flow_filtered_total', 'Flow reports dropped by protocols/exclude_protocols.'),
      flows: t.counter('lumen_network_flow_flows_total', 'Flows reported.'),
      packets: t.counter('lumen_network_flow_packets_seen_total', 'Packets counted into flows by the kernel program.'),
    };
    t.gauge('lumen_network_flow_cache_flows', 'Flows held in the user-space flow cache.', () => this.table.size);
    t.gauge('lumen_network_flow_interfaces', 'Interfaces the flow programs are attached to.', () => this.attachments?.watched().length ?? 0);
  }

  start(): void {
    const other = this.o.source === 'tc' ? SOURCE_PROGRAMS.socket_filter : SOURCE_PROGRAMS.tc;
    this.obj = this.o.open(bpfObjectPath('network_flow'), { mapSizes: { nf_flows: this.o.maxFlows }, disabledPrograms: [...other] });
    this.flows = this.obj.map('nf_flows');
    this.stats = this.obj.map('nf_stats');
    this.attachments = new InterfaceAttachments(this.obj, this.o.source, this.o.selector, this.ctx.logger, this.o.listInterfaces);
    this.syncInterfaces(true);
    this.overflow = this.obj.ringBuffer('nf_overflow').subscribe({
      next: (batch) => this.onOverflow(batch),
      error: (e: Error) => this.ctx.logger.error('flow overflow ring failed', { error: e.message }),
    });
    const tickMs = Math.min(1000, Math.max(100, Math.min(this.o.activeMs, this.o.inactiveMs) / 2));
    this.tickTimer = setInterval(() => this.tick(), tickMs);
    this.tickTimer.unref();
  }

  /** Re-reads the interface list now (the receiver also does it every interfaces_poll_interval). */
  syncInterfaces(first = false): void {
    if (!this.attachments) return;
    const r = this.attachments.sync();
    if (first || r.attached.length || r.detached.length) {
      this.ctx.logger.info('network_flow interfaces', { source: this.o.source, watching: this.attachments.watched(), attached: r.attached, detached: r.detached });
    }
  }

  pollInterfaces(everyMs: number): void {
    this.ifTimer = setInterval(() => this.syncInterfaces(), everyMs);
    this.ifTimer.unref();
  }

  ifname(ifindex: number): string {
    return this.attachments?.ifname(ifindex) ?? String(ifindex);
  }

  /** Drain, evict what is due, emit. Exposed for tests; runs on the tick timer. */
  tick(): void {
    if (!this.flows) return;
    const now = this.o.clock.nowNs();
    this.drain();
    this.table.sweep(now);
    this.dedup?.expire(now);
    this.readStats();
    this.flush();
    this.o.afterTick?.();
  }

  /** Stops everything and reports every flow still held (reason 'shutdown'). */
  stop(): void {
    this.stopping = true;
    for (const t of [this.tickTimer, this.ifTimer, this.overflowTimer]) if (t) clearInterval(t);
    this.attachments?.close();
    if (this.flows) {
      this.drain();
      this.readStats();
    }
    // Closing the object delivers what is left in the overflow ring (merged into the table) and completes it.
    this.obj?.close();
    this.overflow?.unsubscribe();
    // (this.attachments stays: closed, it still names the interfaces of the flows reported below.)
    this.obj = this.flows = this.stats = this.overflow = undefined;
    this.table.flush();
    this.flush();
  }

  private drain(): void {
    const map = this.flows!;
    for (const [key, value] of map.lookupAndDeleteBatch()) this.merge(key, sumValue(value));
  }

  private merge(key: Buffer, counts: FlowCounts): void {
    if (counts.packets === 0) return;
    this.c.packets.add(counts.packets);
    if (this.o.transportAllowed && !this.o.transportAllowed(transportOf(key[KEY.proto]!))) {
      this.c.filtered.add();
      return;
    }
    if (this.dedup && !this.dedup.accept(tupleId(key), key.readUInt32LE(KEY.ifindex), counts.lastNs)) {
      this.c.duplicates.add();
      return;
    }
    const fresh = this.table.add(key.toString('latin1'), key, counts);
    if (fresh) this.o.builder.noteNew(fresh);
  }

  private onOverflow(batch: Buffer): void {
    forEachRecord(batch, (_v, off, len) => {
      if (len < OVERFLOW_RECORD_SIZE) return;
      const key = Buffer.from(batch.subarray(off, off + FLOW_KEY_SIZE));
      this.merge(key, sumValue(batch, off + 48, 1));
    });
    // The kernel map is full: drain it now rather than at the next tick.
    if (this.stopping) return;
    this.overflowTimer ??= setTimeout(() => {
      this.overflowTimer = undefined;
      this.tick();
    }, OVERFLOW_DRAIN_MS);
  }

  private evicted(e: TableEntry, reason: EvictionReason): void {
    this.c.evicted[reason].add();
    this.pending.push(this.o.builder.build(e));
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const flows = this.pending;
    this.pending = [];
    this.c.flows.add(flows.length);
    this.o.emit(flows);
  }

  private readStats(): void {
    const map = this.stats;
    if (!map) return;
    const key = Buffer.alloc(4);
    FLOW_STATS.forEach((name, i) => {
      key.writeUInt32LE(i);
      const v = map.lookup(key);
      if (!v) return;
      const total = sumStat(v);
      const delta = total - (this.statsSeen.get(name) ?? 0);
      this.statsSeen.set(name, total);
      if (delta > 0) this.c.stats[name]?.add(delta);
    });
  }
}
