import type { MetricView, Series } from '../../src/metrics/index.js';
import type { Service } from '../../src/model/service.js';
import { serviceResourceAttributes } from '../../src/model/span-attributes.js';
import { LUMEN_VERSION } from '../../src/model/otel/version.js';
import type { InternalMetricPoint } from '../../src/component/index.js';
import { escapeHelp, formatValue, jobLabel, labelName, renderLabels } from './names.js';

/** The label set of a series: its attributes (as Prometheus names), then instance and job of its service. */
export function seriesLabels(s: Series): string {
  if (s.promLabels !== undefined) return s.promLabels;
  const pairs: [string, string][] = [];
  for (let i = 0; i < s.names.length; i++) {
    const v = s.values[i];
    if (v !== undefined && v !== '') pairs.push([labelName(s.names[i]!), String(v)]);
  }
  if (s.service) {
    pairs.push(['instance', s.service.instanceId]);
    pairs.push(['job', jobLabel(s.service.name, s.service.namespace)]);
  }
  s.promLabels = renderLabels(pairs);
  return s.promLabels;
}

function head(out: string[], name: string, help: string, type: string): void {
  out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
}

/** One metric family in text format 0.0.4: histograms as cumulative _bucket/_sum/_count, counters/gauges as one sample. */
export function renderFamily(out: string[], v: MetricView): void {
  const name = v.def.promName;
  const type = v.def.instrument === 'histogram' ? 'histogram' : v.def.instrument;
  head(out, name, v.def.description, type);
  const les = [...v.bounds.map(formatValue), '+Inf'];
  for (const s of v.series) {
    const labels = seriesLabels(s);
    if (type !== 'histogram') {
      out.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(s.sum)}`);
      continue;
    }
    const sep = labels ? `${labels},` : '';
    let acc = 0;
    for (let i = 0; i < les.length; i++) {
      acc += s.counts[i]!;
      out.push(`${name}_bucket{${sep}le="${les[i]}"} ${acc}`);
    }
    const plain = labels ? `{${labels}}` : '';
    out.push(`${name}_sum${plain} ${formatValue(s.sum)}`, `${name}_count${plain} ${s.count}`);
  }
}

const targetInfoCache = new WeakMap<Service, string>();

/** target_info: one sample per service with live series, carrying its resource attributes as labels. */
export function renderTargetInfo(out: string[], services: Iterable<Service>, hostName: string): void {
  const lines: string[] = [];
  for (const svc of services) {
    let labels = targetInfoCache.get(svc);
    if (labels === undefined) {
      const attrs = serviceResourceAttributes(svc, hostName, LUMEN_VERSION);
      const pairs: [string, string][] = [['instance', svc.instanceId], ['job', jobLabel(svc.name, svc.namespace)]];
      for (const [k, v] of Object.entries(attrs)) if (k !== 'service.instance.id' && v !== '') pairs.push([labelName(k), String(v)]);
      labels = renderLabels(pairs);
      targetInfoCache.set(svc, labels);
    }
    lines.push(`target_info{${labels}} 1`);
  }
  if (lines.length === 0) return;
  head(out, 'target_info', 'Target metadata: the OTel resource attributes of each observed service.', 'gauge');
  out.push(...lines);
}

/** Lumen's own lumen_* metrics, grouped per name. Counters get the `_total` suffix Prometheus requires. */
export function renderInternal(out: string[], points: readonly InternalMetricPoint[]): void {
  const byName = new Map<string, InternalMetricPoint[]>();
  for (const p of points) {
    const name = p.type === 'counter' && !p.name.endsWith('_total') ? `${p.name}_total` : p.name;
    const list = byName.get(name);
    if (list) list.push(p);
    else byName.set(name, [p]);
  }
  for (const [name, list] of byName) {
    head(out, name, list[0]!.help, list[0]!.type);
    for (const p of list) {
      const labels = renderLabels(Object.entries(p.labels).map(([k, v]) => [labelName(k), v] as const));
      out.push(`${name}${labels ? `{${labels}}` : ''} ${formatValue(p.value)}`);
    }
  }
}

/** The whole scrape body. */
export function renderExposition(views: readonly MetricView[], internal: readonly InternalMetricPoint[], hostName: string): string {
  const out: string[] = [];
  const services = new Set<Service>();
  for (const v of views) {
    renderFamily(out, v);
    for (const s of v.series) if (s.service) services.add(s.service);
  }
  renderTargetInfo(out, services, hostName);
  renderInternal(out, internal);
  out.push('');
  return out.join('\n');
}
