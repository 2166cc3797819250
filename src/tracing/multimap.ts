/** One key's values in arrival order: `items[head..]` are live (leaving from the front costs no copy). */
export interface FifoList<V> {
  readonly items: V[];
  head: number;
}

/** Lists per key, appended in arrival order and removed (almost always) from the front: the joiner's spans leave in that order. */
export class FifoMultiMap<K, V> {
  private readonly lists = new Map<K, FifoList<V>>();

  add(key: K, value: V): void {
    const l = this.lists.get(key);
    if (l) l.items.push(value);
    else this.lists.set(key, { items: [value], head: 0 });
  }

  get(key: K): FifoList<V> | undefined {
    return this.lists.get(key);
  }

  remove(key: K, value: V): void {
    const l = this.lists.get(key);
    if (!l) return;
    if (l.items[l.head] === value) {
      l.head++;
    } else {
      const i = l.items.indexOf(value, l.head);
      if (i >= 0) l.items.splice(i, 1);
    }
    if (l.head === l.items.length) {
      this.lists.delete(key);
    } else if (l.head > 1024 && l.head * 2 > l.items.length) {
      l.items.splice(0, l.head);
      l.head = 0;
    }
  }

  get size(): number {
    return this.lists.size;
  }
}
