import type { Ajv } from 'ajv';
import { isIP } from 'node:net';
import addFormatsModule from 'ajv-formats';
import { DURATION_HINT, durationRangeProblem, tryParseDuration } from './duration.js';
import { PORT_RANGES_HINT, portRangesError } from './port-ranges.js';

/**
 * The custom string formats every component schema may use (TEAM.md "Config conventions"):
 * `host-port`, `duration`, `port-ranges`, plus ajv-formats' standard ones (`uri`, `ipv4`, `hostname`, …).
 */

/** What each format allows, as validation errors print it: `must be <hint>, got "<value>"`. */
export const FORMAT_HINTS: Readonly<Record<string, string>> = {
  'host-port': 'host:port',
  // Malformed durations get the syntax; a well-formed one out of range gets formatProblem's sentence.
  duration: DURATION_HINT,
  'positive-duration': DURATION_HINT,
  'http-url': 'an http:// or https:// URL with a host, like "http://127.0.0.1:4318" (port 1-65535)',
  'port-ranges': PORT_RANGES_HINT,
  uri: 'an absolute URI like "http://127.0.0.1:4318"',
  'uri-reference': 'a URI reference',
  hostname: 'a host name',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  regex: 'a valid regular expression',
  cidr: 'a CIDR like "10.0.0.0/8" or "fd00::/8"',
};

const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * "127.0.0.1:9400", "localhost:9400", "[::1]:9400", "0.0.0.0:9400"; port 0..65535 (0 = any free port). The host is
 * required: ":9400" would listen on every interface without saying so (issue #11.6), write 0.0.0.0 for that.
 */
export function isHostPort(value: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*):(\d{1,5})$/.exec(value);
  if (!m) return false;
  const host = m[1]!;
  const port = Number(m[2]);
  if (port > 65535 || host === '') return false;
  if (host.startsWith('[')) return isIP(host.slice(1, -1)) === 6;
  if (IPV4.test(host)) return true;
  if (/^[\d.]+$/.test(host)) return false;
  return host.length <= 253 && host.split('.').every((l) => HOST_LABEL.test(l));
}

/** Splits a validated host:port. IPv6 brackets are removed. */
export function splitHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  let host = value.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host, port: Number(value.slice(i + 1)) };
}

/** "10.0.0.0/8", "fd00::/8": an IPv4 or IPv6 address and a prefix length that fits it. */
export function isCidr(value: string): boolean {
  const i = value.indexOf('/');
  if (i < 0) return false;
  const family = isIP(value.slice(0, i));
  const bits = value.slice(i + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * http(s) URLs as the OTLP exporter sends to: parseable by the WHATWG URL parser (what the transports use), with a
 * host, and a port 1-65535 when one is written ("http://localhost:99999" used to pass and crash the first export).
 */
export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\/[^/]/i.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.hostname !== '' && url.port !== '0';
}

/** A sentence more precise than the format's hint for some values (`must be <hint>` says what is allowed). */
export function formatProblem(format: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (format === 'host-port' && /^:\d{1,5}$/.test(value)) {
    return `must name the host to listen on, got ${JSON.stringify(value)}; write "0.0.0.0${value}" for every interface or "127.0.0.1${value}" for this host only`;
  }
  if (format === 'duration' || format === 'positive-duration') {
    const ms = tryParseDuration(value);
    const why = ms === undefined ? undefined : durationRangeProblem(ms, format === 'positive-duration');
    return why ? `${why}, got ${JSON.stringify(value)}` : undefined;
  }
  if (format === 'http-url' && /^https?:\/\//i.test(value)) {
    const port = /^https?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(value)?.[1];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is outside 1-65535, got ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** A duration in range for a `duration` (≥ 0) or `positive-duration` (> 0) option. */
function durationValid(positive: boolean): (s: string) => boolean {
  return (s) => {
    const ms = tryParseDuration(s);
    return ms !== undefined && durationRangeProblem(ms, positive) === undefined;
  };
}

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** Registers ajv-formats and Lumen's formats on an ajv instance (idempotent per instance). */
export function addLumenFormats(ajv: Ajv): Ajv {
  addFormats(ajv);
  ajv.addFormat('host-port', { type: 'string', validate: isHostPort });
  ajv.addFormat('duration', { type: 'string', validate: durationValid(false) });
  ajv.addFormat('positive-duration', { type: 'string', validate: durationValid(true) });
  ajv.addFormat('http-url', { type: 'string', validate: isHttpUrl });
  ajv.addFormat('cidr', { type: 'string', validate: isCidr });
  ajv.addFormat('port-ranges', { type: 'string', validate: (s: string) => portRangesError(s) === undefined });
  return ajv;
}
