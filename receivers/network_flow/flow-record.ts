import type { Direction, Transport } from '../../src/model/flow.js';

/**
 * Layouts of bpf/include/network_flow.h, decoded with DataView-style reads over the addon's Buffers
 * (no copies). Keep the offsets in sync with the C header.
 */
export const FLOW_KEY_SIZE = 44;
export const FLOW_VALUE_SIZE = 32;
export const OVERFLOW_RECORD_SIZE = 80;

export const KEY = {
  src: 0, dst: 16, sport: 32, dport: 34, ifindex: 36, proto: 40, direction: 41, family: 42, flags: 43,
} as const;
const VAL = { bytes: 0, packets: 8, first: 16, last: 24 } as const;

export const FLAG_FRAGMENT = 1;

/** Summed counters of one flow entry (over CPUs for per-CPU values). Times: CLOCK_MONOTONIC ns as numbers. */
export interface FlowCounts {
  bytes: number;
  packets: number;
  firstNs: number;
  lastNs: number;
}

/** Index of the u64 counters of nf_stats (enum lumen_flow_stat). */
export const FLOW_STATS = [
  'non_ip', 'malformed', 'loopback_duplicate', 'map_full', 'overflow_dropped', 'fragments', 'fragments_unmatched',
] as const;
export type FlowStatName = (typeof FLOW_STATS)[number];

const u64 = (b: Buffer, off: number): number => b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 0x1_0000_0000;

/**
 * Sums a value: one 32-byte slot (plain map / overflow record) or one slot per possible CPU (per-CPU map),
 * each slot rounded up to 8 bytes as the kernel lays them out.
 */
export function sumValue(b: Buffer, off = 0, slots = Math.max(1, Math.floor((b.length - off) / FLOW_VALUE_SIZE))): FlowCounts {
  const out: FlowCounts = { bytes: 0, packets: 0, firstNs: 0, lastNs: 0 };
  for (let i = 0; i < slots; i++) {
    const o = off + i * FLOW_VALUE_SIZE;
    const packets = u64(b, o + VAL.packets);
    if (packets === 0) continue;
    out.bytes += u64(b, o + VAL.bytes);
    out.packets += packets;
    const first = u64(b, o + VAL.first);
    const last = u64(b, o + VAL.last);
    if (first !== 0 && (out.firstNs === 0 || first < out.firstNs)) out.firstNs = first;
    if (last > out.lastNs) out.lastNs = last;
  }
  return out;
}

export function transportOf(proto: number): Transport {
  switch (proto) {
    case 6: return 'tcp';
    case 17: return 'udp';
    case 1: return 'icmp';
    case 58: return 'icmpv6';
    default: return 'other';
  }
}

export const directionOf = (d: number): Direction => (d === 1 ? 'egress' : 'ingress');

export const keyPort = (key: Buffer, which: 'sport' | 'dport'): number => key.readUInt16LE(KEY[which]);

/**
 * The deduplication identity of a flow key: the 5-tuple (addresses, ports, protocol) without interface and
 * direction, as a string usable as a Map key.
 */
export function tupleId(key: Buffer): string {
  return key.toString('latin1', 0, KEY.ifindex) + String.fromCharCode(key[KEY.proto]!);
}

/** Reads the per-CPU nf_stats array value (u64 per CPU) into one total. */
export function sumStat(value: Buffer): number {
  let total = 0;
  for (let o = 0; o + 8 <= value.length; o += 8) total += u64(value, o);
  return total;
}
