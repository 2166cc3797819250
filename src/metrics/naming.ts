/**
 * Metric naming modes, applied at the exporter edge so dashboards written for Beyla/OBI keep working:
 *   metric_names:  semconv (today's OTel semantic-convention names) | legacy (Beyla's earlier names and labels)
 *   metric_prefix: lumen | beyla | obi — the prefix of Lumen's own families (network flows, TCP stats, internal).
 * The aggregator keys series by the internal definitions (src/model/metrics.ts); only what is exported is renamed.
 */
import { enumOf } from '../config/typed-schema.js';
import { METRICS, type MetricDefinition } from '../model/metrics.js';

export const METRIC_NAMES = ['semconv', 'legacy'] as const;
export const METRIC_PREFIXES = ['lumen', 'beyla', 'obi'] as const;
export type MetricNames = (typeof METRIC_NAMES)[number];
export type MetricPrefix = (typeof METRIC_PREFIXES)[number];

export interface MetricNaming {
  readonly names: MetricNames;
  readonly prefix: MetricPrefix;
}

export const DEFAULT_NAMING: MetricNaming = { names: 'semconv', prefix: 'lumen' };

/** The two exporter options, shared by every metrics exporter's schema (no schema default: YAML ▸ env ▸ default). */
export const namingOptions = {
  metric_names: enumOf(METRIC_NAMES, { description: "Metric names and labels: semconv (OTel semantic conventions, default) or legacy (Beyla's earlier http_server_duration_seconds with http_target, http_method, http_status_code, net_host_* labels; rpc_*_duration_seconds). Env LUMEN_METRIC_NAMES." }),
  metric_prefix: enumOf(METRIC_PREFIXES, { description: "Prefix of Lumen's own metric families (network flows, TCP stats, internal metrics): lumen (default), beyla or obi. Env LUMEN_METRIC_PREFIX." }),
};

type Env = Readonly<Record<string, string | undefined>>;

function fromEnv<T extends string>(raw: string | undefined, name: string, allowed: readonly T[]): T | undefined {
  const v = raw?.trim().toLowerCase();
  if (!v) return undefined;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new RangeError(`environment variable ${name}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return v as T;
}

/** YAML ▸ LUMEN_METRIC_NAMES / LUMEN_METRIC_PREFIX ▸ defaults. Throws RangeError (one sentence) on a bad variable. */
export function resolveNaming(yaml: { metric_names?: MetricNames; metric_prefix?: MetricPrefix }, env: Env = process.env): MetricNaming {
  return {
    names: yaml.metric_names ?? fromEnv(env['LUMEN_METRIC_NAMES'], 'LUMEN_METRIC_NAMES', METRIC_NAMES) ?? DEFAULT_NAMING.names,
    prefix: yaml.metric_prefix ?? fromEnv(env['LUMEN_METRIC_PREFIX'], 'LUMEN_METRIC_PREFIX', METRIC_PREFIXES) ?? DEFAULT_NAMING.prefix,
  };
}

/** Beyla's earlier HTTP attribute names (OTel semconv before 1.21). server.* differ for servers and clients. */
const LEGACY_HTTP = {
  'http.request.method': 'http.method',
  'http.response.status_code': 'http.status_code',
  'url.path': 'http.target',
  'url.scheme': 'http.scheme',
  'url.full': 'http.url',
  'client.address': 'net.sock.peer.addr',
  'client.port': 'net.sock.peer.port',
};
const LEGACY_SERVER = { 'server.address': 'net.host.name', 'server.port': 'net.host.port' };
const LEGACY_CLIENT = { 'server.address': 'net.peer.name', 'server.port': 'net.peer.port' };
const LEGACY_RPC = { 'rpc.system.name': 'rpc.system' };
/**
 * Default labels read from another attribute in legacy mode: Beyla's rpc_grpc_status_code was the numeric code
 * (the span's rpc.grpc.status_code), not today's status name; Beyla's HTTP series had no protocol version.
 */
const LEGACY_HTTP_DEFAULTS = { 'network.protocol.version': null };
const LEGACY_RPC_DEFAULTS = { 'rpc.response.status_code': 'rpc.grpc.status_code' };

type Legacy = {
  name: string; promName: string; renames: Readonly<Record<string, string>>; extraDefaults?: readonly string[];
  /** Default attribute → the one read instead (null: none). */
  replaceDefaults: Readonly<Record<string, string | null>>;
};

/** Internal OTel name → Beyla's earlier name, Prometheus name and label names. */
const LEGACY: ReadonlyMap<string, Legacy> = new Map<string, Legacy>([
  // Beyla's first releases reported the request path as http.target on server metrics by default.
  [METRICS.httpServerDuration.name, { name: 'http.server.duration', promName: 'http_server_duration_seconds', renames: { ...LEGACY_HTTP, ...LEGACY_SERVER }, extraDefaults: ['url.path'], replaceDefaults: LEGACY_HTTP_DEFAULTS }],
  [METRICS.httpServerRequestSize.name, { name: 'http.server.request.size', promName: 'http_server_request_size_bytes', renames: { ...LEGACY_HTTP, ...LEGACY_SERVER }, extraDefaults: ['url.path'], replaceDefaults: LEGACY_HTTP_DEFAULTS }],
  [METRICS.httpServerResponseSize.name, { name: 'http.server.response.size', promName: 'http_server_response_size_bytes', renames: { ...LEGACY_HTTP, ...LEGACY_SERVER }, extraDefaults: ['url.path'], replaceDefaults: LEGACY_HTTP_DEFAULTS }],
  [METRICS.httpClientDuration.name, { name: 'http.client.duration', promName: 'http_client_duration_seconds', renames: { ...LEGACY_HTTP, ...LEGACY_CLIENT }, replaceDefaults: LEGACY_HTTP_DEFAULTS }],
  [METRICS.httpClientRequestSize.name, { name: 'http.client.request.size', promName: 'http_client_request_size_bytes', renames: { ...LEGACY_HTTP, ...LEGACY_CLIENT }, replaceDefaults: LEGACY_HTTP_DEFAULTS }],
  [METRICS.httpClientResponseSize.name, { name: 'http.client.response.size', promName: 'http_client_response_size_bytes', renames: { ...LEGACY_HTTP, ...LEGACY_CLIENT }, replaceDefaults: LEGACY_HTTP_DEFAULTS }],
  [METRICS.rpcServerDuration.name, { name: 'rpc.server.duration', promName: 'rpc_server_duration_seconds', renames: { ...LEGACY_RPC, ...LEGACY_SERVER, 'client.address': 'net.sock.peer.addr' }, replaceDefaults: LEGACY_RPC_DEFAULTS }],
  [METRICS.rpcClientDuration.name, { name: 'rpc.client.duration', promName: 'rpc_client_duration_seconds', renames: { ...LEGACY_RPC, ...LEGACY_CLIENT }, replaceDefaults: LEGACY_RPC_DEFAULTS }],
]);

/** Lumen's own families under a Beyla/OBI prefix: OBI's names where OBI has the metric (research/beyla_obi.md §2.1). */
function prefixed(def: MetricDefinition, p: MetricPrefix): Pick<MetricDefinition, 'name' | 'promName'> | undefined {
  if (p === 'lumen' || !def.name.startsWith('lumen.')) return undefined;
  switch (def.name) {
    case METRICS.tcpRtt.name: return { name: `${p}.stat.tcp.rtt`, promName: `${p}_stat_tcp_rtt_seconds` };
    case METRICS.tcpFailedConnections.name: return { name: `${p}.stat.tcp.failed.connections`, promName: `${p}_stat_tcp_failed_connections` };
    case METRICS.tcpRetransmits.name: return { name: `${p}.stat.tcp.retransmits`, promName: `${p}_stat_tcp_retransmits` };
    default: return { name: `${p}.${def.name.slice('lumen.'.length)}`, promName: `${p}_${def.promName.slice('lumen_'.length)}` };
  }
}

/** A definition as exported: its names, the attribute names it exports under, and its default attributes. */
export interface ExportedDefinition extends MetricDefinition {
  /** Internal attribute name → exported one, where they differ (legacy labels). */
  readonly attributeRenames?: Readonly<Record<string, string>>;
}

const cache = new Map<string, ExportedDefinition>();

/** `def` renamed for a naming mode (the same object when nothing changes). */
export function exportedDefinition(def: MetricDefinition, naming: MetricNaming = DEFAULT_NAMING): ExportedDefinition {
  if (naming.names === 'semconv' && naming.prefix === 'lumen') return def;
  const key = `${naming.names}/${naming.prefix}/${def.name}`;
  let out = cache.get(key);
  if (out !== undefined) return out;
  const legacy = naming.names === 'legacy' ? LEGACY.get(def.name) : undefined;
  const pre = prefixed(def, naming.prefix);
  out = legacy
    ? { ...def, name: legacy.name, promName: legacy.promName, attributeRenames: legacy.renames, defaultAttributes: legacyDefaults(def, legacy) }
    : pre ? { ...def, ...pre } : def;
  cache.set(key, out);
  return out;
}

function legacyDefaults(def: MetricDefinition, legacy: Legacy): string[] {
  const out: string[] = [];
  for (const a of [...def.defaultAttributes, ...(legacy.extraDefaults ?? [])]) {
    const r = legacy.replaceDefaults[a];
    if (r === undefined) out.push(a);
    else if (r !== null) out.push(r);
  }
  return out;
}

/** An internal metric's name (lumen_*) under the prefix. */
export function internalMetricName(name: string, prefix: MetricPrefix): string {
  return prefix !== 'lumen' && name.startsWith('lumen_') ? `${prefix}_${name.slice('lumen_'.length)}` : name;
}

/** The exported name of an attribute of `def`. */
export function exportedAttribute(def: ExportedDefinition, name: string): string {
  return def.attributeRenames?.[name] ?? name;
}
