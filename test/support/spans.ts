import type { Service } from '../../src/model/service.js';
import type { Span } from '../../src/model/span.js';

export function testService(name = 'checkout', pid = 4242, language: Service['process']['language'] = 'python'): Service {
  return Object.freeze({
    name,
    namespace: 'shop',
    instanceId: `test-host:${pid}`,
    process: Object.freeze({ pid, exe: `/usr/bin/${language}3`, cmdline: `${language}3 -m app`, language }),
    attributes: Object.freeze({}),
  });
}

/** A server HTTP span; `i` varies times, ids and path so spans are distinguishable. */
export function testSpan(i = 0, overrides: Partial<Span> = {}, service = testService()): Span {
  const start = 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n;
  return {
    kind: 'server',
    protocol: 'http',
    startUnixNano: start,
    endUnixNano: start + 2_500_000n,
    service,
    connection: { peerAddress: '127.0.0.1', peerPort: 40000 + i, hostAddress: '127.0.0.1', hostPort: 8080 },
    trace: { traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, 'a'), parentSpanId: '', flags: 1 },
    name: '',
    http: { method: 'GET', path: `/items/${i}`, query: '', route: '', status: 200, scheme: 'http', requestBodySize: 0, responseBodySize: 128, host: 'localhost:8080' },
    attributes: {},
    ...overrides,
  };
}
