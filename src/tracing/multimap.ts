/** Lists per key, appended in arrival order and removed from the front (the joiner's spans leave in that order). */
export class FifoMultiMap<K, V> {
  private readonly lists = new Map<K, V[]>();

  add(key: K, value: V): void {
    const l = this.lists.get(key);
    if (l) l.push(value);
    else this.lists.set(key, [value]);
  }

  get(key: K): readonly V[] | undefined {
    return this.lists.get(key);
  }

  remove(key: K, value: V): void {
    const l = this.lists.get(key);
    if (!l) return;
    const i = l[0] === value ? 0 : l.indexOf(value);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.lists.delete(key);
  }

  get size(): number {
    return this.lists.size;
  }
}
