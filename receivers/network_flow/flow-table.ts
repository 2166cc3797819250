import type { FlowCounts } from './flow-record.js';

export type EvictionReason = 'active' | 'inactive' | 'cache_full' | 'shutdown';
export const EVICTION_REASONS: readonly EvictionReason[] = ['active', 'inactive', 'cache_full', 'shutdown'];

/** One flow being accumulated in user space between its first packet and its report. */
export interface TableEntry extends FlowCounts {
  readonly id: string;
  /** The raw BPF key (struct lumen_flow_key), kept as the addon handed it over. */
  readonly key: Buffer;
  /** Decorations resolved while the flow was live (e.g. the owning processes); filled by the receiver. */
  note?: unknown;
}

export interface TableOptions {
  activeNs: number;
  inactiveNs: number;
  maxFlows: number;
}

/**
 * The user-space flow cache. The kernel map is drained on every tick (batched lookup-and-delete, so no
 * packet is lost between read and delete); its counts are merged here, and a flow is reported when
 *   - it has been idle for cache_inactive_timeout ('inactive'), or
 *   - it started cache_active_timeout ago and is still going ('active': reported, then restarted), or
 *   - a new flow needs room beyond cache_max_flows (the oldest flow goes first: 'cache_full'), or
 *   - the receiver stops ('shutdown').
 * A report carries the counts since the flow's previous report, so summing reports gives exact totals.
 */
export class FlowTable {
  /** Insertion order = order of first packet, so the first entry is the oldest. */
  private readonly entries = new Map<string, TableEntry>();

  constructor(
    private readonly options: TableOptions,
    private readonly evicted: (entry: TableEntry, reason: EvictionReason) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Merges counts for a key; returns the entry when it is new (so the caller can decorate it once). */
  add(id: string, key: Buffer, c: FlowCounts): TableEntry | undefined {
    const e = this.entries.get(id);
    if (e) {
      e.bytes += c.bytes;
      e.packets += c.packets;
      if (c.firstNs !== 0 && c.firstNs < e.firstNs) e.firstNs = c.firstNs;
      if (c.lastNs > e.lastNs) e.lastNs = c.lastNs;
      return undefined;
    }
    while (this.entries.size >= this.options.maxFlows) {
      const oldest = this.entries.values().next().value as TableEntry;
      this.entries.delete(oldest.id);
      this.evicted(oldest, 'cache_full');
    }
    const entry: TableEntry = { id, key, bytes: c.bytes, packets: c.packets, firstNs: c.firstNs || c.lastNs, lastNs: c.lastNs };
    this.entries.set(id, entry);
    return entry;
  }

  /** Reports every flow that is due at monotonic time `nowNs`. */
  sweep(nowNs: number): void {
    const { activeNs, inactiveNs } = this.options;
    for (const e of this.entries.values()) {
      const reason: EvictionReason | undefined =
        nowNs - e.lastNs >= inactiveNs ? 'inactive' : nowNs - e.firstNs >= activeNs ? 'active' : undefined;
      if (reason === undefined) continue;
      this.entries.delete(e.id);
      this.evicted(e, reason);
    }
  }

  /** Reports everything (on shutdown). */
  flush(): void {
    for (const e of this.entries.values()) this.evicted(e, 'shutdown');
    this.entries.clear();
  }
}
