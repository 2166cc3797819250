import type { AttributeSelection } from '../model/attribute-selection.js';
import type { Batch } from '../model/batch.js';
import type { Flow } from '../model/flow.js';
import type { Measurement } from '../model/measurement.js';
import { METRICS, metricDefinition, type MetricDefinition } from '../model/metrics.js';
import type { Service } from '../model/service.js';
import type { AttributeValue, Span } from '../model/span.js';
import type { Logger } from '../telemetry/logger.js';
import type { Counter, SelfTelemetry } from '../telemetry/self-telemetry.js';
import { SeriesBudget } from './budget.js';
import { boundsFor, type BucketOverrides } from './buckets.js';
import { MetricState, type SeriesLimit } from './metric-state.js';
import { exportedDefinition, type ExportedDefinition, type MetricNaming } from './naming.js';
import type { Series } from './series.js';
import { SeriesCache } from './series-cache.js';
import { ALL_SPAN_METRICS, FLOW_ATTRIBUTES, flowAttributeValue, measurementAttributeValue, spanMetrics, type SpanMetric } from './sources.js';
import { SPAN_METRIC_ATTRIBUTES, spanAttributeGetter, spanTypedGetter, type SpanAttributeGetter } from './span-values.js';

export interface AggregatorOptions {
  /** Series not updated for this long are dropped (Beyla's metrics TTL, default 5 minutes). */
  ttlMs?: number;
  buckets?: BucketOverrides;
  /** Hard bound on series per metric; further new series are dropped and counted. */
  maxSeriesPerMetric?: number;
  /** Total series budget, all metrics together (see budget.ts for what happens when it is full). */
  maxSeries?: number;
  telemetry?: SelfTelemetry;
  /** Where the WARN-once of each bound goes. */
  logger?: Logger;
  /** The config path of the owner's options, named in warnings: `exporters.prometheus`, `exporters.otlp.metrics`. */
  optionsPath?: string;
  now?: () => number;
  /** Names and labels the series are exported under (metric_names / metric_prefix; default semconv, lumen). */
  naming?: MetricNaming;
  /** Rows the span series cache holds (default 4096); 0 = none, every span takes the exact path (the equivalence test's reference). */
  seriesCacheRows?: number;
}

/** A metric with its live series, as the exporters render it. */
export interface MetricView {
  /** The definition as exported (names and labels of the naming mode). */
  readonly def: ExportedDefinition;
  /** Histogram boundaries (empty for counters and gauges). */
  readonly bounds: readonly number[];
  readonly series: readonly Series[];
}

/**
 * The value getters of a list of attribute names: `any` for every span, `plain` for spans without own attributes
 * (spanTypedGetter). Lists are shared per metric and selection, so cached by identity.
 */
const getterLists = new WeakMap<readonly string[], { any: SpanAttributeGetter[]; plain: SpanAttributeGetter[] }>();

function gettersFor(names: readonly string[], plain: boolean): SpanAttributeGetter[] {
  let g = getterLists.get(names);
  if (g === undefined) getterLists.set(names, (g = { any: names.map(spanAttributeGetter), plain: names.map(spanTypedGetter) }));
  return plain ? g.plain : g.any;
}

/** No own enumerable key (the common case: receivers create spans with `attributes: {}`). */
function hasNoKeys(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

export const DEFAULT_MAX_SERIES = 10_000;
export const DEFAULT_MAX_SERIES_PER_METRIC = 100_000;
/** When the budget is full, series idle this long (or the TTL, if shorter) are evicted to make room. */
export const BUDGET_IDLE_MS = 60_000;

/** Aggregators given their own clock (tests) never share: each gets a distinct shareKey. */
let ownClocks = 0;

const SEP = '\u0001';
const MISSING = '\u0000';

/**
 * Turns span, flow and measurement batches into metric series (cumulative histograms, counters, gauges),
 * pre-aggregated per (metric, attribute values, service). Shared by the prometheus and otlp exporters: they
 * call consume() on the hot path and collect() when scraped or on their export interval.
 */
export class MetricAggregator {
  private readonly states = new Map<string, MetricState>();
  private readonly serviceIds = new WeakMap<Service, string>();
  private nextServiceId = 1;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly dropped: Record<SeriesLimit, Counter | undefined>;
  private readonly evicted: Counter | undefined;
  private readonly budget: SeriesBudget;
  private readonly warnedMetrics = new Set<string>();
  private readonly unknown: Counter | undefined;
  private readonly expired: Counter | undefined;
  /** The attribute values of the span being keyed. */
  private readonly values: (AttributeValue | undefined)[] = [];
  /** (metric list, service, values) → series, so a span of a known endpoint builds no key (cleared when series go). */
  private readonly rows: SeriesCache;
  private readonly scratchRow: (Series | undefined)[] = [];
  /** The states of the last list of span metrics (states are created in the constructor and never removed). */
  private prevMetrics: readonly SpanMetric[] | undefined;
  private prevStates: MetricState[] = [];
  /** The last list's metrics all have the same attribute names. */
  private prevOneKey = false;
  /**
   * Equal for two aggregators that turn the same batches into the same series (naming, TTL, buckets, bounds):
   * the engine's metrics stage lets exporters with equal keys share one (src/engine/metrics-stage.ts).
   */
  readonly shareKey: string;

  constructor(private readonly options: AggregatorOptions = {}) {
    this.ttlMs = options.ttlMs ?? 5 * 60_000;
    this.shareKey = JSON.stringify([options.naming ?? null, this.ttlMs, options.buckets ?? null, options.maxSeries ?? DEFAULT_MAX_SERIES,
      options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC, options.now === undefined ? 0 : ++ownClocks]);
    this.now = options.now ?? Date.now;
    this.rows = new SeriesCache(options.seriesCacheRows);
    const t = options.telemetry;
    const droppedHelp = 'Observations dropped because a series bound was reached (reason: max_series = the total budget, max_series_per_metric).';
    this.dropped = {
      max_series: t?.counter('lumen_metrics_series_dropped_total', droppedHelp, { reason: 'max_series' }),
      max_series_per_metric: t?.counter('lumen_metrics_series_dropped_total', droppedHelp, { reason: 'max_series_per_metric' }),
    };
    this.evicted = t?.counter('lumen_metrics_series_evicted_total', 'Idle series removed before their TTL to make room, because the series budget was full.');
    const max = options.maxSeries ?? DEFAULT_MAX_SERIES;
    this.budget = new SeriesBudget(max, Math.min(this.ttlMs, BUDGET_IDLE_MS), (cutoff) => this.evictIdle(cutoff), () => {
      options.logger?.warn(`metric series budget full: ${this.optionName('max_series')} (${max}) reached; new series are dropped and counted in lumen_metrics_series_dropped_total{reason="max_series"}, idle ones are evicted to make room. Hostile or unbounded attribute values (paths, Host headers)? Bound them with the routes processor or a cardinality_guard, or raise the option`, { max_series: max });
    });
    this.unknown = t?.counter('lumen_metrics_unknown_measurements_total', 'Measurements for a metric not declared in src/model/metrics.ts, dropped.');
    this.expired = t?.counter('lumen_metrics_series_expired_total', 'Series removed after not being updated for the TTL.');
    t?.gauge('lumen_metrics_series', 'Metric series currently held.', () => this.seriesCount());
    // Validate every override up front: a bad bucket list is a config error, not a runtime surprise.
    for (const def of Object.values(METRICS)) this.state(def);
  }

  consume(batch: Batch): void {
    const now = this.now();
    switch (batch.kind) {
      case 'spans': return this.spans(batch.items, batch.selection, now);
      case 'flows': return this.flows(batch.items, batch.selection, now);
      case 'measurements': return this.measurements(batch.items, batch.selection, now);
    }
  }

  /** Drops series older than the TTL, then returns every metric that has series. */
  collect(): MetricView[] {
    this.expire();
    const out: MetricView[] = [];
    for (const st of this.states.values()) {
      if (st.series.size === 0) continue;
      out.push({ def: st.def, bounds: st.bounds ? Array.from(st.bounds) : [], series: [...st.series.values()] });
    }
    return out;
  }

  expire(): number {
    const cutoff = this.now() - this.ttlMs;
    let n = 0;
    for (const st of this.states.values()) n += st.expire(cutoff);
    this.budget.release(n);
    if (n > 0) this.rows.clear();
    if (n > 0) this.expired?.add(n);
    return n;
  }

  seriesCount(): number {
    return this.budget.held;
  }

  /**
   * The histogram bounds of a metric (defaults or this aggregator's override): what kernel aggregation must
   * bucket by for the series to be the ones the exact path makes.
   */
  boundsOf(def: MetricDefinition): readonly number[] {
    return Array.from(this.state(def).bounds ?? []);
  }

  /** The naming mode's default attributes of a metric (legacy names add url.path to some). */
  defaultAttributesOf(def: MetricDefinition): readonly string[] {
    return this.state(def).def.defaultAttributes;
  }

  /** Drops series not updated since `cutoff` to make room in a full budget. */
  private evictIdle(cutoff: number): number {
    let n = 0;
    for (const st of this.states.values()) n += st.expire(cutoff);
    this.budget.release(n);
    if (n > 0) this.rows.clear();
    if (n > 0) this.evicted?.add(n);
    return n;
  }

  private refused(st: MetricState, reason: SeriesLimit): void {
    this.dropped[reason]?.add();
    if (reason !== 'max_series_per_metric' || this.warnedMetrics.has(st.def.name)) return;
    this.warnedMetrics.add(st.def.name);
    this.options.logger?.warn(`metric ${st.def.name} reached ${this.optionName('max_series_per_metric')} (${st.series.size} series); its new series are dropped and counted in lumen_metrics_series_dropped_total{reason="max_series_per_metric"}`, { metric: st.def.name });
  }

  private optionName(option: string): string {
    return this.options.optionsPath ? `${this.options.optionsPath}.${option}` : option;
  }

  private state(def: MetricDefinition): MetricState {
    let st = this.states.get(def.name);
    if (!st) {
      const available = ALL_SPAN_METRICS.includes(def) ? SPAN_METRIC_ATTRIBUTES
        : def === METRICS.flowBytes || def === METRICS.flowPackets ? FLOW_ATTRIBUTES
          : ['service.name', 'service.namespace', ...def.defaultAttributes];
      st = new MetricState(exportedDefinition(def, this.options.naming), boundsFor(def, this.options.buckets), available, this.options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC,
        this.budget, (state, reason) => this.refused(state, reason), def.name);
      this.states.set(def.name, st);
    }
    return st;
  }

  private serviceKey(service: Service | undefined): string {
    if (service === undefined) return '';
    let id = this.serviceIds.get(service);
    if (id === undefined) {
      id = String(this.nextServiceId++);
      this.serviceIds.set(service, id);
    }
    return id;
  }

  private spans(items: Span[], selection: AttributeSelection | undefined, now: number): void {
    let reselected = false;
    for (const st of this.states.values()) if (st.select(selection)) reselected = true;
    if (reselected) {
      this.rows.clear();
      this.prevMetrics = undefined;
    }
    for (let i = 0; i < items.length; i++) {
      const span = items[i]!;
      const metrics = spanMetrics(span);
      if (metrics.length === 0) continue;
      if (metrics !== this.prevMetrics) {
        const states = metrics.map((sm) => this.states.get(sm.def.name)!);
        this.prevStates = states;
        this.prevOneKey = states.every((st) => st.sig === states[0]!.sig);
        this.prevMetrics = metrics;
      }
      const states = this.prevStates;
      const plain = hasNoKeys(span.attributes);
      const cacheable = this.prevOneKey && this.rows.maxRows > 0;
      const row = cacheable ? this.cachedRow(span, metrics, states, plain) : undefined;
      if (row !== undefined) {
        for (let m = 0; m < metrics.length; m++) this.observeSpan(states[m]!, row[m]!, metrics[m]!, span, now);
      } else {
        // A later metric's new series may evict an earlier one found for this span (one observed with NaN stays idle):
        // a row is only stored when nothing was removed meanwhile.
        const generation = this.rows.generation;
        const found = this.exactSeries(span, metrics, states, plain, now);
        if (cacheable && generation === this.rows.generation && found.every((s) => s !== undefined)) this.rows.set(metrics, span.service, this.values, states[0]!.names.length, found.slice());
      }
    }
  }

  /** One span's observation of one metric: its own values, or an aggregate span's pre-aggregated ones. */
  private observeSpan(st: MetricState, s: Series, sm: SpanMetric, span: Span, now: number): void {
    const agg = span.aggregate;
    if (agg === undefined) st.record(s, sm.value(span), now);
    else if (sm.aggregated) st.recordDelta(s, agg.count, sm.aggregated(agg), now);
  }

  /**
   * The series cache's row for a span whose metrics all have the same attribute names (one key), or undefined when
   * these values were not seen (since the series last changed). Leaves the values in `this.values`.
   */
  private cachedRow(span: Span, metrics: readonly SpanMetric[], states: MetricState[], plain: boolean): readonly Series[] | undefined {
    const vals = this.values;
    const getters = gettersFor(states[0]!.names, plain);
    const n = getters.length;
    for (let k = 0; k < n; k++) vals[k] = getters[k]!(span);
    return this.rows.get(metrics, span.service, vals, n) as readonly Series[] | undefined;
  }

  /**
   * The exact path: each metric's series by its key string (built once per distinct attribute list), observed at once
   * — a later metric's new series may evict idle ones, and an observed series is not idle. Returns the series found
   * (undefined where a bound refused one), in a scratch array; the values of the last list stay in `this.values`.
   */
  private exactSeries(span: Span, metrics: readonly SpanMetric[], states: MetricState[], plain: boolean, now: number): readonly (Series | undefined)[] {
    const vals = this.values;
    const found = this.scratchRow;
    found.length = states.length;
    const sid = this.serviceKey(span.service);
    let sig: string | undefined;
    let key = '';
    for (let m = 0; m < states.length; m++) {
      const st = states[m]!;
      if (st.sig !== sig) {
        sig = st.sig;
        const getters = gettersFor(st.names, plain);
        for (let k = 0; k < getters.length; k++) vals[k] = getters[k]!(span);
        key = this.valuesKey(sid, vals, getters.length);
      }
      const s = st.seriesForValues(key, span.service, vals, now);
      found[m] = s;
      if (s !== undefined) this.observeSpan(st, s, metrics[m]!, span, now);
    }
    return found;
  }

  /** The series key: service id and the first `n` values, separated (MISSING for an absent value). */
  private valuesKey(sid: string, vals: readonly (AttributeValue | undefined)[], n: number): string {
    let key = sid;
    for (let k = 0; k < n; k++) {
      const v = vals[k];
      key += v === undefined ? SEP + MISSING : SEP + v;
    }
    return key;
  }

  private flows(items: Flow[], selection: AttributeSelection | undefined, now: number): void {
    const bytes = this.state(METRICS.flowBytes);
    const packets = this.state(METRICS.flowPackets);
    bytes.select(selection);
    packets.select(selection);
    for (const f of items) {
      this.observe(bytes, undefined, (n) => flowAttributeValue(f, n), f.bytes, now);
      this.observe(packets, undefined, (n) => flowAttributeValue(f, n), f.packets, now);
    }
  }

  private measurements(items: Measurement[], selection: AttributeSelection | undefined, now: number): void {
    for (const m of items) {
      const def = metricDefinition(m.metric);
      if (def === undefined || !Number.isFinite(m.value)) {
        this.unknown?.add();
        continue;
      }
      const st = this.state(def);
      st.select(selection);
      this.observe(st, m.service, (n) => measurementAttributeValue(m, n), m.value, now);
    }
  }

  private observe(st: MetricState, service: Service | undefined, get: (name: string) => AttributeValue | undefined, value: number, now: number): void {
    let key = this.serviceKey(service);
    for (const n of st.names) {
      const v = get(n);
      key += v === undefined ? SEP + MISSING : SEP + v;
    }
    const s = st.seriesFor(key, service, () => st.names.map(get), now);
    if (s !== undefined) st.record(s, value, now);
  }
}
