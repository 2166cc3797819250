/** Decoding of bpf/test_probe.bpf.c's 32-byte `struct tp_rec`. */
import { forEachRecord } from '../../../src/bpf/index.js';

export const Kind = { tracepoint: 1, tpBtf: 2, rawTp: 3, uprobe: 4, uretprobe: 5 } as const;

export interface TestRecord { seq: bigint; value: bigint; tgid: number; kind: number; tag: number }

export function decode(batch: Buffer, out: TestRecord[]): void {
  forEachRecord(batch, (v, o, len) => {
    if (len !== 32) throw new Error(`tp_rec is 32 bytes, got ${len}`);
    out.push({ seq: v.getBigUint64(o, true), value: v.getBigInt64(o + 8, true), tgid: v.getUint32(o + 16, true), kind: v.getUint32(o + 20, true), tag: v.getInt32(o + 24, true) });
  });
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** Value of counter `idx` of test_probe's per-CPU `stats` map, summed over the CPUs. */
export function stat(obj: { map(n: string): { lookup(k: Buffer): Buffer | undefined } }, idx: number): bigint {
  const v = obj.map('stats').lookup(u32(idx));
  if (!v) throw new Error(`stats[${idx}] missing`);
  let s = 0n;
  for (let o = 0; o + 8 <= v.length; o += 8) s += v.readBigUInt64LE(o);
  return s;
}

/** Sets cfg[0], the tgid test_probe traces. */
export function traceTgid(obj: { map(n: string): { update(k: Buffer, v: Buffer): void } }, tgid: number): void {
  obj.map('cfg').update(u32(0), u32(tgid));
}

/** Calls getppid() n times from this process (process.ppid is not cached by Node). */
export function callGetppid(n: number): void {
  let s = 0;
  for (let i = 0; i < n; i++) s += process.ppid;
  if (s === -1) throw new Error('unreachable');
}

export async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
