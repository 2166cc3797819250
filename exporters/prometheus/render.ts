import { exportedAttribute, internalMetricName, type ExportedDefinition, type MetricPrefix, type MetricView, type Series } from '../../src/metrics/index.js';
import type { Service } from '../../src/model/service.js';
import { serviceResourceAttributes } from '../../src/model/span-attributes.js';
import { LUMEN_VERSION } from '../../src/model/otel/version.js';
import type { InternalMetricPoint } from '../../src/component/index.js';
import { escapeHelp, formatValue, jobLabel, labelName, renderLabels } from './names.js';

/** The label set of a series: its attributes (as Prometheus names, renamed as `def` exports them), then instance and job of its service. */
export function seriesLabels(s: Series, def?: ExportedDefinition): string {
  if (s.promLabels !== undefined) return s.promLabels;
  const pairs: [string, string][] = [];
  for (let i = 0; i < s.names.length; i++) {
    const v = s.values[i];
    if (v !== undefined && v !== '') pairs.push([labelName(def ? exportedAttribute(def, s.names[i]!) : s.names[i]!), String(v)]);
  }
  if (s.service) {
    pairs.push(['instance', s.service.instanceId]);
    pairs.push(['job', jobLabel(s.service.name, s.service.namespace)]);
  }
  s.promLabels = renderLabels(pairs);
  return s.promLabels;
}

/**
 * Collects exposition lines into chunks of about CHUNK_CHARS characters. A scrape is rendered chunk by chunk
 * and written as it goes: a large scrape never becomes one string (V8 caps string length, ~512 MB, which is
 * how an unbounded scrape used to fail with "Invalid string length").
 */
export const CHUNK_CHARS = 64 * 1024;

class Chunks {
  text = '';
  line(s: string): void {
    this.text += s + '\n';
  }
  get full(): boolean {
    return this.text.length >= CHUNK_CHARS;
  }
  take(): string {
    const t = this.text;
    this.text = '';
    return t;
  }
}

function head(out: Chunks, name: string, help: string, type: string): void {
  out.line(`# HELP ${name} ${escapeHelp(help)}`);
  out.line(`# TYPE ${name} ${type}`);
}

/** One series of a family in text format 0.0.4: histograms as cumulative _bucket/_sum/_count, counters/gauges as one sample. */
function renderSeries(out: Chunks, def: ExportedDefinition, histogram: boolean, les: readonly string[], s: Series): void {
  const name = def.promName;
  const labels = seriesLabels(s, def);
  if (!histogram) {
    out.line(`${name}${labels ? `{${labels}}` : ''} ${formatValue(s.sum)}`);
    return;
  }
  const sep = labels ? `${labels},` : '';
  let acc = 0;
  for (let i = 0; i < les.length; i++) {
    acc += s.counts[i]!;
    out.line(`${name}_bucket{${sep}le="${les[i]}"} ${acc}`);
  }
  const plain = labels ? `{${labels}}` : '';
  out.line(`${name}_sum${plain} ${formatValue(s.sum)}`);
  out.line(`${name}_count${plain} ${s.count}`);
}

const targetInfoCache = new WeakMap<Service, string>();

function targetInfoLabels(svc: Service, hostName: string): string {
  let labels = targetInfoCache.get(svc);
  if (labels === undefined) {
    const attrs = serviceResourceAttributes(svc, hostName, LUMEN_VERSION);
    const pairs: [string, string][] = [['instance', svc.instanceId], ['job', jobLabel(svc.name, svc.namespace)]];
    for (const [k, v] of Object.entries(attrs)) if (k !== 'service.instance.id' && v !== '') pairs.push([labelName(k), String(v)]);
    labels = renderLabels(pairs);
    targetInfoCache.set(svc, labels);
  }
  return labels;
}

/** Lumen's own lumen_* metrics, grouped per name. Counters get the `_total` suffix Prometheus requires. */
function renderInternal(out: Chunks, points: readonly InternalMetricPoint[], prefix: MetricPrefix): void {
  const byName = new Map<string, InternalMetricPoint[]>();
  for (const p of points) {
    const base = internalMetricName(p.name, prefix);
    const name = p.type === 'counter' && !base.endsWith('_total') ? `${base}_total` : base;
    const list = byName.get(name);
    if (list) list.push(p);
    else byName.set(name, [p]);
  }
  for (const [name, list] of byName) {
    head(out, name, list[0]!.help, list[0]!.type);
    for (const p of list) {
      const labels = renderLabels(Object.entries(p.labels).map(([k, v]) => [labelName(k), v] as const));
      out.line(`${name}${labels ? `{${labels}}` : ''} ${formatValue(p.value)}`);
    }
  }
}

/**
 * The scrape body as a sequence of chunks: every metric family, target_info (one sample per service with live
 * series, carrying its resource attributes), then Lumen's internal metrics. Each series is rendered whole
 * within one step, so a histogram's lines stay consistent even if the consumer yields between chunks.
 */
export function* expositionChunks(views: readonly MetricView[], internal: readonly InternalMetricPoint[], hostName: string, prefix: MetricPrefix = 'lumen'): Generator<string, void, undefined> {
  const out = new Chunks();
  const services = new Set<Service>();
  for (const v of views) {
    const name = v.def.promName;
    const histogram = v.def.instrument === 'histogram';
    head(out, name, v.def.description, v.def.instrument);
    const les = [...v.bounds.map(formatValue), '+Inf'];
    for (const s of v.series) {
      renderSeries(out, v.def, histogram, les, s);
      if (s.service) services.add(s.service);
      if (out.full) yield out.take();
    }
  }
  if (services.size > 0) {
    head(out, 'target_info', 'Target metadata: the OTel resource attributes of each observed service.', 'gauge');
    for (const svc of services) {
      out.line(`target_info{${targetInfoLabels(svc, hostName)}} 1`);
      if (out.full) yield out.take();
    }
  }
  renderInternal(out, internal, prefix);
  yield out.take();
}

/** The whole scrape body as one string (tests, small outputs; the server streams expositionChunks). */
export function renderExposition(views: readonly MetricView[], internal: readonly InternalMetricPoint[], hostName: string, prefix: MetricPrefix = 'lumen'): string {
  let text = '';
  for (const chunk of expositionChunks(views, internal, hostName, prefix)) text += chunk;
  return text;
}
