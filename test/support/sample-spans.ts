import type { Service } from '../../src/model/service.js';
import type { Span, SpanKind } from '../../src/model/span.js';

/** Test/bench fixtures for exporter tests: services and HTTP spans with deterministic values. */
export function sampleService(name: string, pid: number, namespace = 'shop'): Service {
  return Object.freeze({
    name, namespace, instanceId: `test-host:${pid}`, attributes: Object.freeze({}),
    process: Object.freeze({ pid, exe: `/usr/bin/${name}`, cmdline: `${name} --serve`, language: 'go' as const }),
  });
}

export interface SampleSpanOptions {
  kind?: SpanKind;
  method?: string;
  route?: string;
  path?: string;
  status?: number;
  /** Duration in seconds. */
  duration?: number;
  startUnixNano?: bigint;
  requestBodySize?: number;
  responseBodySize?: number;
  hostPort?: number;
  parentSpanId?: string;
  seq?: number;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function sampleHttpSpan(service: Service, o: SampleSpanOptions = {}): Span {
  const seq = o.seq ?? 1;
  const start = o.startUnixNano ?? 1_700_000_000_000_000_000n + BigInt(seq) * 1000n;
  const durNs = BigInt(Math.round((o.duration ?? 0.02) * 1e9));
  const kind = o.kind ?? 'server';
  return {
    kind, protocol: 'http', startUnixNano: start, endUnixNano: start + durNs, service,
    connection: kind === 'server'
      ? { peerAddress: '10.0.0.2', peerPort: 40000 + (seq % 1000), hostAddress: '10.0.0.1', hostPort: o.hostPort ?? 8080 }
      : { peerAddress: '10.0.0.9', peerPort: o.hostPort ?? 5432, hostAddress: '10.0.0.1', hostPort: 40000 + (seq % 1000) },
    trace: { traceId: hex(seq, 32), spanId: hex(seq + 1, 16), parentSpanId: o.parentSpanId ?? '', flags: 1 },
    name: '',
    http: {
      method: o.method ?? 'GET', path: o.path ?? '/users/42', query: '', route: o.route ?? '/users/:id',
      status: o.status ?? 200, scheme: 'http', requestBodySize: o.requestBodySize ?? 0,
      responseBodySize: o.responseBodySize ?? 512, host: '', protocolVersion: '1.1',
    },
    attributes: {},
  };
}
