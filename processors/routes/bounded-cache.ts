/**
 * A size-bounded map: once full, inserting evicts the oldest entry (insertion order). Memory stays
 * bounded whatever keys arrive; hits do not reorder (cheaper than a true LRU, same bound).
 */
export class BoundedCache<K, V> {
  readonly #map = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`cache capacity must be >= 1, got ${capacity}`);
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V): void {
    if (this.#map.size >= this.capacity && !this.#map.has(key)) {
      this.#map.delete(this.#map.keys().next().value as K);
    }
    this.#map.set(key, value);
  }

  get size(): number {
    return this.#map.size;
  }
}
