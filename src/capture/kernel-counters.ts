import { sumPerCpuU64 } from '../bpf/map.js';
import type { BpfMap } from '../bpf/types.js';
import type { Counter, SelfTelemetry } from '../component/index.js';

/** A kernel counter (its slot) and the lumen_* counter it is published as. */
export type CounterSlot = readonly [slot: number, name: string, help: string, labels?: Record<string, string>];

/**
 * Publishes per-CPU u64 kernel counters as lumen_* counters: each poll() adds what grew since the last one.
 * Layout `entry`: one map entry holds every slot (ks_counters: struct ks_counters per CPU); `array`: one entry
 * per slot (LUMEN_COUNTERS in bpf/include/lumen_common.h).
 */
export class KernelCounters {
  private readonly counters: Counter[];
  private readonly last: bigint[];
  private readonly key = Buffer.alloc(4);

  constructor(private readonly map: BpfMap, private readonly slots: readonly CounterSlot[], telemetry: SelfTelemetry,
    private readonly layout: 'entry' | 'array') {
    this.counters = slots.map(([, name, help, labels]) => telemetry.counter(name, help, labels));
    this.last = slots.map(() => 0n);
  }

  poll(): void {
    const entry = this.layout === 'entry' ? this.read(0, this.map.info.valueSize) : undefined;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]![0];
      const now = (entry ? entry[slot] : this.read(slot, 8)?.[0]) ?? 0n;
      const d = now - this.last[i]!;
      if (d > 0n) this.counters[i]!.add(Number(d));
      this.last[i] = now;
    }
  }

  /** The u64s of entry `index`, summed over CPUs. */
  private read(index: number, valueSize: number): bigint[] | undefined {
    this.key.writeUInt32LE(index);
    const v = this.map.lookup(this.key);
    return v ? sumPerCpuU64(v, valueSize) : undefined;
  }
}
