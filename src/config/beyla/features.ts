import type { PathSegment } from '../errors.js';
import { suggest } from '../ajv-messages.js';
import type { BeylaReader } from './reader.js';

/** What Lumen has for each of Beyla/OBI's metrics features; a string says why it is not there yet. */
const FEATURES: Readonly<Record<string, true | string>> = {
  application: true,
  network: true,
  network_flow_packets: true,
  stats: true, stats_tcp_rtt: true, stats_tcp_failed_connections: true, stats_tcp_retransmits: true,
  stats_tcp_io: 'TCP I/O byte counts are not supported yet (flow bytes are: feature network)',
  application_span: 'span metrics (traces_spanmetrics_*) are not supported yet',
  application_span_otel: 'span metrics (traces_span_metrics_*) are not supported yet',
  application_span_sizes: 'span metrics are not supported yet',
  application_service_graph: 'service graph metrics are not supported yet',
  application_host: 'host metrics are not supported yet',
  application_runtime: 'runtime metrics (Go, JVM) are not supported yet', application_jvm: 'JVM runtime metrics are not supported yet',
  application_process: 'process metrics are not supported yet',
  network_inter_zone: 'inter-zone metrics need Kubernetes metadata, which Lumen does not have yet',
  ebpf: 'BPF probe metrics are not exported; Lumen\'s own lumen_* metrics are',
};

export interface Features {
  readonly application: boolean;
  readonly network: boolean;
  readonly stats: boolean;
}

/**
 * The union of metrics.features, otel_metrics_export.features and prometheus_export.features (default
 * `application`, as in Beyla); network.enable: true adds `network`. Unsupported ones are warned at their position.
 */
export function readFeatures(r: BeylaReader): Features {
  const set = new Set<string>();
  let any = false;
  for (const path of [['metrics', 'features'], ['otel_metrics_export', 'features'], ['prometheus_export', 'features']] as PathSegment[][]) {
    const v = r.get(path);
    if (v === undefined || v === null) continue;
    any = true;
    const list = Array.isArray(v) ? v.map(String) : String(v).split(',').map((s) => s.trim()).filter(Boolean);
    list.forEach((f, i) => {
      const name = f.toLowerCase();
      const at = Array.isArray(v) ? [...path, i] : path;
      if (name === 'all' || name === '*') {
        for (const [k, what] of Object.entries(FEATURES)) if (what === true) set.add(k);
        return;
      }
      const what = FEATURES[name];
      if (what === true) set.add(name);
      else if (what) r.warn(at, `feature "${name}": ${what}; the other features run`);
      else {
        const hint = suggest(name, Object.keys(FEATURES));
        r.warn(at, `unknown metrics feature "${f}"${hint ? ` (did you mean "${hint}"?)` : `, known: ${Object.keys(FEATURES).join(', ')}`}; ignored`);
      }
    });
  }
  if (!any) set.add('application');
  const enable = r.get(['network', 'enable']);
  if (enable === true || enable === 'true') set.add('network');
  return {
    application: set.has('application'),
    network: set.has('network') || set.has('network_flow_packets'),
    stats: [...set].some((f) => f.startsWith('stats')),
  };
}
