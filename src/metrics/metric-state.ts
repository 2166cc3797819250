import type { AttributeSelection } from '../model/attribute-selection.js';
import type { Service } from '../model/service.js';
import type { AttributeValue } from '../model/span.js';
import type { SeriesBudget } from './budget.js';
import type { ExportedDefinition } from './naming.js';
import { bucketIndex } from './histogram.js';
import { newSeries, type Series } from './series.js';
import type { HistogramDelta } from '../model/span.js';

function sameBounds(a: Float64Array, b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The bound that refused a new series (the `reason` label of lumen_metrics_series_dropped_total). */
export type SeriesLimit = 'max_series' | 'max_series_per_metric';

/**
 * The series of one metric, keyed by a cheap interned string (service id + attribute values). The attribute
 * names come from the definition's defaults, or from the attributes processor's selection (cached per
 * selection object, so the lookup runs once per batch, not per record).
 */
export class MetricState {
  readonly series = new Map<string, Series>();
  names: readonly string[];
  /** Identifies `names`: metrics with equal signatures share one key computation per record. */
  sig: string;
  private selection: AttributeSelection | undefined;
  /** The last series looked up by seriesForValues and its key (consecutive spans mostly share one): always equal to series.get(lastKey). */
  private lastKey: string | undefined;
  private lastSeries: Series | undefined;

  constructor(
    readonly def: ExportedDefinition,
    readonly bounds: Float64Array | undefined,
    private readonly available: readonly string[],
    private readonly maxSeries: number,
    /** The aggregator's total budget, shared by every metric. */
    private readonly budget: SeriesBudget,
    /** Told about each observation refused for lack of room, and which bound refused it. */
    private readonly refused: (st: MetricState, reason: SeriesLimit) => void,
    /** The name attribute selections are matched against (the internal OTel name, whatever `def` is exported as). */
    private readonly selectName: string = def.name,
  ) {
    this.names = def.defaultAttributes;
    this.sig = this.names.join(',');
  }

  /** Points `names` at the selection's choice for this metric (or the defaults); true when the selection changed. */
  select(selection: AttributeSelection | undefined): boolean {
    if (selection === this.selection) return false;
    this.selection = selection;
    // db.query.text is unbounded and may carry data: never a metric label, whatever a selection asks
    this.names = selection ? selection.namesFor(this.selectName, this.def.defaultAttributes, this.available).filter((n) => n !== 'db.query.text') : this.def.defaultAttributes;
    this.sig = this.names.join(',');
    return true;
  }

  /** The series for `key`, created with `values()` on first sight; undefined when the metric is full. */
  seriesFor(key: string, service: Service | undefined, values: () => (AttributeValue | undefined)[], now: number): Series | undefined {
    let s = this.series.get(key);
    if (s !== undefined) return s;
    if (!this.admit(now)) return undefined;
    return this.create(key, service, values(), now);
  }

  /** seriesFor() with the values at hand: `values` (aligned with `names`, may be longer) is copied when a series is created. */
  seriesForValues(key: string, service: Service | undefined, values: readonly (AttributeValue | undefined)[], now: number): Series | undefined {
    if (key === this.lastKey) return this.lastSeries;
    let s = this.series.get(key);
    if (s === undefined) {
      if (!this.admit(now)) return undefined;
      s = this.create(key, service, values.slice(0, this.names.length), now);
    }
    this.lastKey = key;
    this.lastSeries = s;
    return s;
  }

  /** Room for one more series: under the per-metric bound and within the total budget. */
  private admit(now: number): boolean {
    if (this.series.size >= this.maxSeries) {
      this.refused(this, 'max_series_per_metric');
      return false;
    }
    if (!this.budget.tryAdd(now)) {
      this.refused(this, 'max_series');
      return false;
    }
    return true;
  }

  private create(key: string, service: Service | undefined, values: (AttributeValue | undefined)[], now: number): Series {
    const s = newSeries(service, this.names, values, this.bounds ? this.bounds.length + 1 : 0, now);
    this.series.set(key, s);
    return s;
  }

  record(s: Series, value: number, now: number): void {
    if (!Number.isFinite(value)) return;
    s.lastMs = now;
    switch (this.def.instrument) {
      case 'histogram':
        s.counts[bucketIndex(this.bounds!, value)]!++;
        s.sum += value;
        s.count++;
        break;
      case 'counter':
        s.sum += value;
        s.count++;
        break;
      case 'gauge':
        s.sum = value;
        s.count++;
        break;
    }
  }

  /**
   * Adds `count` pre-aggregated observations (kernel aggregation). Their buckets must be this histogram's: a delta
   * bucketed otherwise cannot be redistributed, so it is refused loudly rather than exported wrong.
   */
  recordDelta(s: Series, count: number, delta: HistogramDelta, now: number): void {
    if (count <= 0) return;
    const bounds = this.bounds;
    if (this.def.instrument !== 'histogram' || !bounds || !sameBounds(bounds, delta.bounds)) {
      throw new Error(`${this.def.name}: pre-aggregated observations bucketed by [${delta.bounds.join(',')}], not by this histogram's [${bounds ? Array.from(bounds).join(',') : ''}]`);
    }
    s.lastMs = now;
    for (let i = 0; i < s.counts.length; i++) s.counts[i]! += delta.counts[i] ?? 0;
    s.sum += delta.sum;
    s.count += count;
  }

  /** Drops series not updated since `cutoff` (ms); returns how many. */
  expire(cutoff: number): number {
    this.lastKey = undefined;
    this.lastSeries = undefined;
    let n = 0;
    for (const [k, s] of this.series) {
      if (s.lastMs < cutoff) {
        this.series.delete(k);
        n++;
      }
    }
    return n;
  }
}
