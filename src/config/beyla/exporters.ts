import type { Env } from '../env.js';
import type { PathSegment } from '../errors.js';
import { isPlainObject } from '../freeze.js';
import type { LumenOut } from './out.js';
import type { BeylaReader } from './reader.js';

export type MetricPrefix = 'beyla' | 'obi';

export interface ExporterContext {
  readonly r: BeylaReader;
  readonly out: LumenOut;
  readonly env: Env;
  readonly prefix: MetricPrefix;
  /** Options the registered exporters know (metric_prefix lands with the naming modes; set it only when known). */
  readonly knows: (exporter: 'prometheus' | 'otlp', option: string) => boolean;
}

export interface Exporters {
  traces: string[];
  metrics: string[];
  /** The first traces sampler found ({name, arg} and where it is written). */
  sampler?: { name: unknown; arg: unknown; path: PathSegment[] };
}

const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'];

/** otel_traces_export, otel_metrics_export (each a mapping or a list of them), otel:, prometheus_export, trace_printer. */
export function translateExporters(c: ExporterContext): Exporters {
  const ex: Exporters = { traces: [], metrics: [] };
  for (const signal of ['traces', 'metrics'] as const) {
    const path: PathSegment[] = [`otel_${signal}_export`];
    const v = c.r.get(path);
    if (v === undefined || v === null) continue;
    const entries: [PathSegment[], unknown][] = Array.isArray(v) ? v.map((e, i) => [[...path, i], e]) : [[path, v]];
    entries.forEach(([p, e], i) => {
      const id = entries.length > 1 ? `otlp/${signal}_${i + 1}` : `otlp/${signal}`;
      if (otlpExporter(c, id, p, e, signal, ex)) ex[signal].push(id);
    });
  }
  shorthand(c, ex);
  envDefaults(c, ex);
  prometheus(c, ex);
  printer(c, ex);
  return ex;
}

function otlpExporter(c: ExporterContext, id: string, path: PathSegment[], e: unknown, signal: 'traces' | 'metrics', ex: Exporters): boolean {
  const { r, out } = c;
  if (!isPlainObject(e)) {
    r.warn(path, `must be a mapping (endpoint, protocol, …), got ${JSON.stringify(e)}; not exported`);
    return false;
  }
  const base: PathSegment[] = ['exporters', id];
  const at = (k: string): PathSegment[] => [...path, k];
  const set = (lumen: PathSegment[], k: string, value: unknown = r.get(at(k))): void => {
    if (value !== undefined && value !== null && value !== '') out.set([...base, ...lumen], value, r.origin(at(k)));
  };
  const endpoint = r.get(at('endpoint'));
  const protocol = r.get(at('protocol'));
  const envEndpoint = c.env['OTEL_EXPORTER_OTLP_ENDPOINT'] || c.env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (typeof endpoint === 'string' && endpoint) {
    // Beyla gives an endpoint without a path the SDK's /v1/<signal>, and uses one with a path as it is.
    const grpc = (protocol ?? c.env['OTEL_EXPORTER_OTLP_PROTOCOL']) === 'grpc';
    set([grpc || !hasPath(endpoint) ? 'endpoint' : `${signal}_endpoint`], 'endpoint', endpoint);
  } else if (!envEndpoint) {
    r.warn(path, `has no endpoint and OTEL_EXPORTER_OTLP_ENDPOINT is not set, so ${signal} are not exported over OTLP (as in Beyla); set endpoint`);
    return false;
  }
  for (const k of ['traces_endpoint', 'metrics_endpoint']) set([k], k);
  connection(c, base, path);
  set(['retry', 'initial_interval'], 'backoff_initial_interval');
  set(['retry', 'max_interval'], 'backoff_max_interval');
  set(['retry', 'max_elapsed_time'], 'backoff_max_elapsed_time');
  if (signal === 'traces') {
    set(['batch', 'max_size'], 'batch_max_size');
    set(['batch', 'timeout'], 'batch_timeout', durationText(r.get(at('batch_timeout'))));
    set(['queue_size'], 'max_queue_size');
    set(['queue_size'], 'queue_size');
    const sampler = r.get(at('sampler'));
    if (isPlainObject(sampler) && !ex.sampler) ex.sampler = { name: sampler['name'], arg: sampler['arg'], path: at('sampler') };
    if (r.has(at('interval'))) r.warn(at('interval'), 'traces are sent in batches (batch_timeout), not at an interval; ignored');
  } else {
    set(['metrics', 'interval'], 'interval', durationText(r.get(at('interval'))));
    set(['metrics', 'ttl'], 'ttl', durationText(r.get(at('ttl'))));
    set(['metrics', 'buckets'], 'buckets');
    const agg = r.get(at('histogram_aggregation'));
    if (agg !== undefined && agg !== 'explicit_bucket_histogram') r.warn(at('histogram_aggregation'), `${JSON.stringify(agg)} is not supported yet: explicit bucket histograms are exported`);
  }
  if (c.knows('otlp', 'metric_prefix')) out.set([...base, 'metric_prefix'], c.prefix);
  return true;
}

/** What every OTLP exporter section has: protocol, headers, insecure, insecure_skip_verify, timeout, compression. */
function connection({ r, out }: ExporterContext, base: PathSegment[], path: PathSegment[]): void {
  const set = (lumen: PathSegment[], k: string, value: unknown = r.get([...path, k])): void => {
    if (value !== undefined && value !== null && value !== '') out.set([...base, ...lumen], value, r.origin([...path, k]));
  };
  const protocol = r.get([...path, 'protocol']);
  if (protocol !== undefined && protocol !== null && protocol !== '') {
    if (PROTOCOLS.includes(String(protocol))) set(['protocol'], 'protocol');
    else r.warn([...path, 'protocol'], `protocol ${JSON.stringify(protocol)} is not supported, allowed: ${PROTOCOLS.join(', ')}; the default (http/protobuf) is used`);
  }
  const headers = r.get([...path, 'headers']);
  if (isPlainObject(headers)) set(['headers'], 'headers', Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
  set(['insecure'], 'insecure');
  set(['tls', 'insecure_skip_verify'], 'insecure_skip_verify');
  set(['timeout'], 'timeout', durationText(r.get([...path, 'timeout'])));
  set(['compression'], 'compression');
}

/** `otel: { endpoint, protocol, headers, traces: true|false, metrics: true|false }`: one exporter for both signals. */
function shorthand(c: ExporterContext, ex: Exporters): void {
  const { r, out } = c;
  const o = r.section(['otel']);
  if (!o) return;
  const on = (s: string): boolean => r.get(['otel', s]) !== false;
  const signals = (['traces', 'metrics'] as const).filter(on);
  const endpoint = r.get(['otel', 'endpoint']);
  if (!signals.length) return;
  if ((typeof endpoint !== 'string' || !endpoint) && !c.env['OTEL_EXPORTER_OTLP_ENDPOINT']) {
    r.warn(['otel'], 'has no endpoint and OTEL_EXPORTER_OTLP_ENDPOINT is not set; nothing is exported over OTLP');
    return;
  }
  const set = (lumen: PathSegment[], k: string, value: unknown = r.get(['otel', k])): void => {
    if (value !== undefined && value !== null && value !== '') out.set(['exporters', 'otlp', ...lumen], value, r.origin(['otel', k]));
  };
  set(['endpoint'], 'endpoint');
  connection(c, ['exporters', 'otlp'], ['otel']);
  set(['metrics', 'interval'], 'interval', durationText(r.get(['otel', 'interval'])));
  if (out.get(['exporters', 'otlp']) === undefined) out.set(['exporters', 'otlp'], {});
  if (c.knows('otlp', 'metric_prefix')) out.set(['exporters', 'otlp', 'metric_prefix'], c.prefix);
  for (const s of signals) ex[s].push('otlp');
}

/**
 * The environment alone turns OTLP export on, as in Beyla: OTEL_EXPORTER_OTLP_ENDPOINT exports traces and
 * metrics (the exporter reads the endpoint, protocol and headers itself); OTEL_TRACES_EXPORTER /
 * OTEL_METRICS_EXPORTER `none` turn a signal off, `console` prints traces.
 */
function envDefaults(c: ExporterContext, ex: Exporters): void {
  const { env, out } = c;
  const otlpOn = (s: 'traces' | 'metrics'): boolean => Boolean(env['OTEL_EXPORTER_OTLP_ENDPOINT'] || env[`OTEL_EXPORTER_OTLP_${s.toUpperCase()}_ENDPOINT`]);
  for (const s of ['traces', 'metrics'] as const) {
    const choice = env[`OTEL_${s.toUpperCase()}_EXPORTER`]?.trim().toLowerCase();
    if (choice === 'none') {
      ex[s] = ex[s].filter((id) => !id.startsWith('otlp'));
      continue;
    }
    if (ex[s].some((id) => id.startsWith('otlp')) || !otlpOn(s)) continue;
    const id = `otlp/${s}`;
    out.set(['exporters', id], c.knows('otlp', 'metric_prefix') ? { metric_prefix: c.prefix } : {}, { env: 'OTEL_EXPORTER_OTLP_ENDPOINT' });
    ex[s].push(id);
  }
}

function prometheus(c: ExporterContext, ex: Exporters): void {
  const { r, out } = c;
  const p = ['prometheus_export'];
  if (!r.section(p)) return;
  const port = r.get([...p, 'port']);
  if (port === undefined || port === null || port === 0 || port === '0') {
    for (const k of ['path', 'ttl', 'buckets', 'features']) r.get([...p, k]);
    if (r.has([...p, 'path'])) r.warn([...p], 'has no port (or port 0), so no Prometheus endpoint is served (as in Beyla); set port');
    return;
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    r.warn([...p, 'port'], `must be a port 1-65535, got ${JSON.stringify(port)}; no Prometheus endpoint is served`);
    return;
  }
  // Beyla listens on every interface.
  out.set(['exporters', 'prometheus', 'endpoint'], `0.0.0.0:${n}`, r.origin([...p, 'port']));
  const path = r.get([...p, 'path']);
  if (typeof path === 'string' && path) out.set(['exporters', 'prometheus', 'path'], path, r.origin([...p, 'path']));
  const ttl = durationText(r.get([...p, 'ttl']));
  if (ttl) out.set(['exporters', 'prometheus', 'ttl'], ttl, r.origin([...p, 'ttl']));
  const buckets = r.get([...p, 'buckets']);
  if (buckets !== undefined) out.set(['exporters', 'prometheus', 'buckets'], buckets, r.origin([...p, 'buckets']));
  if (c.knows('prometheus', 'metric_prefix')) out.set(['exporters', 'prometheus', 'metric_prefix'], c.prefix);
  ex.metrics.push('prometheus');
}

/** print_traces: true (Beyla 1.x), trace_printer: text | json | json_indent | counter | disabled. */
function printer(c: ExporterContext, ex: Exporters): void {
  const { r, out } = c;
  const legacy = r.get(['print_traces']);
  let mode = r.get(['trace_printer']);
  const from: PathSegment[] = r.has(['trace_printer']) ? ['trace_printer'] : ['print_traces'];
  if (mode === undefined && (legacy === true || legacy === 'true')) mode = 'text';
  if (c.env['OTEL_TRACES_EXPORTER']?.trim().toLowerCase() === 'console' && (mode === undefined || mode === 'disabled')) mode = 'text';
  if (mode === undefined || mode === 'disabled' || mode === false) return;
  let format: string;
  if (mode === 'text' || mode === true) format = 'text';
  else if (mode === 'json') format = 'json';
  else if (mode === 'json_indent') {
    r.warn(from, 'json_indent prints one JSON object per line in Lumen (format: json)');
    format = 'json';
  } else if (mode === 'counter') {
    r.warn(from, 'the counter printer is not supported; use the lumen_* internal metrics for counts; nothing is printed');
    return;
  } else {
    r.warn(from, `unknown trace printer ${JSON.stringify(mode)}, allowed: disabled, text, json, json_indent, counter; nothing is printed`);
    return;
  }
  out.set(['exporters', 'print_traces', 'format'], format, r.origin(from));
  ex.traces.push('print_traces');
}

/** Beyla durations are Go durations ("5s"); a bare number is read as seconds. */
export function durationText(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'number' ? `${v}s` : String(v);
}

function hasPath(url: string): boolean {
  try {
    const p = new URL(url).pathname;
    return p !== '' && p !== '/';
  } catch {
    return false;
  }
}
