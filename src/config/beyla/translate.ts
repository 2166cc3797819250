import type { Env } from '../env.js';
import type { ConfigIssue, PathSegment } from '../errors.js';
import { suggest } from '../ajv-messages.js';
import { isPlainObject } from '../freeze.js';
import { translateDiscovery } from './discovery.js';
import { durationText, translateExporters, type ExporterContext, type MetricPrefix } from './exporters.js';
import { readFeatures } from './features.js';
import { BEYLA_KEYS, type KeySpec } from './known-keys.js';
import { LumenOut } from './out.js';
import type { BeylaReader } from './reader.js';

export interface TranslateOptions {
  readonly env: Env;
  readonly prefix: MetricPrefix;
  readonly knows: ExporterContext['knows'];
}

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];
const LOG_LEVELS: Record<string, string> = { debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error' };

/** A Beyla/OBI document (env overlay applied) → a Lumen pipelines document; problems go to r.issues. */
export function translate(r: BeylaReader, o: TranslateOptions): LumenOut {
  const out = new LumenOut();
  translateDiscovery(r, out);
  const features = readFeatures(r);
  const ex = translateExporters({ r, out, env: o.env, prefix: o.prefix, knows: o.knows });

  // Receivers: plain TCP and OpenSSL (Beyla instruments both without being asked).
  const capture = receiverOptions(r);
  const propagation = contextPropagation(r);
  out.set(['receivers', 'kernel_socket'], { ...capture.common, ...capture.plain, ...propagation }, r.origin(['ebpf']));
  out.set(['receivers', 'tls_uprobe'], { ...capture.common }, r.origin(['ebpf']));
  kubernetes(r);

  // Processors shared by the span pipelines.
  const processors: string[] = [];
  const keep = filterRules(r, ['filter', 'application']);
  if (keep) {
    out.set(['processors', 'filter'], { keep }, r.origin(['filter', 'application']));
    processors.push('filter');
  }
  out.set(['processors', 'routes'], routes(r), r.origin(['routes']));
  processors.push('routes');
  const actions = resourceActions(r, o.env);
  const select = r.get(['attributes', 'select']);
  if (isPlainObject(select) || actions.length) {
    out.set(['processors', 'attributes'], { ...(isPlainObject(select) ? { select } : {}), ...(actions.length ? { actions } : {}) }, r.origin(['attributes', 'select']));
  }
  const sampling = sampler(r, ex.sampler);
  if (sampling) out.set(['processors', 'sampling'], sampling.config, sampling.origin);

  const pipelines: Record<string, unknown> = {};
  const spanReceivers = ['kernel_socket', 'tls_uprobe'];
  if (ex.traces.length) {
    pipelines['traces'] = {
      receivers: spanReceivers,
      processors: [...processors, ...(sampling ? ['sampling'] : []), ...(actions.length ? ['attributes'] : [])],
      exporters: ex.traces,
    };
  }
  const network = features.network || features.stats ? networkReceiver(r, out, features.stats) : false;
  if (ex.metrics.length && (features.application || features.stats)) {
    pipelines['metrics'] = {
      receivers: [...(features.application ? spanReceivers : []), ...(features.stats && network ? ['network_flow'] : [])],
      processors: features.application ? [...processors, ...(out.get(['processors', 'attributes']) ? ['attributes'] : [])] : [],
      exporters: ex.metrics,
    };
  }
  if (features.network && network) {
    const flowExporters = [...ex.metrics];
    if (r.get(['network', 'print_flows']) === true) {
      out.set(['exporters', 'print_flows'], {}, r.origin(['network', 'print_flows']));
      flowExporters.push('print_flows');
    }
    const flowProcessors = flowRules(r, out);
    if (flowExporters.length) pipelines['flows'] = { receivers: ['network_flow'], processors: flowProcessors, exporters: flowExporters };
    else r.warn(['network'], 'flows are counted but no exporter takes them: set prometheus_export.port or otel_metrics_export.endpoint');
  }
  if (r.has(['filter', 'stats'])) r.warn(['filter', 'stats'], 'filters on TCP statistics are not supported yet; every connection is counted');
  unusedAttributes(r, out, pipelines);

  if (Object.keys(pipelines).length === 0) {
    r.issues.push({
      severity: 'error', stage: 'parse', file: r.file, position: undefined, path: [],
      message: 'nothing to export: set prometheus_export.port, an otel_traces_export/otel_metrics_export endpoint (or OTEL_EXPORTER_OTLP_ENDPOINT), or trace_printer: text (BEYLA_PROMETHEUS_PORT, BEYLA_TRACE_PRINTER)',
    });
  }
  out.set(['service', 'pipelines'], pipelines);
  logsAndShutdown(r, out);
  warnUnknown(r, r.root, BEYLA_KEYS, []);
  return out;
}

function receiverOptions(r: BeylaReader): { common: Record<string, unknown>; plain: Record<string, unknown> } {
  const common: Record<string, unknown> = {};
  const plain: Record<string, unknown> = {};
  const timeout = durationText(r.get(['ebpf', 'http_request_timeout']));
  if (timeout && !/^0+[a-z]*$/.test(timeout)) common['request_timeout'] = timeout;
  const http = r.get(['ebpf', 'buffer_sizes', 'http']);
  if (typeof http === 'number' && http > 0) plain['capture_bytes'] = clamp(http, 64, 8192, r, ['ebpf', 'buffer_sizes', 'http']);
  const dbs: Record<string, unknown> = {};
  for (const [beyla, lumen] of [['postgres', 'postgresql_capture_bytes'], ['mysql', 'mysql_capture_bytes'], ['kafka', 'kafka_capture_bytes']] as const) {
    const v = r.get(['ebpf', 'buffer_sizes', beyla]);
    if (typeof v === 'number' && v > 0) dbs[lumen] = clamp(v, 64, 8192, r, ['ebpf', 'buffer_sizes', beyla]);
  }
  if (Object.keys(dbs).length) plain['databases'] = dbs;
  return { common, plain };
}

function clamp(v: number, min: number, max: number, r: BeylaReader, path: PathSegment[]): number {
  const c = Math.min(max, Math.max(min, Math.round(v)));
  if (c !== v) r.warn(path, `${v} bytes is outside what Lumen captures (${min}-${max}); ${c} is used`);
  return c;
}

/**
 * ebpf.context_propagation → kernel_socket.context_propagation. Lumen injects HTTP/1 headers only (sk_msg): `headers`
 * maps as is; `all` (and the old boolean true) keeps its header half; `ip`/`tcp` (context in IP or TCP options) are
 * not done and leave propagation off. Each case that does not map exactly is warned.
 */
function contextPropagation(r: BeylaReader): Record<string, unknown> {
  const path = ['ebpf', 'context_propagation'];
  const v = r.get(path);
  if (v === undefined || v === null || v === 'disabled' || v === false || v === 'false') return {};
  if (v === 'headers') return { context_propagation: 'headers' };
  if (v === 'all' || v === true || v === 'true') {
    r.warn(path, `${JSON.stringify(v)}: Lumen injects the traceparent HTTP header only (as "headers"); context in IP/TCP options is not supported`);
    return { context_propagation: 'headers' };
  }
  const what = v === 'ip' || v === 'tcp' ? 'context in IP/TCP options is not supported' : 'unknown value (allowed: all, headers, ip, tcp, disabled)';
  r.warn(path, `${JSON.stringify(v)}: ${what}; trace context is not injected (use "headers" for the traceparent HTTP header); the rest runs`);
  return {};
}

function kubernetes(r: BeylaReader): void {
  const v = r.get(['attributes', 'kubernetes', 'enable']);
  if (v === true || v === 'true') r.warn(['attributes', 'kubernetes', 'enable'], 'Kubernetes metadata is not supported yet: spans and metrics carry no k8s.* attributes; the rest runs');
}

/** filter.application.<attr>: { match | not_match } → the filter processor's `keep` conditions. */
function filterRules(r: BeylaReader, path: PathSegment[]): Record<string, unknown> | undefined {
  const rules = r.get(path);
  if (!isPlainObject(rules) || Object.keys(rules).length === 0) return undefined;
  const keep: Record<string, unknown> = {};
  for (const [attr, cond] of Object.entries(rules)) {
    if (!isPlainObject(cond)) {
      r.warn([...path, attr], 'must be a mapping with match or not_match; ignored');
      continue;
    }
    const c: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cond)) {
      if (k === 'match' || k === 'not_match') c[k] = String(v);
      else r.warn([...path, attr, k], `unknown filter test${suggestion(k, ['match', 'not_match'])}, allowed: match, not_match; ignored`);
    }
    if (Object.keys(c).length) keep[attr] = c;
  }
  return Object.keys(keep).length ? keep : undefined;
}

function routes(r: BeylaReader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['patterns', 'ignored_patterns', 'ignore_mode', 'unmatched', 'wildcard_char', 'max_path_segment_cardinality']) {
    const v = r.get(['routes', k]);
    if (v !== undefined && v !== null) out[k] = v;
  }
  return out;
}

/** OTEL_RESOURCE_ATTRIBUTES of Lumen's own environment and instance_id.override_hostname → resource attributes. */
function resourceActions(r: BeylaReader, env: Env): Record<string, unknown>[] {
  const actions: Record<string, unknown>[] = [];
  const host = r.get(['attributes', 'instance_id', 'override_hostname']);
  if (typeof host === 'string' && host) actions.push({ key: 'host.name', action: 'upsert', value: host, context: 'resource' });
  const text = env['OTEL_RESOURCE_ATTRIBUTES'];
  for (const pair of (text ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const k = decodeURIComponent(pair.slice(0, eq).trim());
    const v = decodeURIComponent(pair.slice(eq + 1).trim());
    if (k) actions.push({ key: k, action: 'upsert', value: v, context: 'resource' });
  }
  return actions;
}

function sampler(r: BeylaReader, s: { name: unknown; arg: unknown; path: PathSegment[] } | undefined): { config: Record<string, unknown>; origin: ReturnType<BeylaReader['origin']> } | undefined {
  if (!s) return undefined;
  const name = String(s.name ?? '').toLowerCase();
  if (!SAMPLERS.includes(name)) {
    r.warn([...s.path, 'name'], `unknown sampler ${JSON.stringify(s.name)}${suggestion(name, SAMPLERS)}, allowed: ${SAMPLERS.join(', ')}; every trace is kept`);
    return undefined;
  }
  const config: Record<string, unknown> = { sampler: name };
  if (s.arg !== undefined && s.arg !== null && s.arg !== '') {
    const ratio = Number(s.arg);
    if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) config['ratio'] = ratio;
    else r.warn([...s.path, 'arg'], `must be a ratio from 0 to 1, got ${JSON.stringify(s.arg)}; 1 is used`);
  }
  return { config, origin: r.origin(s.path) };
}

/** network: → the network_flow receiver (flows, and TCP health when a stats feature is on). */
function networkReceiver(r: BeylaReader, out: LumenOut, stats: boolean): boolean {
  const n: Record<string, unknown> = {};
  const copy = (k: string, lumen = k, map: (v: unknown) => unknown = (v) => v): void => {
    const v = r.get(['network', k]);
    if (v !== undefined && v !== null) n[lumen] = map(v);
  };
  copy('source', 'source', (v) => (v === 'tc' ? 'tc' : 'socket_filter'));
  copy('cidrs');
  copy('cache_max_flows');
  copy('cache_active_timeout', 'cache_active_timeout', durationText);
  copy('interfaces');
  copy('exclude_interfaces');
  copy('protocols', 'protocols', lower);
  copy('exclude_protocols', 'exclude_protocols', lower);
  copy('deduper');
  copy('listen_poll_period', 'interfaces_poll_interval', durationText);
  copy('reverse_dns', 'reverse_names', (v) => (isPlainObject(v) && v['type'] === 'none' ? 'none' : 'local'));
  n['tcp_health'] = { enabled: stats };
  out.set(['receivers', 'network_flow'], n, r.origin(['network']));
  return true;
}

/** Flow pipeline processors: filter.network and network.allowed_attributes. */
function flowRules(r: BeylaReader, out: LumenOut): string[] {
  const processors: string[] = [];
  const keep = filterRules(r, ['filter', 'network']);
  if (keep) {
    out.set(['processors', 'filter/flows'], { flows: { keep } }, r.origin(['filter', 'network']));
    processors.push('filter/flows');
  }
  const allowed = r.get(['network', 'allowed_attributes']);
  if (Array.isArray(allowed) && allowed.length) {
    const include = allowed.map(String);
    out.set(['processors', 'attributes/flows'], { select: { 'lumen.network.flow.bytes': { include }, 'lumen.network.flow.packets': { include } } }, r.origin(['network', 'allowed_attributes']));
    processors.push('attributes/flows');
  }
  return processors;
}

/** The attributes processor is created only when a pipeline uses it; say so when none does. */
function unusedAttributes(r: BeylaReader, out: LumenOut, pipelines: Record<string, unknown>): void {
  if (!out.get(['processors', 'attributes'])) return;
  const used = Object.values(pipelines).some((p) => (p as { processors: string[] }).processors.includes('attributes'));
  if (!used) {
    delete (out.doc['processors'] as Record<string, unknown>)['attributes'];
    if (r.has(['attributes', 'select'])) r.warn(['attributes', 'select'], 'no metrics are exported, so the selection has nothing to apply to');
  }
}

function logsAndShutdown(r: BeylaReader, out: LumenOut): void {
  const level = r.get(['log_level']);
  if (level !== undefined && level !== null) {
    const l = LOG_LEVELS[String(level).toLowerCase()];
    if (l) out.set(['service', 'telemetry', 'logs', 'level'], l, r.origin(['log_level']));
    else r.warn(['log_level'], `unknown log level ${JSON.stringify(level)}, allowed: DEBUG, INFO, WARN, ERROR; info is used`);
  }
  const format = r.get(['log_format']);
  if (format !== undefined && format !== null) {
    const f = String(format).toLowerCase();
    if (f === 'text' || f === 'json') out.set(['service', 'telemetry', 'logs', 'format'], f, r.origin(['log_format']));
    else r.warn(['log_format'], `unknown log format ${JSON.stringify(format)}, allowed: text, json; text is used`);
  }
  const shutdown = durationText(r.get(['shutdown_timeout']));
  if (shutdown) out.set(['service', 'shutdown_timeout'], shutdown, r.origin(['shutdown_timeout']));
}

/** Every key the translation did not use: unknown (with a suggestion) or understood but without effect (why). */
function warnUnknown(r: BeylaReader, value: unknown, spec: KeySpec, path: PathSegment[]): void {
  if (typeof spec !== 'object') return;
  if (Array.isArray(value)) {
    const items = spec['_items'];
    if (items) value.forEach((v, i) => warnUnknown(r, v, items, [...path, i]));
    return;
  }
  if (!isPlainObject(value)) return;
  const known = Object.keys(spec).filter((k) => k !== '_items' && k !== '*');
  for (const [k, v] of Object.entries(value)) {
    const p = [...path, k];
    if (r.isSilenced(p)) continue;
    const s = spec[k] ?? spec['*'];
    if (s === undefined) {
      const hint = suggestion(k, known);
      r.warn(p, `unknown ${path.length ? '' : 'Beyla/OBI '}key${hint}; ignored${path.length && !hint ? `, known here: ${known.join(', ')}` : ''}`);
    } else if (typeof s === 'string') {
      r.warn(p, s);
    } else if (typeof s === 'object') {
      warnUnknown(r, v, s, p);
    }
  }
}

function suggestion(word: string, candidates: readonly string[]): string {
  const hint = suggest(word, candidates);
  return hint ? ` (did you mean "${hint}"?)` : '';
}

function lower(v: unknown): unknown {
  return Array.isArray(v) ? v.map((x) => String(x).toLowerCase()) : v;
}

export type { ConfigIssue };
