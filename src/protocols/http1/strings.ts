/**
 * Decoded strings of recent byte ranges (request paths, Host values), so that a value that repeats — the
 * same endpoint, the same Host — is decoded once rather than per request. Direct-mapped: a slot per hash,
 * holding a copy of the bytes and their string; a hit is proven by comparing the bytes, so the result is
 * always exactly `b.toString(encoding, s, e)`. Bounded: `slots` entries of at most `maxLen` bytes.
 */
export class StringCache {
  readonly #keys: Uint8Array;
  readonly #lens: Int32Array;
  readonly #strs: string[];
  readonly #mask: number;

  constructor(readonly encoding: 'utf8' | 'latin1', slots = 256, readonly maxLen = 64) {
    if (slots & (slots - 1)) throw new RangeError('slots must be a power of two');
    this.#keys = new Uint8Array(slots * maxLen);
    this.#lens = new Int32Array(slots).fill(-1);
    this.#strs = new Array<string>(slots).fill('');
    this.#mask = slots - 1;
  }

  /** b.toString(encoding, s, e), from the cache when these bytes were the last in their slot. */
  get(b: Buffer, s: number, e: number): string {
    const n = e - s;
    if (n > this.maxLen) return b.toString(this.encoding, s, e);
    let h = n;
    for (let i = s; i < e; i++) h = (h * 31 + b[i]!) | 0;
    return this.getHashed(b, s, e, h);
  }

  /** As get, with a hash of the bytes the caller computed (any function of the bytes alone). */
  getHashed(b: Buffer, s: number, e: number, hash: number): string {
    const n = e - s;
    if (n > this.maxLen) return b.toString(this.encoding, s, e);
    const slot = (hash ^ (hash >>> 8) ^ (hash >>> 16)) & this.#mask;
    const keys = this.#keys;
    const at = slot * this.maxLen;
    if (this.#lens[slot] === n) {
      let i = 0;
      while (i < n && keys[at + i] === b[s + i]) i++;
      if (i === n) return this.#strs[slot]!;
    }
    const str = b.toString(this.encoding, s, e);
    for (let i = 0; i < n; i++) keys[at + i] = b[s + i]!;
    this.#lens[slot] = n;
    this.#strs[slot] = str;
    return str;
  }
}
