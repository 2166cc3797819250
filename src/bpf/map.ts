import type { NativeObject } from './native.js';
import type { BpfMap, MapInfo } from './types.js';

/** BpfMap over the addon: every call goes through the owning object, so a closed object fails cleanly. */
export class NativeMap implements BpfMap {
  readonly info: MapInfo;
  private readonly fullValueSize: number;

  constructor(private readonly native: NativeObject, name: string) {
    const i = native.mapInfo(name);
    this.info = Object.freeze({
      name: i.name, type: i.type, keySize: i.keySize, valueSize: i.valueSize, maxEntries: i.maxEntries, perCpu: i.perCpu,
    });
    this.fullValueSize = i.perCpu ? Math.ceil(i.valueSize / 8) * 8 * i.possibleCpus : i.valueSize;
  }

  lookup(key: Buffer): Buffer | undefined {
    return this.native.mapLookup(this.info.name, key);
  }

  update(key: Buffer, value: Buffer, flags: 'any' | 'noexist' | 'exist' = 'any'): void {
    this.native.mapUpdate(this.info.name, key, value, flags);
  }

  delete(key: Buffer): boolean {
    return this.native.mapDelete(this.info.name, key);
  }

  keys(): Buffer[] {
    return this.native.mapKeys(this.info.name);
  }

  lookupAndDeleteBatch(max?: number): Array<[Buffer, Buffer]> {
    const [keys, values, count] = this.native.mapLookupAndDeleteBatch(this.info.name, max ?? -1);
    const out = new Array<[Buffer, Buffer]>(count);
    const ks = this.info.keySize;
    const vs = this.fullValueSize;
    for (let i = 0; i < count; i++) {
      out[i] = [keys.subarray(i * ks, (i + 1) * ks), values.subarray(i * vs, (i + 1) * vs)];
    }
    return out;
  }
}

/** Sums a per-CPU value of u64 counters: returns one bigint per u64 slot of the value. */
export function sumPerCpuU64(value: Buffer, valueSize: number): bigint[] {
  const stride = Math.ceil(valueSize / 8) * 8;
  const slots = Math.floor(valueSize / 8);
  const sums = new Array<bigint>(slots).fill(0n);
  for (let cpu = 0; cpu + stride <= value.length; cpu += stride) {
    for (let s = 0; s < slots; s++) sums[s] = (sums[s] as bigint) + value.readBigUInt64LE(cpu + s * 8);
  }
  return sums;
}
