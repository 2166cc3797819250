import type { AttributeSelection } from '../../src/model/attribute-selection.js';
import type { Flow } from '../../src/model/flow.js';
import { METRICS, type MetricDefinition } from '../../src/model/metrics.js';
import type { Service } from '../../src/model/service.js';
import type { AttributeValue, Span } from '../../src/model/span.js';
import { FLOW_ATTRIBUTES, flowAttributeValue, spanMetrics } from '../../src/metrics/sources.js';
import { SPAN_METRIC_ATTRIBUTES, spanAttributeValue } from '../../src/metrics/span-values.js';
import { SetHasher } from './hash.js';

interface MetricSets {
  readonly def: MetricDefinition;
  /** attribute-set hash → last seen (ms). Never more than `max` entries. */
  readonly seen: Map<number, number>;
  names: readonly string[];
  selection: AttributeSelection | undefined | null;
}

const FLOW_METRICS = [METRICS.flowBytes, METRICS.flowPackets];

/**
 * Tracks, per metric, the attribute sets the metric exporters will build (the same names: the batch's
 * selection or the defaults, the same values, per service) and refuses new ones past `max`.
 */
export class CardinalityGuard {
  readonly #metrics = new Map<string, MetricSets>();
  readonly #serviceIds = new WeakMap<Service, number>();
  readonly #hasher = new SetHasher();
  readonly #hashes: number[] = [];
  #nextService = 1;
  #lastSweep = 0;

  constructor(readonly max: number, readonly ttlMs: number, readonly onOverflow: (metric: string) => void = () => {}) {}

  /** Attribute sets currently tracked, per metric name. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.#metrics.values()].filter((m) => m.seen.size > 0).map((m) => [m.def.name, m.seen.size]));
  }

  /** True when every metric the span feeds has room for (or already has) its attribute set. */
  admitSpan(span: Span, selection: AttributeSelection | undefined, now: number): boolean {
    const metrics = spanMetrics(span);
    if (metrics.length === 0) return true;
    const sid = this.#serviceId(span.service);
    const defs = metrics.map((m) => m.def);
    return this.#admit(defs, selection, SPAN_METRIC_ATTRIBUTES, sid, (n) => spanAttributeValue(span, n), now);
  }

  admitFlow(flow: Flow, selection: AttributeSelection | undefined, now: number): boolean {
    return this.#admit(FLOW_METRICS, selection, FLOW_ATTRIBUTES, 0, (n) => flowAttributeValue(flow, n), now);
  }

  /** Forgets sets not seen within the TTL (amortised: at most every quarter TTL). */
  sweep(now: number): void {
    if (now - this.#lastSweep < Math.min(this.ttlMs / 4, 30_000)) return;
    this.#lastSweep = now;
    const cutoff = now - this.ttlMs;
    for (const m of this.#metrics.values()) for (const [h, t] of m.seen) if (t < cutoff) m.seen.delete(h);
  }

  #admit(defs: readonly MetricDefinition[], selection: AttributeSelection | undefined, available: readonly string[], sid: number, get: (name: string) => AttributeValue | undefined, now: number): boolean {
    const hashes = this.#hashes;
    hashes.length = 0;
    let previous: readonly string[] | undefined;
    let overflow = false;
    for (const def of defs) {
      const m = this.#state(def, selection, available);
      let h = hashes[hashes.length - 1];
      if (m.names !== previous) {
        this.#hasher.reset(sid);
        for (const n of m.names) this.#hasher.add(get(n));
        h = this.#hasher.value();
        previous = m.names;
      }
      hashes.push(h!);
      if (!m.seen.has(h!) && m.seen.size >= this.max) {
        overflow = true;
        this.onOverflow(def.name);
      }
    }
    if (overflow) return false;
    for (let i = 0; i < defs.length; i++) this.#metrics.get(defs[i]!.name)!.seen.set(hashes[i]!, now);
    return true;
  }

  #state(def: MetricDefinition, selection: AttributeSelection | undefined, available: readonly string[]): MetricSets {
    let m = this.#metrics.get(def.name);
    if (!m) this.#metrics.set(def.name, (m = { def, seen: new Map(), names: def.defaultAttributes, selection: null }));
    if (m.selection !== selection) {
      m.selection = selection;
      m.names = selection ? selection.namesFor(def.name, def.defaultAttributes, available) : def.defaultAttributes;
    }
    return m;
  }

  #serviceId(service: Service): number {
    let id = this.#serviceIds.get(service);
    if (id === undefined) this.#serviceIds.set(service, (id = this.#nextService++));
    return id;
  }
}
