import type { Env } from '../env.js';
import type { ConfigIssue, PathSegment } from '../errors.js';
import { suggest } from '../ajv-messages.js';
import { clonePlain, isPlainObject } from '../freeze.js';
import { key } from './reader.js';

type Kind = 'string' | 'number' | 'bool' | 'list' | 'pids' | 'port';

/** `<PREFIX>_<NAME>` → the Beyla YAML option it sets (BEYLA_ and OTEL_EBPF_ prefixes both). */
const PREFIXED: Readonly<Record<string, readonly [PathSegment[], Kind]>> = {
  OPEN_PORT: [['open_port'], 'port'],
  AUTO_TARGET_EXE: [['auto_target_exe'], 'string'],
  AUTO_TARGET_LANGUAGE: [['auto_target_language'], 'string'],
  EXECUTABLE_NAME: [['executable_name'], 'string'],
  EXECUTABLE_PATH: [['executable_path'], 'string'],
  TARGET_PID: [['target_pids'], 'pids'],
  TARGET_PIDS: [['target_pids'], 'pids'],
  SERVICE_NAME: [['service_name'], 'string'],
  SERVICE_NAMESPACE: [['service_namespace'], 'string'],
  TRACE_PRINTER: [['trace_printer'], 'string'],
  PRINT_TRACES: [['print_traces'], 'bool'],
  PROMETHEUS_PORT: [['prometheus_export', 'port'], 'number'],
  PROMETHEUS_PATH: [['prometheus_export', 'path'], 'string'],
  PROMETHEUS_FEATURES: [['prometheus_export', 'features'], 'list'],
  PROMETHEUS_TTL: [['prometheus_export', 'ttl'], 'string'],
  OTEL_METRICS_FEATURES: [['otel_metrics_export', 'features'], 'list'],
  METRICS_FEATURES: [['metrics', 'features'], 'list'],
  METRICS_INTERVAL: [['otel_metrics_export', 'interval'], 'string'],
  OTEL_METRICS_TTL: [['otel_metrics_export', 'ttl'], 'string'],
  LOG_LEVEL: [['log_level'], 'string'],
  LOG_FORMAT: [['log_format'], 'string'],
  SHUTDOWN_TIMEOUT: [['shutdown_timeout'], 'string'],
  KUBE_METADATA_ENABLE: [['attributes', 'kubernetes', 'enable'], 'string'],
  HOSTNAME: [['attributes', 'instance_id', 'override_hostname'], 'string'],
  BPF_CONTEXT_PROPAGATION: [['ebpf', 'context_propagation'], 'string'],
  BPF_HTTP_REQUEST_TIMEOUT: [['ebpf', 'http_request_timeout'], 'string'],
  BPF_BATCH_LENGTH: [['ebpf', 'batch_length'], 'number'],
  BPF_BATCH_TIMEOUT: [['ebpf', 'batch_timeout'], 'string'],
  BPF_WAKEUP_LEN: [['ebpf', 'wakeup_len'], 'number'],
  BPF_TRACK_REQUEST_HEADERS: [['ebpf', 'track_request_headers'], 'bool'],
  BPF_HIGH_REQUEST_VOLUME: [['ebpf', 'high_request_volume'], 'bool'],
  BPF_HEURISTIC_SQL_DETECT: [['ebpf', 'heuristic_sql_detect'], 'bool'],
  BPF_BUFFER_SIZE_HTTP: [['ebpf', 'buffer_sizes', 'http'], 'number'],
  BPF_TC_BACKEND: [['ebpf', 'traffic_control_backend'], 'string'],
  NETWORK_METRICS: [['network', 'enable'], 'bool'],
  NETWORK_SOURCE: [['network', 'source'], 'string'],
  NETWORK_CIDRS: [['network', 'cidrs'], 'list'],
  NETWORK_ALLOWED_ATTRIBUTES: [['network', 'allowed_attributes'], 'list'],
  NETWORK_CACHE_MAX_FLOWS: [['network', 'cache_max_flows'], 'number'],
  NETWORK_CACHE_ACTIVE_TIMEOUT: [['network', 'cache_active_timeout'], 'string'],
  NETWORK_INTERFACES: [['network', 'interfaces'], 'list'],
  NETWORK_EXCLUDE_INTERFACES: [['network', 'exclude_interfaces'], 'list'],
  NETWORK_PROTOCOLS: [['network', 'protocols'], 'list'],
  NETWORK_EXCLUDE_PROTOCOLS: [['network', 'exclude_protocols'], 'list'],
  NETWORK_DEDUPER: [['network', 'deduper'], 'string'],
  NETWORK_PRINT_FLOWS: [['network', 'print_flows'], 'bool'],
  NETWORK_DIRECTION: [['network', 'direction'], 'string'],
  NETWORK_SAMPLING: [['network', 'sampling'], 'number'],
  ROUTES_UNMATCHED: [['routes', 'unmatched'], 'string'],
  SKIP_GO_SPECIFIC_TRACERS: [['discovery', 'skip_go_specific_tracers'], 'bool'],
  EXCLUDE_OTEL_INSTRUMENTED_SERVICES: [['discovery', 'exclude_otel_instrumented_services'], 'bool'],
  INTERNAL_METRICS_PROMETHEUS_PORT: [['internal_metrics', 'prometheus', 'port'], 'number'],
  PROFILE_PORT: [['profile_port'], 'number'],
  ENFORCE_SYS_CAPS: [['enforce_sys_caps'], 'bool'],
};

/** Read by the CLI (which file), not by the translation. */
const CLI_ONLY = new Set(['CONFIG_PATH']);

/** Standard OpenTelemetry variables that set a Beyla option (Beyla's precedence: they override the file). */
const STANDARD: Readonly<Record<string, readonly [PathSegment[], Kind]>> = {
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: [['otel_traces_export', 'endpoint'], 'string'],
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: [['otel_metrics_export', 'endpoint'], 'string'],
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: [['otel_traces_export', 'protocol'], 'string'],
  OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: [['otel_metrics_export', 'protocol'], 'string'],
  OTEL_TRACES_SAMPLER: [['otel_traces_export', 'sampler', 'name'], 'string'],
  OTEL_TRACES_SAMPLER_ARG: [['otel_traces_export', 'sampler', 'arg'], 'string'],
  OTEL_SERVICE_NAME: [['service_name'], 'string'],
  OTEL_GO_AUTO_TARGET_EXE: [['auto_target_exe'], 'string'],
};

export type Flavor = 'beyla' | 'obi';

export interface Overlay {
  readonly root: Record<string, unknown>;
  /** Beyla path → the variable that set it. */
  readonly origins: Map<string, string>;
  readonly issues: ConfigIssue[];
}

/** True when the environment alone says what to instrument (Beyla runs without a file then). */
export function envSelectsTargets(env: Env): boolean {
  return ['OPEN_PORT', 'AUTO_TARGET_EXE', 'EXECUTABLE_NAME', 'EXECUTABLE_PATH', 'TARGET_PID', 'TARGET_PIDS']
    .some((n) => nonEmpty(env[`BEYLA_${n}`]) || nonEmpty(env[`OTEL_EBPF_${n}`])) || nonEmpty(env['OTEL_GO_AUTO_TARGET_EXE']);
}

/** OBI when only OTEL_EBPF_* variables are set, Beyla otherwise. */
export function flavorOfEnv(env: Env): Flavor | undefined {
  const names = Object.keys(env).filter((n) => nonEmpty(env[n]));
  if (names.some((n) => n.startsWith('BEYLA_'))) return 'beyla';
  if (names.some((n) => n.startsWith('OTEL_EBPF_'))) return 'obi';
  return undefined;
}

/**
 * Applies BEYLA_* / OTEL_EBPF_* and the standard OTEL_* variables over the file's values (env wins, as in
 * Beyla). Unknown BEYLA_* / OTEL_EBPF_* names are warned, with the closest known name.
 */
export function overlayEnv(file: Record<string, unknown>, env: Env): Overlay {
  const root = clonePlain(file);
  const origins = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  const apply = (name: string, path: PathSegment[], kind: Kind): void => {
    const raw = env[name]!.trim();
    const value = convert(raw, kind);
    if (value === undefined) {
      issues.push({ severity: 'warning', stage: 'parse', file: '', path: [name], message: `${JSON.stringify(raw)} is not ${describe(kind)}; ignored` });
      return;
    }
    setAt(root, path, value);
    origins.set(key(path), name);
  };
  // OTEL_EBPF_ first, then BEYLA_: Beyla's own name wins when both are set.
  for (const prefix of ['OTEL_EBPF_', 'BEYLA_']) {
    for (const name of Object.keys(env).sort()) {
      if (!name.startsWith(prefix) || !nonEmpty(env[name])) continue;
      const rest = name.slice(prefix.length);
      const target = PREFIXED[rest];
      if (target) apply(name, target[0], target[1]);
      else if (!CLI_ONLY.has(rest)) {
        const hint = suggest(rest, Object.keys(PREFIXED));
        issues.push({ severity: 'warning', stage: 'parse', file: '', path: [name], message: `unknown ${prefix.slice(0, -1)} variable${hint ? ` (did you mean ${prefix}${hint}?)` : ''}; ignored` });
      }
    }
  }
  for (const [name, [path, kind]] of Object.entries(STANDARD)) if (nonEmpty(env[name])) apply(name, path, kind);
  return { root, origins, issues };
}

function convert(raw: string, kind: Kind): unknown {
  switch (kind) {
    case 'string': return raw;
    case 'port': return /^\d+$/.test(raw) ? Number(raw) : raw;
    case 'number': return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : undefined;
    case 'bool': return /^(true|1|yes)$/i.test(raw) ? true : /^(false|0|no)$/i.test(raw) ? false : undefined;
    case 'list': return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'pids': {
      const pids = raw.split(',').map((s) => s.trim()).filter(Boolean);
      return pids.every((p) => /^\d+$/.test(p)) ? pids.map(Number) : undefined;
    }
  }
}

function describe(kind: Kind): string {
  return { string: 'text', port: 'a port', number: 'a number', bool: 'true or false', list: 'a list', pids: 'a comma-separated list of pids' }[kind];
}

/** Sets a value, creating mappings on the way; a list of exporters (Beyla's list form) gets it in every entry. */
function setAt(o: Record<string, unknown>, path: readonly PathSegment[], value: unknown): void {
  const [seg, ...rest] = path as string[];
  if (rest.length === 0) {
    o[seg!] = value;
    return;
  }
  const next = o[seg!];
  if (Array.isArray(next) && next.length && next.every(isPlainObject)) {
    for (const item of next) setAt(item, rest, value);
    return;
  }
  if (!isPlainObject(next)) o[seg!] = {};
  setAt(o[seg!] as Record<string, unknown>, rest, value);
}

function nonEmpty(v: string | undefined): v is string {
  return v !== undefined && v.trim() !== '';
}

/** Names this overlay reads, for the docs and the tests. */
export const ENV_SUFFIXES = Object.keys(PREFIXED);
export const STANDARD_ENV = Object.keys(STANDARD);
