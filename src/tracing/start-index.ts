import type { Pending } from './pending.js';

interface StartList {
  /** Ordered by start; `items[head..]` are live or were removed out of order (`removed`). */
  readonly items: Pending[];
  head: number;
}

/** How far back from the call's start a search walks (past requests of the thread that ended before the call). */
const MAX_WALK = 512;

/**
 * The server spans of each thread ordered by start (when their request was read). Spans arrive and leave about in
 * the order they end, which for requests of similar length is the order they start: insertion walks back a few
 * places, removal marks the span and the front advances past what was removed.
 */
export class StartIndex {
  private readonly lists = new Map<number, StartList>();
  private readonly removed = new WeakSet<Pending>();

  add(key: number, p: Pending): void {
    let l = this.lists.get(key);
    if (!l) this.lists.set(key, (l = { items: [], head: 0 }));
    const items = l.items;
    let i = items.length;
    items.push(p);
    while (i > l.head && items[i - 1]!.start > p.start) {
      items[i] = items[i - 1]!;
      i--;
    }
    items[i] = p;
  }

  remove(key: number, p: Pending): void {
    const l = this.lists.get(key);
    if (!l) return;
    this.removed.add(p);
    const items = l.items;
    while (l.head < items.length && this.removed.has(items[l.head]!)) l.head++;
    if (l.head === items.length) this.lists.delete(key);
    else if (l.head > 1024 && l.head * 2 > items.length) {
      items.splice(0, l.head);
      l.head = 0;
    }
  }

  /**
   * The span of `key` read last at or before `at` that ends at or after `end` (it encloses a call started at `at`
   * and ended at `end`); null when none does within MAX_WALK spans back.
   */
  latestEnclosing(key: number, at: number, end: number): Pending | null {
    const l = this.lists.get(key);
    if (!l) return null;
    const items = l.items;
    let lo = l.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (items[mid]!.start <= at) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1, n = 0; i >= l.head && n < MAX_WALK; i--, n++) {
      const s = items[i]!;
      if (s.end >= end && !this.removed.has(s)) return s;
    }
    return null;
  }
}
