import type { Service } from './service.js';
import type { Span } from './span.js';

/**
 * The JSON Lines form of a span: what `print_traces` with `format: json` writes and the `replay` receiver reads.
 * One object per line, the Span's own field names, nanosecond times as decimal strings (JSON numbers lose
 * precision past 2^53), the service embedded in full. Fields are written in a fixed order.
 */
export interface SpanJson {
  kind: Span['kind'];
  protocol: Span['protocol'];
  name: string;
  startUnixNano: string;
  endUnixNano: string;
  service: ServiceJson;
  connection: Span['connection'];
  trace: Span['trace'];
  http?: NonNullable<Span['http']>;
  attributes: Span['attributes'];
}

export interface ServiceJson {
  name: string;
  namespace: string;
  instanceId: string;
  process: { pid: number; exe: string; cmdline: string; language: Service['process']['language']; containerId?: string };
  attributes: Record<string, string>;
}

export function spanToJson(span: Span): SpanJson {
  const out: SpanJson = {
    kind: span.kind,
    protocol: span.protocol,
    name: span.name,
    startUnixNano: span.startUnixNano.toString(),
    endUnixNano: span.endUnixNano.toString(),
    service: serviceToJson(span.service),
    connection: { ...span.connection },
    trace: { ...span.trace },
    attributes: { ...span.attributes },
  };
  if (span.http) out.http = { ...span.http };
  return reorder(out);
}

/** One line (no trailing newline). */
export function spanToJsonLine(span: Span): string {
  return JSON.stringify(spanToJson(span));
}

export function serviceToJson(s: Service): ServiceJson {
  const process: ServiceJson['process'] = { pid: s.process.pid, exe: s.process.exe, cmdline: s.process.cmdline, language: s.process.language };
  if (s.process.containerId) process.containerId = s.process.containerId;
  return { name: s.name, namespace: s.namespace, instanceId: s.instanceId, process, attributes: { ...s.attributes } };
}

/** Builds the model Span from a validated SpanJson; `intern` returns one Service object per distinct service. */
export function spanFromJson(j: SpanJson, intern: (s: ServiceJson) => Service = serviceFromJson): Span {
  const span: Span = {
    kind: j.kind,
    protocol: j.protocol,
    startUnixNano: BigInt(j.startUnixNano),
    endUnixNano: BigInt(j.endUnixNano),
    service: intern(j.service),
    connection: { ...j.connection },
    trace: { ...j.trace },
    name: j.name,
    attributes: { ...j.attributes },
  };
  if (j.http) span.http = { ...j.http };
  return span;
}

export function serviceFromJson(j: ServiceJson): Service {
  const process = { ...j.process };
  if (process.containerId === undefined) delete process.containerId;
  return Object.freeze({
    name: j.name,
    namespace: j.namespace,
    instanceId: j.instanceId,
    process: Object.freeze(process),
    attributes: Object.freeze({ ...j.attributes }),
  });
}

/** Interns services so spans of one process share one Service object, as receivers produce them. */
export function serviceInterner(): (s: ServiceJson) => Service {
  const seen = new Map<string, Service>();
  return (s) => {
    const key = JSON.stringify(s);
    let svc = seen.get(key);
    if (!svc) {
      svc = serviceFromJson(s);
      seen.set(key, svc);
    }
    return svc;
  };
}

const ORDER = ['kind', 'protocol', 'name', 'startUnixNano', 'endUnixNano', 'service', 'connection', 'trace', 'http', 'attributes'] as const;

function reorder(o: SpanJson): SpanJson {
  const out: Record<string, unknown> = {};
  for (const k of ORDER) if (o[k] !== undefined) out[k] = o[k];
  return out as unknown as SpanJson;
}

const str = { type: 'string' };
const int = (min = 0, max = Number.MAX_SAFE_INTEGER) => ({ type: 'integer', minimum: min, maximum: max });
const nanos = { type: 'string', pattern: '^[0-9]{1,20}$' };
const hex = (n: number, allowEmpty = false) => ({ type: 'string', pattern: allowEmpty ? `^([0-9a-f]{${n}})?$` : `^[0-9a-f]{${n}}$` });
const attrs = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };

/** JSON schema of one line (ajv); the replay receiver reports violations with the line number. */
export const spanJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'protocol', 'name', 'startUnixNano', 'endUnixNano', 'service', 'connection', 'trace', 'attributes'],
  properties: {
    kind: { enum: ['server', 'client', 'producer', 'consumer', 'internal'] },
    protocol: { enum: ['http', 'grpc', 'sql', 'redis', 'memcached', 'kafka', 'tcp'] },
    name: str,
    startUnixNano: nanos,
    endUnixNano: nanos,
    service: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'namespace', 'instanceId', 'process', 'attributes'],
      properties: {
        name: { type: 'string', minLength: 1 },
        namespace: str,
        instanceId: str,
        process: {
          type: 'object',
          additionalProperties: false,
          required: ['pid', 'exe', 'cmdline', 'language'],
          properties: {
            pid: int(0, 4194304),
            exe: str,
            cmdline: str,
            language: { enum: ['go', 'java', 'nodejs', 'python', 'ruby', 'dotnet', 'cpp', 'rust', 'php', 'unknown'] },
            containerId: str,
          },
        },
        attributes: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    connection: {
      type: 'object',
      additionalProperties: false,
      required: ['peerAddress', 'peerPort', 'hostAddress', 'hostPort'],
      properties: { peerAddress: str, peerPort: int(0, 65535), hostAddress: str, hostPort: int(0, 65535) },
    },
    trace: {
      type: 'object',
      additionalProperties: false,
      required: ['traceId', 'spanId', 'parentSpanId', 'flags'],
      properties: { traceId: hex(32), spanId: hex(16), parentSpanId: hex(16, true), flags: int(0, 255) },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      required: ['method', 'path', 'query', 'route', 'status', 'scheme', 'requestBodySize', 'responseBodySize', 'host'],
      properties: {
        method: str, path: str, query: str, route: str, status: int(0, 999), scheme: { enum: ['http', 'https'] },
        requestBodySize: int(), responseBodySize: int(), host: str, protocolVersion: { enum: ['1.0', '1.1', '2'] },
      },
    },
    attributes: attrs,
  },
} as const;
