import type { Service } from '../model/service.js';
import type { AttributeValue } from '../model/span.js';
import type { Series } from './series.js';

type Node = Map<unknown, Node | (Series | undefined)[]>;

/** The trie's levels: the metric list, the service, then each attribute value. */
function keyAt(level: number, list: unknown, service: Service, values: readonly (AttributeValue | undefined)[]): unknown {
  return level === 0 ? list : level === 1 ? service : values[level - 2];
}

/**
 * (metric list, service, attribute values) → the series of each metric of the list, remembered as a trie of Maps keyed
 * by the values themselves. The exact path builds a key string from the values and hashes it per span; a span of an
 * endpoint seen before costs one Map look-up per value here instead (strings from the parser and the routes processor
 * are interned, their hashes cached). A row is only what the exact path returned for those values, so the trie must be
 * cleared whenever a series it holds may be gone (expiry, eviction) or the attribute names change (a new selection).
 * Bounded: past `maxRows` rows it starts over (high cardinality then pays the exact path, no more).
 */
export class SeriesCache {
  #root: Node = new Map();
  #rows = 0;
  #generation = 0;
  /** The last row and what it was for: consecutive spans of one endpoint skip even the trie. */
  #lastList: unknown;
  #lastService: Service | undefined;
  readonly #lastValues: (AttributeValue | undefined)[] = [];
  #lastCount = 0;
  #lastRow: (Series | undefined)[] | undefined;

  constructor(readonly maxRows = 4096) {}

  get size(): number {
    return this.#rows;
  }

  /** Changes at every clear(): a row found before a clear may hold series that are gone since. */
  get generation(): number {
    return this.#generation;
  }

  /** The row stored for these first `n` values, or undefined. */
  get(list: unknown, service: Service, values: readonly (AttributeValue | undefined)[], n: number): (Series | undefined)[] | undefined {
    if (this.#lastRow !== undefined && list === this.#lastList && service === this.#lastService && this.#sameAsLast(values, n)) return this.#lastRow;
    let node: Node | undefined = this.#root;
    for (let k = 0; node !== undefined && k < n + 2; k++) node = node.get(keyAt(k, list, service, values)) as Node | undefined;
    const row = node as (Series | undefined)[] | undefined;
    if (row !== undefined) this.#remember(list, service, values, n, row);
    return row;
  }

  /** Stores a row (every series defined: a refused series may be admitted later, so it is never remembered). */
  set(list: unknown, service: Service, values: readonly (AttributeValue | undefined)[], n: number, row: (Series | undefined)[]): void {
    if (this.#rows >= this.maxRows) this.clear();
    let node = this.#root;
    for (let k = 0; k < n + 1; k++) node = this.#child(node, keyAt(k, list, service, values));
    node.set(keyAt(n + 1, list, service, values), row);
    this.#rows++;
    this.#remember(list, service, values, n, row);
  }

  clear(): void {
    this.#generation++;
    this.#root = new Map();
    this.#rows = 0;
    this.#lastRow = undefined;
    this.#lastList = undefined;
    this.#lastService = undefined;
  }

  #child(node: Node, key: unknown): Node {
    let next = node.get(key) as Node | undefined;
    if (next === undefined) node.set(key, (next = new Map()));
    return next;
  }

  #sameAsLast(values: readonly (AttributeValue | undefined)[], n: number): boolean {
    const last = this.#lastValues;
    if (this.#lastCount !== n) return false;
    // SameValueZero, as the trie's Maps compare keys.
    for (let k = 0; k < n; k++) {
      const a = values[k];
      const b = last[k];
      if (a !== b && !(a !== a && b !== b)) return false;
    }
    return true;
  }

  #remember(list: unknown, service: Service, values: readonly (AttributeValue | undefined)[], n: number, row: (Series | undefined)[]): void {
    this.#lastList = list;
    this.#lastService = service;
    const last = this.#lastValues;
    for (let k = 0; k < n; k++) last[k] = values[k];
    this.#lastCount = n;
    this.#lastRow = row;
  }
}
