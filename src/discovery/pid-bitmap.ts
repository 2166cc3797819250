import type { BpfMap } from '../bpf/types.js';
import { LumenError } from '../errors/lumen-error.js';

/**
 * A PID allow-list kept as a bitmap in a BPF array map: key = tgid / 64 (u32), value = a u64 word whose bit
 * tgid % 64 is set for an allowed process. The kernel side tests a process with one inlined array load and no
 * hash look-up (ks_pid_wanted, bpf/include/ks_conn.h), so processes nobody instruments leave the socket probes at
 * once. 65,536 words cover PID_MAX_LIMIT (4,194,304) in 512 KiB. Only this process writes the map; the kernel reads.
 */
export class PidBitmap {
  private readonly key = Buffer.alloc(4);
  private readonly word = Buffer.alloc(8);

  constructor(private readonly map: BpfMap) {
    const { type, keySize, valueSize, name } = map.info;
    if (type !== 'array' || keySize !== 4 || valueSize !== 8) {
      throw new LumenError('LUMEN_BPF_MAP_LAYOUT', `PidBitmap: map ${name} is a ${type} with ${keySize}-byte keys and ${valueSize}-byte values; a PID bitmap is an array of u64 words with u32 keys`);
    }
  }

  /** Sets or clears pid's bit; throws when pid is past the map (E2BIG/ENOENT from the kernel). */
  set(pid: number, allowed: boolean): void {
    this.key.writeUInt32LE(Math.floor(pid / 64));
    const cur = this.map.lookup(this.key);
    if (!cur) throw new LumenError('LUMEN_BPF_MAP_LAYOUT', `PidBitmap: pid ${pid} is past map ${this.map.info.name} (${this.map.info.maxEntries * 64} pids)`);
    const bit = 1n << BigInt(pid % 64);
    const v = cur.readBigUInt64LE(0);
    const next = allowed ? v | bit : v & ~bit;
    if (next === v) return;
    this.word.writeBigUInt64LE(next, 0);
    this.map.update(this.key, this.word);
  }

  has(pid: number): boolean {
    this.key.writeUInt32LE(Math.floor(pid / 64));
    const cur = this.map.lookup(this.key);
    return !!cur && ((cur.readBigUInt64LE(0) >> BigInt(pid % 64)) & 1n) === 1n;
  }
}
