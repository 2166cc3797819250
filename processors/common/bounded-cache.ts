/**
 * A size-bounded cache with two generations: entries go to the young map; when it holds half the capacity
 * the old generation is dropped and the young one ages. A hit in the old generation is promoted. Every
 * operation is O(1) (no Map iteration, which degrades after many deletions) and at most `capacity` entries
 * are held, whatever keys arrive.
 */
export class BoundedCache<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #half: number;

  constructor(readonly capacity: number) {
    if (!(capacity >= 2)) throw new RangeError(`cache capacity must be >= 2, got ${capacity}`);
    this.#half = Math.floor(capacity / 2);
  }

  get(key: K): V | undefined {
    const v = this.#young.get(key);
    if (v !== undefined) return v;
    const o = this.#old.get(key);
    if (o !== undefined) this.set(key, o);
    return o;
  }

  set(key: K, value: V): void {
    if (this.#young.size >= this.#half) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }
}
