import type { Flow } from '../../src/model/flow.js';
import type { Service } from '../../src/model/service.js';
import type { Span } from '../../src/model/span.js';

const TYPE: Record<Span['protocol'], string> = { http: 'HTTP', grpc: 'GRPC', sql: 'SQL', redis: 'Redis', memcached: 'Memcached', kafka: 'Kafka', tcp: 'TCP' };
const KIND_SUFFIX: Record<Span['kind'], string> = { server: '', client: 'Client', producer: 'Producer', consumer: 'Consumer', internal: 'Internal' };

const MICROSECONDS = 'µs';

/** "HTTP", "HTTPClient", … by protocol and kind (the line's <Type>). */
export function spanType(s: Span): string {
  return TYPE[s.protocol] + KIND_SUFFIX[s.kind];
}

/** "00".."ff" */
export const HEX2: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** One flow: `<start> (<window>) <direction> <transport> [<src>:<port>]->[<dst>:<port>] if=<iface> bytes:<n>B packets:<n> src_svc=[..] dst_svc=[..]`. */
export function flowText(f: Flow): string {
  return `${formatTime(f.startUnixNano)} (${goDuration(f.endUnixNano - f.startUnixNano)}) ${f.direction} ${f.transport} ` +
    `[${f.srcAddress}:${f.srcPort}]->[${f.dstAddress}:${f.dstPort}] if=${f.interface || '-'} bytes:${f.bytes}B packets:${f.packets} ` +
    `src_svc=[${f.srcService ? svc(f.srcService) : '-'}] dst_svc=[${f.dstService ? svc(f.dstService) : '-'}]`;
}

/** "<name> <language>", remembered per Service object (interned, read-only; checked anyway). */
const svcText = new WeakMap<Service, { name: string; language: string; text: string }>();

export function svc(s: Service): string {
  const c = svcText.get(s);
  if (c !== undefined && c.name === s.name && c.language === s.process.language) return c.text;
  const text = `${s.name} ${s.process.language}`;
  svcText.set(s, { name: s.name, language: s.process.language, text });
  return text;
}

export function status(s: Span): string {
  if (s.http) return s.http.status === 200 ? '200' : String(s.http.status);
  const a = s.attributes;
  return String(a['rpc.response.status_code'] ?? a['rpc.grpc.status_code'] ?? a['db.response.status_code'] ?? 0);
}

export function method(s: Span): string {
  if (s.http) return s.http.method;
  const a = s.attributes;
  return String(a['rpc.method'] ?? a['db.operation.name'] ?? a['messaging.operation.name'] ?? '-');
}

export function path(s: Span): string {
  if (s.http) return s.http.path;
  const a = s.attributes;
  const service = a['rpc.service'];
  if (service !== undefined) return `/${String(service)}/${String(a['rpc.method'] ?? '')}`;
  return String(a['db.collection.name'] ?? a['messaging.destination.name'] ?? s.name ?? '-');
}

/** Keeps the line splittable on spaces: empty becomes "-", whitespace is escaped. */
export function token(v: string): string {
  if (v === '') return '-';
  // Only control characters, space and non-ASCII characters can be whitespace (\s): scan, then the regex if needed.
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 32 || c >= 128) return /\s/.test(v) ? v.replace(/\s/g, (ch) => (ch === ' ' ? '%20' : JSON.stringify(ch).slice(1, -1))) : v;
  }
  return v;
}

/** "2006-01-02 15:04:05.123456789" in UTC from Unix nanoseconds. */
export function formatTime(ns: bigint): string {
  const nanos = secondOf(ns);
  if (nanos < 0) return formatTimeSlow(ns);
  return secondPrefix + (nanos >= 100_000_000 ? String(nanos) : String(nanos).padStart(9, '0'));
}

/**
 * For ns ≥ 0: makes `secondPrefix` the date and time of ns's second ("2006-01-02 15:04:05.") and returns the
 * nanoseconds within it; -1 for a negative ns (formatTime's slow path).
 */
export function secondOf(ns: bigint): number {
  if (ns < 0n) return -1;
  let nanos = Number(ns - lastSecondNs);
  if (!(nanos >= 0 && nanos < 1e9)) {
    nanos = Number(ns % 1_000_000_000n);
    // Number(ns) is within ~1 µs of ns (below 2^63): rounding recovers the exact second.
    const second = Math.round((Number(ns) - nanos) / 1e9);
    const iso = new Date(second * 1000).toISOString(); // 2006-01-02T15:04:05.000Z
    secondPrefix = `${iso.slice(0, 10)} ${iso.slice(11, 19)}.`;
    lastSecondNs = ns - BigInt(nanos);
  }
  return nanos;
}

/** The last second formatted, as Unix ns, and its date and time (spans of a batch mostly start within one second). */
let lastSecondNs = -1_000_000_000n;
export let secondPrefix = '';

export function formatTimeSlow(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.123Z
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}`;
}

/** Go's time.Duration.String(): "0s", "850ns", "1.5µs", "5.045099ms", "1.2s", "1m30s", "2h0m0s". */
export function goDuration(ns: bigint, micro = MICROSECONDS): string {
  if (ns > 0n && ns < 1_000_000_000n) {
    // Below a second (most spans): exact in a double, no BigInt arithmetic.
    const d = Number(ns);
    if (d < 1_000) return `${d}ns`;
    if (d < 1_000_000) return fracNumber(d, 1_000, 3) + micro;
    return `${fracNumber(d, 1_000_000, 6)}ms`;
  }
  if (ns === 0n) return '0s';
  if (ns < 0n) return `-${goDuration(-ns, micro)}`;
  if (ns < 1_000n) return `${ns}ns`;
  if (ns < 1_000_000n) return frac(ns, 1_000n) + micro;
  if (ns < 1_000_000_000n) return `${frac(ns, 1_000_000n)}ms`;
  const totalSeconds = ns / 1_000_000_000n;
  const seconds = `${frac(ns % 60_000_000_000n, 1_000_000_000n)}s`;
  const minutes = totalSeconds / 60n;
  if (minutes === 0n) return seconds;
  const hours = minutes / 60n;
  if (hours === 0n) return `${minutes}m${seconds}`;
  return `${hours}h${minutes % 60n}m${seconds}`;
}

/** value / unit as Go prints it: the fraction without trailing zeros (`digits` = log10(unit)). */
function fracNumber(value: number, unit: number, digits: number): string {
  const whole = Math.floor(value / unit);
  let rest = value - whole * unit;
  if (rest === 0) return String(whole);
  while (rest % 10 === 0) {
    rest /= 10;
    digits--;
  }
  return `${whole}.${String(rest).padStart(digits, '0')}`;
}

function frac(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${rest.toString().padStart(digits, '0').replace(/0+$/, '')}`;
}
