import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Server as GrpcServer, ServerCredentials, status as GrpcStatus, type ServiceDefinition, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

/**
 * A test OTLP collector: gRPC, http/protobuf and http/json, decoding with the REAL opentelemetry-proto .proto
 * files (the devDependency `otlp-proto-files` ships them) through protobufjs reflection — independent of the
 * exporter's encoder (the OTel SDK's hand-written writer). JSON is checked field by field against the same
 * definitions (OTLP/JSON: lowerCamelCase names, hex trace/span ids), unknown fields are errors.
 */
const require = createRequire(import.meta.url);
export const PROTO_DIR = join(dirname(require.resolve('otlp-proto-files/package.json')), 'build', 'protos');

const root = new protobuf.Root();
root.resolvePath = (_origin, target) => join(PROTO_DIR, target);
root.loadSync([
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
]);
root.resolveAll();

type Signal = 'traces' | 'metrics';
const SERVICES: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
};
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
/**
 * Fields newer than the bundled proto files (opentelemetry-proto v0.19): Span.flags / Link.flags arrived in
 * v1.1. Binary decoding skips them as unknown fields; the strict JSON check accepts exactly these, as numbers.
 */
const NEWER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  '.opentelemetry.proto.trace.v1.Span': ['flags'],
  '.opentelemetry.proto.trace.v1.Span.Link': ['flags'],
};

function method(signal: Signal) {
  const svc = root.lookupService(SERVICES[signal]);
  const m = svc.methods['Export']!;
  m.resolve();
  return { path: `/${svc.fullName.slice(1)}/${m.name}`, req: m.resolvedRequestType!, res: m.resolvedResponseType! };
}

/** The real proto type of an export request (ExportTraceServiceRequest / ExportMetricsServiceRequest), e.g. to encode one. */
export function exportRequestType(signal: Signal): protobuf.Type {
  return method(signal).req;
}

/** Plain JS view of a decoded message: int64 as strings, enums as numbers, bytes as hex. */
function toPlain(type: protobuf.Type, msg: protobuf.Message): any {
  return type.toObject(msg, { longs: String, enums: Number, bytes: String, defaults: false, arrays: true });
}

/** OTLP/JSON → message, validated against the proto definitions. */
function fromJson(type: protobuf.Type, value: any, path: string): any {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path}: expected an object for ${type.name}`);
  const out: any = {};
  for (const [k, v] of Object.entries(value)) {
    const field = type.fields[k] ?? Object.values(type.fields).find((f) => f.name === k);
    if (!field) {
      if (NEWER_FIELDS[type.fullName]?.includes(k) && typeof v === 'number') continue;
      throw new Error(`${path}.${k}: no such field in ${type.fullName}`);
    }
    field.resolve();
    const conv = (x: any, p: string): any => {
      if (field.resolvedType instanceof protobuf.Type) return fromJson(field.resolvedType, x, p);
      if (field.type === 'bytes') {
        if (!ID_FIELDS.has(field.name)) return x;
        if (typeof x !== 'string' || !/^([0-9a-f]{2})*$/.test(x)) throw new Error(`${p}: ids are lower-case hex in OTLP/JSON, got ${JSON.stringify(x)}`);
        return Buffer.from(x, 'hex').toString('base64');
      }
      return x;
    };
    out[field.name] = field.repeated ? (v as any[]).map((x, i) => conv(x, `${path}.${k}[${i}]`)) : conv(v, `${path}.${k}`);
  }
  return out;
}

/** Decodes one OTLP/HTTP export request body (protobuf or JSON, optionally gzipped) with the real protos. */
export function decodeExportRequest(signal: 'traces' | 'metrics', raw: Buffer, o: { json: boolean; gzip: boolean }): any {
  const m = method(signal);
  const bytes = o.gzip ? gunzipSync(raw) : raw;
  return o.json
    ? toPlain(m.req, m.req.fromObject(fromJson(m.req, JSON.parse(bytes.toString('utf8')), '$')))
    : toPlain(m.req, m.req.decode(bytes));
}

/** Spans (traces) or data points (metrics) in a decoded request. */
export function countRecords(signal: 'traces' | 'metrics', body: any): number {
  let n = 0;
  if (signal === 'traces') {
    for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  } else {
    for (const rm of body.resourceMetrics ?? []) for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) {
      for (const k of ['histogram', 'sum', 'gauge']) n += m[k]?.dataPoints?.length ?? 0;
    }
  }
  return n;
}

export interface ReceivedRequest {
  readonly signal: Signal;
  readonly transport: 'grpc' | 'http/protobuf' | 'http/json';
  readonly headers: Record<string, string>;
  readonly gzip: boolean;
  /** The decoded ExportTraceServiceRequest / ExportMetricsServiceRequest (plain object, ids in base64 → see spans()). */
  readonly body: any;
}

export type Attrs = Record<string, string | number | boolean>;

export interface ReceivedSpan {
  resource: Attrs;
  scope: { name: string; version?: string };
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attrs;
  status: { code: number; message?: string };
}

export interface ReceivedMetric {
  resource: Attrs;
  scope: { name: string; version?: string };
  name: string;
  unit: string;
  description: string;
  /** 'histogram' | 'sum' | 'gauge' … (the oneof case). */
  type: string;
  data: any;
}

function anyValue(v: any): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return JSON.stringify(v);
}

export function attrs(list: any[] | undefined): Attrs {
  const out: Attrs = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value ?? {});
  return out;
}

const hex = (b64: string | undefined) => (b64 ? Buffer.from(b64, 'base64').toString('hex') : '');

export interface CollectorOptions {
  /** 0: a free port, chosen at the first start() and kept across restarts (see grpcPort/httpPort). */
  grpcPort: number;
  httpPort: number;
  /** false: decode and count only (benchmarks), keeping no request. Default true. */
  retain?: boolean;
  /**
   * HTTP only: answer 200 as soon as the body is in, then decode (benchmarks: a production collector acks fast;
   * this reflection-based decoder is slower than the exporter and would otherwise set the pace). Decode errors
   * are still counted in `counts.errors`.
   */
  ackBeforeDecode?: boolean;
}

export class OtlpCollector {
  readonly requests: ReceivedRequest[] = [];
  /** Spans and metric data points decoded so far (also when requests are not retained). */
  readonly counts = { requests: 0, spans: 0, points: 0, errors: 0 };
  /** Set to make every request fail: an HTTP status (gRPC maps 503 → UNAVAILABLE, 400 → INVALID_ARGUMENT). */
  failWith: number | undefined;
  private http: HttpServer | undefined;
  /** ackBeforeDecode: decoding still to do, chained in arrival order. */
  private backlog: Promise<void> = Promise.resolve();
  private grpc: GrpcServer | undefined;

  /** The ports listened on (options' ports, or those the system chose for 0). */
  grpcPort: number;
  httpPort: number;

  constructor(readonly options: CollectorOptions) {
    this.grpcPort = options.grpcPort;
    this.httpPort = options.httpPort;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get grpcUrl(): string {
    return `http://127.0.0.1:${this.grpcPort}`;
  }

  async start(): Promise<void> {
    await Promise.all([this.startHttp(), this.startGrpc()]);
  }

  /** Closes both listeners and drops open connections (the "collector down" state); start() again to come back. */
  async stop(): Promise<void> {
    const h = this.http;
    const g = this.grpc;
    this.http = undefined;
    this.grpc = undefined;
    await Promise.all([
      h && new Promise<void>((r) => { h.closeAllConnections(); h.close(() => r()); }),
      g && new Promise<void>((r) => { g.forceShutdown(); r(); }),
    ]);
  }

  /** Resolves when every acknowledged request has been decoded (ackBeforeDecode). */
  async decoded(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.backlog;
      await seen;
    } while (seen !== this.backlog);
  }

  spans(): ReceivedSpan[] {
    const out: ReceivedSpan[] = [];
    for (const r of this.requests) {
      if (r.signal !== 'traces') continue;
      for (const rs of r.body.resourceSpans ?? []) {
        const resource = attrs(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            out.push({
              resource, scope: { name: ss.scope?.name ?? '', version: ss.scope?.version },
              traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: hex(s.parentSpanId), name: s.name ?? '', kind: s.kind ?? 0,
              startTimeUnixNano: BigInt(s.startTimeUnixNano ?? 0), endTimeUnixNano: BigInt(s.endTimeUnixNano ?? 0),
              attributes: attrs(s.attributes), status: { code: s.status?.code ?? 0, message: s.status?.message },
            });
          }
        }
      }
    }
    return out;
  }

  metrics(): ReceivedMetric[] {
    const out: ReceivedMetric[] = [];
    for (const r of this.requests) {
      if (r.signal !== 'metrics') continue;
      for (const rm of r.body.resourceMetrics ?? []) {
        const resource = attrs(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const m of sm.metrics ?? []) {
            const type = ['histogram', 'sum', 'gauge', 'exponentialHistogram', 'summary'].find((k) => m[k] !== undefined) ?? 'unknown';
            out.push({ resource, scope: { name: sm.scope?.name ?? '' }, name: m.name, unit: m.unit ?? '', description: m.description ?? '', type, data: m[type] });
          }
        }
      }
    }
    return out;
  }

  private record(signal: Signal, transport: ReceivedRequest['transport'], headers: Record<string, string>, gzip: boolean, body: any) {
    this.counts.requests++;
    if (signal === 'traces') this.counts.spans += countRecords(signal, body);
    else this.counts.points += countRecords(signal, body);
    if (this.options.retain !== false) this.requests.push({ signal, transport, headers, gzip, body });
  }

  private startHttp(): Promise<void> {
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const signal: Signal | undefined = req.url === '/v1/traces' ? 'traces' : req.url === '/v1/metrics' ? 'metrics' : undefined;
        if (!signal || req.method !== 'POST') return void res.writeHead(404).end();
        if (this.failWith) return void res.writeHead(this.failWith, { 'content-type': 'text/plain' }).end('failing on purpose');
        const gzip = req.headers['content-encoding'] === 'gzip';
        const json = (req.headers['content-type'] ?? '').startsWith('application/json');
        const m = method(signal);
        const decode = (): string | undefined => {
          try {
            const body = decodeExportRequest(signal, Buffer.concat(chunks), { json, gzip });
            this.record(signal, json ? 'http/json' : 'http/protobuf', req.headers as Record<string, string>, gzip, body);
            return undefined;
          } catch (err) {
            this.counts.errors++;
            return (err as Error).message;
          }
        };
        if (this.options.ackBeforeDecode) {
          res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : undefined);
          // Decode once the answer is on its way (after this tick), in arrival order.
          this.backlog = this.backlog.then(() => new Promise<void>((r) => setImmediate(r))).then(() => void decode());
          return;
        }
        const error = decode();
        if (error) return void res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request: ${error}`);
        if (json) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(m.res.encode(m.res.create({})).finish()));
      });
    });
    this.http = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.httpPort, '127.0.0.1', () => { this.httpPort = (server.address() as AddressInfo).port; resolve(); });
    });
  }

  private startGrpc(): Promise<void> {
    const server = new GrpcServer();
    for (const signal of ['traces', 'metrics'] as Signal[]) {
      const m = method(signal);
      const def: ServiceDefinition = {
        Export: {
          path: m.path, requestStream: false, responseStream: false,
          requestSerialize: (x: any) => Buffer.from(m.req.encode(x).finish()),
          requestDeserialize: (b: Buffer) => m.req.decode(b),
          responseSerialize: (x: any) => Buffer.from(m.res.encode(x).finish()),
          responseDeserialize: (b: Buffer) => m.res.decode(b),
        },
      };
      server.addService(def, {
        Export: (call: ServerUnaryCall<protobuf.Message, protobuf.Message>, cb: sendUnaryData<protobuf.Message>) => {
          if (this.failWith) {
            return cb({ code: this.failWith >= 500 || this.failWith === 429 ? GrpcStatus.UNAVAILABLE : GrpcStatus.INVALID_ARGUMENT, details: 'failing on purpose' }, null);
          }
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(call.metadata.getMap())) headers[k] = String(v);
          this.record(signal, 'grpc', headers, headers['grpc-encoding'] === 'gzip', toPlain(m.req, call.request));
          cb(null, m.res.create({}));
        },
      });
    }
    this.grpc = server;
    return new Promise((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${this.grpcPort}`, ServerCredentials.createInsecure(), (err, port) => {
        if (err) return reject(err);
        this.grpcPort = port;
        resolve();
      });
    });
  }
}

export async function startOtlpCollector(options: CollectorOptions): Promise<OtlpCollector> {
  const c = new OtlpCollector(options);
  await c.start();
  return c;
}
