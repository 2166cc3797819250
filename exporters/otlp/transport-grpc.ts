import { Client, credentials, Metadata, status as GrpcStatus, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import type { OtlpSettings } from './settings.js';
import type { OtlpSignal, SendResult, Transport } from './transport.js';

const PATHS: Readonly<Record<OtlpSignal, string>> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

/** gRPC codes the OTLP spec lists as retryable. */
const RETRYABLE = new Set<number>([
  GrpcStatus.CANCELLED, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE, GrpcStatus.UNAVAILABLE, GrpcStatus.DATA_LOSS,
]);

const identity = (b: Buffer) => b;

/** "http://h:4317" → plaintext h:4317, "https://h:4317" → TLS, "h:4317" → TLS unless `insecure`. */
function target(url: string, insecure: boolean): { address: string; tls: boolean } {
  const m = /^(https?):\/\/([^/]+)/.exec(url);
  if (m) return { address: m[2]!, tls: m[1] === 'https' };
  return { address: url.replace(/\/.*$/, ''), tls: !insecure };
}

/**
 * OTLP/gRPC with @grpc/grpc-js. The request body is already protobuf-encoded, so the unary call passes bytes
 * through (identity serializers) on the collector's real service paths.
 */
export function grpcTransport(s: OtlpSettings): Transport {
  const clients = new Map<string, Client>();
  const options: Record<string, number> = { 'grpc.max_send_message_length': 64 * 1024 * 1024 };
  if (s.gzip) options['grpc.default_compression_algorithm'] = 2; // gzip
  const client = (url: string): Client => {
    let c = clients.get(url);
    if (!c) {
      const t = target(url, s.insecure);
      const creds = t.tls ? credentials.createSsl(s.tls.ca ?? null, s.tls.key ?? null, s.tls.cert ?? null, { rejectUnauthorized: s.tls.rejectUnauthorized }) : credentials.createInsecure();
      c = new Client(t.address, creds, options);
      clients.set(url, c);
    }
    return c;
  };
  const inFlight = new Set<ClientUnaryCall>();
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(s.headers)) metadata.set(k, v);
  return {
    send(signal: OtlpSignal, body: Uint8Array): Promise<SendResult> {
      const c = client(signal === 'traces' ? s.tracesUrl : s.metricsUrl);
      const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return new Promise<SendResult>((resolve) => {
        const call = c.makeUnaryRequest(PATHS[signal], identity, identity, buf, metadata.clone(), { deadline: Date.now() + s.timeoutMs },
          (err: ServiceError | null) => {
            inFlight.delete(call);
            if (!err) return resolve({ ok: true });
            resolve({ ok: false, retryable: RETRYABLE.has(err.code), message: `gRPC ${GrpcStatus[err.code] ?? err.code}: ${err.details || err.message}` });
          });
        inFlight.add(call);
      });
    },
    close() {
      // Cancelled calls settle at once (CANCELLED) instead of holding the stop until their deadline.
      for (const call of inFlight) call.cancel();
      inFlight.clear();
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
}
