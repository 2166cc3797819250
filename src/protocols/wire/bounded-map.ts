/**
 * A Map that forgets its oldest entries beyond `max` (insertion order, refreshed on set): per-connection
 * state of the wire parsers (prepared statements) stays bounded whatever a client does. `onDrop` sees every
 * value that leaves (deleted, replaced or evicted).
 */
export class BoundedMap<K, V> {
  private readonly m = new Map<K, V>();
  constructor(private readonly max: number, private readonly onDrop?: (v: V) => void) {}

  get size(): number {
    return this.m.size;
  }

  get(k: K): V | undefined {
    return this.m.get(k);
  }

  set(k: K, v: V): void {
    this.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.max) this.delete(this.m.keys().next().value as K);
  }

  delete(k: K): void {
    const v = this.m.get(k);
    if (v === undefined && !this.m.has(k)) return;
    this.m.delete(k);
    this.onDrop?.(v as V);
  }
}
