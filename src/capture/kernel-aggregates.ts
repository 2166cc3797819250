import { sumPerCpuU64 } from '../bpf/map.js';
import type { BpfMap, BpfObject } from '../bpf/types.js';
import type { AggregationBounds, AggregationPlan } from './aggregation-plan.js';

/**
 * The kernel's RED series (bpf/include/ks_agg.h: ks_agg, per CPU, cumulative) read as deltas, each with its
 * template's sample request head (ks_agg_tmpl). Layouts: key {u32 tgid, u16 port, u16 status, u64 tmpl, u8 role,
 * pad} = 24 bytes; value {u64 count, 3 x {u64 sum, u64 buckets[17]}}; sample {u32 len, pad, u8 data[512]};
 * bounds {s64 bound[3][16], u32 n[3], pad}.
 */
export interface KernelAggregate {
  readonly tgid: number;
  readonly role: number;
  /** server.port: the local port of a server, the peer's of a client. */
  readonly port: number;
  readonly status: number;
  /** The template's sample request head (request line and headers, as captured). */
  readonly sample: Buffer;
  readonly count: number;
  /** Duration (ns), request body, response body (bytes): sum and per-bucket counts since the last read. */
  readonly hist: readonly { readonly sum: number; readonly counts: Float64Array }[];
}

export const KS_AGG_BUCKETS = 16;
const HISTS = 3;
const U64S = 1 + HISTS * (KS_AGG_BUCKETS + 2);
/** Reads in a row a series may stay unchanged before it is removed from the kernel maps (5 minutes at 1/s). */
const IDLE_READS = 300;

interface Known {
  last: bigint[];
  idle: number;
  tmpl: string;
}

export class KernelAggregates {
  private readonly known = new Map<string, Known>();
  private readonly samples = new Map<string, Buffer>();

  constructor(private readonly agg: BpfMap, private readonly tmpl: BpfMap) {}

  /** Deltas since the last read (series with no new requests are left out). */
  read(): KernelAggregate[] {
    const out: KernelAggregate[] = [];
    const valueSize = this.agg.info.valueSize;
    for (const key of this.agg.keys()) {
      const v = this.agg.lookup(key);
      if (!v) continue;
      const now = sumPerCpuU64(v, valueSize);
      const id = key.toString('hex');
      const tmplKey = key.subarray(8, 16);
      let k = this.known.get(id);
      if (!k) this.known.set(id, (k = { last: new Array<bigint>(U64S).fill(0n), idle: 0, tmpl: tmplKey.toString('hex') }));
      const count = Number(now[0]! - k.last[0]!);
      if (count <= 0) {
        if (++k.idle >= IDLE_READS) this.forget(id, key, k);
        continue;
      }
      k.idle = 0;
      const sample = this.sample(k.tmpl, tmplKey);
      const hist = [];
      for (let h = 0; h < HISTS; h++) {
        const at = 1 + h * (KS_AGG_BUCKETS + 2);
        const counts = new Float64Array(KS_AGG_BUCKETS + 1);
        for (let b = 0; b <= KS_AGG_BUCKETS; b++) counts[b] = Number(now[at + 1 + b]! - k.last[at + 1 + b]!);
        hist.push({ sum: Number(now[at]! - k.last[at]!), counts });
      }
      k.last = now;
      if (!sample) continue; // cannot happen: the kernel writes the template before its first series
      out.push({ tgid: key.readUInt32LE(0), port: key.readUInt16LE(4), status: key.readUInt16LE(6), role: key[16]!, sample, count, hist });
    }
    return out;
  }

  private sample(id: string, key: Buffer): Buffer | undefined {
    let s = this.samples.get(id);
    if (s) return s;
    const v = this.tmpl.lookup(key);
    if (!v) return undefined;
    s = Buffer.from(v.subarray(8, 8 + Math.min(v.readUInt32LE(0), v.length - 8)));
    this.samples.set(id, s);
    return s;
  }

  /**
   * Removes an idle series (and its template when no other series uses it), so the budget serves live ones. A
   * request the kernel adds in the instant between the read and the delete is lost; after 5 idle minutes, rare.
   */
  private forget(id: string, key: Buffer, k: Known): void {
    this.agg.delete(key);
    this.known.delete(id);
    for (const other of this.known.values()) if (other.tmpl === k.tmpl) return;
    this.tmpl.delete(key.subarray(8, 16));
    this.samples.delete(k.tmpl);
  }
}

/**
 * The ks_agg_bounds value for float bounds: per bound the largest integer v (ns for durations, `scale` 1e9; bytes,
 * scale 1) with v / scale <= bound in JavaScript's own arithmetic — the verdict the exact path's `value <= bound`
 * gives for that value — so the kernel's integer compare buckets every request where the exact path would.
 */
export function kernelBounds(hists: readonly { bounds: readonly number[]; scale: number }[]): Buffer {
  const buf = Buffer.alloc(HISTS * KS_AGG_BUCKETS * 8 + 16);
  hists.forEach(({ bounds, scale }, h) => {
    if (bounds.length > KS_AGG_BUCKETS) throw new Error(`at most ${KS_AGG_BUCKETS} histogram bounds in the kernel, got ${bounds.length}`);
    bounds.forEach((b, i) => buf.writeBigInt64LE(integerBound(b, scale), (h * KS_AGG_BUCKETS + i) * 8));
    buf.writeUInt32LE(bounds.length, HISTS * KS_AGG_BUCKETS * 8 + h * 4);
  });
  return buf;
}

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export function integerBound(bound: number, scale: number): bigint {
  if (bound * scale >= 9e18) return I64_MAX;
  if (bound * scale <= -9e18) return I64_MIN;
  let t = Math.floor(bound * scale);
  while ((t + 1) / scale <= bound) t++;
  while (t / scale > bound) t--;
  return BigInt(t);
}

/** What the capture loop reads each maintenance round (CaptureHooks.aggregates). */
export interface KernelAggregation {
  read(): KernelAggregate[];
  /** The float bounds the kernel buckets by (what ks_agg_bounds was written from). */
  readonly bounds: AggregationBounds;
  /** url.scheme of the series' requests: the receiver's (https for tls_uprobe). */
  readonly scheme: 'http' | 'https';
}

/** Load-time settings and map sizes of an object built on the connection machine, for its aggregation plan. */
export function aggregationLoadOptions(plan: AggregationPlan, series: number): { rodata: Record<string, number>; mapSizes: Record<string, number> } {
  return {
    rodata: { ks_aggregate: plan.on ? 1 : 0, ks_agg_collapse_ids: plan.on && plan.collapseIds ? 1 : 0 },
    mapSizes: plan.on ? { ks_agg: series, ks_agg_tmpl: series } : {},
  };
}

/** Starts a loaded object's kernel aggregation: the exporters' bounds into ks_agg_bounds, its series read. */
export function startKernelAggregation(obj: BpfObject, bounds: AggregationBounds, scheme: 'http' | 'https'): KernelAggregation {
  obj.map('ks_agg_bounds').update(Buffer.alloc(4), kernelBounds([
    { bounds: bounds.duration, scale: 1e9 }, { bounds: bounds.requestBodySize, scale: 1 }, { bounds: bounds.responseBodySize, scale: 1 }]));
  const reader = new KernelAggregates(obj.map('ks_agg'), obj.map('ks_agg_tmpl'));
  return { read: () => reader.read(), bounds, scheme };
}

/** The start-up log's word on it. */
export function describeAggregation(plan: AggregationPlan): string {
  return plan.on ? `on (ids ${plan.collapseIds ? 'collapsed' : 'kept'})` : `off: ${plan.reason}`;
}
