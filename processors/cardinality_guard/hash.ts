import type { AttributeValue } from '../../src/model/span.js';

/**
 * A 53-bit hash of an attribute set (two 32-bit FNV-1a variants), so the guard stores a number per set
 * whatever the length of the values: memory stays bounded even for hostile paths. Collisions among a few
 * thousand sets are ~1e-10 likely.
 */
export class SetHasher {
  #a = 0x811c9dc5;
  #b = 0x01000193;

  reset(seed: number): this {
    this.#a = (0x811c9dc5 ^ seed) >>> 0;
    this.#b = (0x9747b28c ^ Math.imul(seed, 0x5bd1e995)) >>> 0;
    return this;
  }

  add(value: AttributeValue | undefined): this {
    const text = value === undefined ? '\u0000' : typeof value === 'string' ? value : `${typeof value}:${value}`;
    let a = this.#a;
    let b = this.#b;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
    a = Math.imul(a ^ 1, 0x01000193);
    b = Math.imul(b ^ 1, 0x5bd1e995) ^ (b >>> 15);
    this.#a = a;
    this.#b = b;
    return this;
  }

  value(): number {
    return (this.#a >>> 0) + (this.#b & 0x1fffff) * 4294967296;
  }
}
