import { LumenError } from '../../src/component/index.js';
import { readFileSync } from 'node:fs';
import { FORMAT_HINTS, isHttpUrl } from '../../src/config/formats.js';
import { resolveNaming, type MetricNaming } from '../../src/metrics/naming.js';
import { PROTOCOLS, type OtlpConfig, type OtlpProtocol } from './config.js';

/** Everything the exporter needs, after YAML ▸ OTEL_EXPORTER_OTLP_* ▸ built-in defaults. */
export interface OtlpSettings {
  protocol: OtlpProtocol;
  tracesUrl: string;
  metricsUrl: string;
  headers: Record<string, string>;
  /** gRPC: plaintext channel. */
  insecure: boolean;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean };
  timeoutMs: number;
  gzip: boolean;
  metricsIntervalMs: number;
  /** metric_names / metric_prefix (YAML ▸ LUMEN_METRIC_NAMES / LUMEN_METRIC_PREFIX ▸ semconv, lumen). */
  naming: MetricNaming;
}

export class OtlpSettingsError extends LumenError {
  override readonly name = 'OtlpSettingsError';
  constructor(message: string) {
    super('LUMEN_OTLP_CONFIG', message);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function envValue(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function envEnum<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const v = envValue(env, name)?.toLowerCase();
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new OtlpSettingsError(`${name}: must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function envMillis(env: Env, name: string): number | undefined {
  const v = envValue(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new OtlpSettingsError(`${name}: must be a positive integer of milliseconds, got ${JSON.stringify(v)}`);
  return n;
}

/** OTEL_EXPORTER_OTLP_HEADERS: `k1=v1,k2=v2`, values URL-encoded (W3C baggage-like, as the OTel spec says). */
export function parseHeaderList(text: string, name = 'OTEL_EXPORTER_OTLP_HEADERS'): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const part of text.split(',')) {
    n++;
    if (!part.trim()) continue;
    const i = part.indexOf('=');
    const key = i > 0 ? part.slice(0, i).trim() : '';
    // The entry is not echoed: it may be a credential (`Authorization Bearer …` written without '=').
    if (!key) throw new OtlpSettingsError(`${name}: must be a list of key=value pairs separated by commas; entry ${n} has no key before '='`);
    try {
      out[key.toLowerCase()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      throw new OtlpSettingsError(`${name}: value of ${key} is not valid URL encoding`);
    }
  }
  return out;
}

/** Base URL + /v1/<signal> (the http protocols' rule for OTEL_EXPORTER_OTLP_ENDPOINT); grpc uses the base as is. */
function signalUrl(base: string, signal: 'traces' | 'metrics', protocol: OtlpProtocol): string {
  if (protocol === 'grpc') return base;
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

function readPem(path: string | undefined, what: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new OtlpSettingsError(`tls.${what}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function resolveSettings(c: OtlpConfig, env: Env = process.env): OtlpSettings {
  const protocol = c.protocol ?? envEnum(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', PROTOCOLS) ?? 'http/protobuf';
  const defaultBase = protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318';
  const url = (signal: 'traces' | 'metrics', yamlFull: string | undefined, envFull: string) => {
    if (yamlFull) return yamlFull;
    if (c.endpoint) return signalUrl(c.endpoint, signal, protocol);
    const full = envValue(env, envFull);
    if (full) return full;
    return signalUrl(envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? defaultBase, signal, protocol);
  };
  const tracesUrl = url('traces', c.traces_endpoint, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const metricsUrl = url('metrics', c.metrics_endpoint, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  for (const [what, u] of [['traces endpoint', tracesUrl], ['metrics endpoint', metricsUrl]] as const) {
    if (protocol !== 'grpc' && !/^https?:\/\//.test(u)) throw new OtlpSettingsError(`${what}: must be an http:// or https:// URL for ${protocol}, got ${JSON.stringify(u)}`);
    // The environment's URLs get the check the schema gives YAML ones (a bad port used to crash the first export).
    if (/^https?:\/\//i.test(u) && !isHttpUrl(u)) throw new OtlpSettingsError(`${what}: must be ${FORMAT_HINTS['http-url']}, got ${JSON.stringify(u)}`);
  }
  const envHeaders = envValue(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  const headers = { ...(envHeaders ? parseHeaderList(envHeaders) : {}) };
  for (const [k, v] of Object.entries(c.headers ?? {})) headers[k.toLowerCase()] = v;
  const insecureEnv = envEnum(env, 'OTEL_EXPORTER_OTLP_INSECURE', ['true', 'false']);
  const timeoutMs = c.timeout ?? envMillis(env, 'OTEL_EXPORTER_OTLP_TIMEOUT') ?? 10_000;
  const compression = c.compression ?? envEnum(env, 'OTEL_EXPORTER_OTLP_COMPRESSION', ['gzip', 'none'] as const) ?? 'none';
  const metricsIntervalMs = c.metrics.interval ?? envMillis(env, 'OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  if (metricsIntervalMs < 100) throw new OtlpSettingsError(`metrics.interval: must be at least 100ms, got ${metricsIntervalMs}ms`);
  let naming: MetricNaming;
  try {
    naming = resolveNaming(c, env);
  } catch (e) {
    throw e instanceof RangeError ? new OtlpSettingsError(e.message) : e;
  }
  return {
    naming,
    protocol, tracesUrl, metricsUrl, headers,
    insecure: c.insecure ?? (insecureEnv === undefined ? false : insecureEnv === 'true'),
    tls: {
      ca: readPem(c.tls.ca_file, 'ca_file'), cert: readPem(c.tls.cert_file, 'cert_file'), key: readPem(c.tls.key_file, 'key_file'),
      rejectUnauthorized: !c.tls.insecure_skip_verify,
    },
    timeoutMs, gzip: compression === 'gzip', metricsIntervalMs,
  };
}
