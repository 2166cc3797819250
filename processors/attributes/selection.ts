import type { AttributeSelection } from '../../src/model/attribute-selection.js';
import { globToRegExp, isGlob, underscored } from '../common/glob.js';
import type { InclusionLists } from './config.js';

const AGGREGATION_SUFFIXES = ['.count', '.sum', '.bucket', '.total'];
const UNIT_SUFFIXES = ['.seconds', '.bytes'];

/** A metric key as users write it (Prometheus or OTel form, with suffixes) → the dotted OTel "section" form. */
export function normalizeMetric(name: string): string {
  let n = name.replace(/_/g, '.');
  for (const list of [AGGREGATION_SUFFIXES, UNIT_SUFFIXES]) {
    const s = list.find((x) => n.endsWith(x) && n.length > x.length);
    if (s) n = n.slice(0, -s.length);
  }
  return n;
}

interface Rule {
  readonly key: string;
  readonly metric: RegExp;
  readonly include: ((name: string) => boolean) | undefined;
  /** Include entries without glob characters: reported even when no source lists them (e.g. added by an action). */
  readonly exactIncludes: string[];
  readonly exclude: (name: string) => boolean;
}

function anyOf(globs: readonly string[]): (name: string) => boolean {
  const res = globs.map((g) => globToRegExp(underscored(g)));
  return (name) => {
    const u = underscored(name);
    return res.some((r) => r.test(u));
  };
}

/**
 * Beyla's `attributes.select` semantics: every key whose glob matches the metric applies, broadest first
 * (sorted by key, so the exact metric name comes last); the first rule without an `include` starts from the
 * defaults; includes add attributes, excludes remove them. Attribute names compare with '.' ≡ '_'.
 */
export class MetricSelection implements AttributeSelection {
  readonly #rules: Rule[];
  readonly #cache = new Map<string, { defaults: readonly string[]; available: readonly string[]; names: readonly string[] }>();

  constructor(select: Readonly<Record<string, InclusionLists>>, private readonly produced: readonly string[] = []) {
    this.#rules = Object.keys(select)
      .map((k) => [normalizeMetric(k), select[k]!] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, lists]) => ({
        key,
        metric: globToRegExp(underscored(key)),
        include: lists.include?.length ? anyOf(lists.include) : undefined,
        exactIncludes: (lists.include ?? []).filter((g) => !isGlob(g)),
        exclude: anyOf(lists.exclude ?? []),
      }));
  }

  namesFor(metric: string, defaults: readonly string[], available: readonly string[]): readonly string[] {
    const hit = this.#cache.get(metric);
    if (hit && hit.defaults === defaults && hit.available === available) return hit.names;
    const names = this.#compute(metric, defaults, available);
    if (this.#cache.size < 1024) this.#cache.set(metric, { defaults, available, names });
    return names;
  }

  #compute(metric: string, defaults: readonly string[], available: readonly string[]): readonly string[] {
    const section = underscored(normalizeMetric(metric));
    const rules = this.#rules.filter((r) => r.metric.test(section));
    if (rules.length === 0) return defaults;
    const pool = unique([...defaults, ...available, ...this.produced]);
    let chosen = new Set<string>();
    rules.forEach((r, i) => {
      if (r.include) {
        for (const n of pool) if (r.include(n)) chosen.add(n);
        for (const n of r.exactIncludes) if (![...chosen].some((c) => underscored(c) === underscored(n))) chosen.add(n);
      }
      if (i === 0 && chosen.size === 0) chosen = new Set(defaults);
      for (const n of [...chosen]) if (r.exclude(n)) chosen.delete(n);
    });
    const order = new Map(pool.map((n, i) => [n, i]));
    return Object.freeze([...chosen].sort((a, b) => (order.get(a) ?? pool.length) - (order.get(b) ?? pool.length)));
  }
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}
