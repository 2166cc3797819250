import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spanAttributes } from '../model/span-attributes.js';
import type { Span } from '../model/span.js';
import { SPAN_METRIC_ATTRIBUTES, spanAttributeGetter, spanAttributeValue, spanTypedGetter } from './span-values.js';
import { sampleService } from '../../test/support/sample-spans.js';

const service = sampleService('api', 7);

const arbSpan = fc.record({
  kind: fc.constantFrom('server', 'client', 'producer', 'consumer', 'internal'),
  hasHttp: fc.boolean(),
  host: fc.constantFrom('', 'example.com', 'example.com:8443', '[::1]:80', 'a:b:c'),
  query: fc.constantFrom('', 'a=1'),
  route: fc.constantFrom('', '/users/*'),
  status: fc.integer({ min: 0, max: 599 }),
  version: fc.constantFrom(undefined, '1.0', '1.1', '2'),
  extra: fc.dictionary(fc.constantFrom('db.system.name', 'http.route', 'server.port', 'rpc.method', 'service.name'), fc.oneof(fc.string(), fc.integer())),
}).map(({ kind, hasHttp, host, query, route, status, version, extra }): Span => ({
  kind, protocol: 'http', startUnixNano: 1n, endUnixNano: 2n, service,
  connection: { peerAddress: '10.1.1.1', peerPort: 5000, hostAddress: '10.2.2.2', hostPort: 80 },
  trace: { traceId: '1'.repeat(32), spanId: '2'.repeat(16), parentSpanId: '', flags: 1 },
  name: '',
  http: hasHttp ? { method: 'POST', path: '/p', query, route, status, scheme: 'https', requestBodySize: 3, responseBodySize: 4, host, protocolVersion: version } : undefined,
  attributes: extra,
}));

test('spanAttributeValue agrees with spanAttributes() for every attribute it produces, and nothing more', () => {
  fc.assert(fc.property(arbSpan, (span) => {
    const all = spanAttributes(span);
    for (const [k, v] of Object.entries(all)) assert.deepEqual(spanAttributeValue(span, k), v, k);
    for (const k of SPAN_METRIC_ATTRIBUTES) if (!(k in all)) assert.equal(spanAttributeValue(span, k), undefined, k);
  }), { numRuns: 500 });
});

test('spanAttributeGetter(name)(span) equals spanAttributeValue(span, name)', () => {
  fc.assert(fc.property(arbSpan, (span) => {
    for (const k of [...SPAN_METRIC_ATTRIBUTES, 'db.system.name', 'rpc.method', 'no.such']) assert.deepEqual(spanAttributeGetter(k)(span), spanAttributeValue(span, k), k);
  }), { numRuns: 500 });
});

test('spanTypedGetter(name)(span) equals spanAttributeValue(span, name) for spans whose attributes are empty', () => {
  fc.assert(fc.property(arbSpan, (generated) => {
    const span = { ...generated, attributes: {} };
    for (const k of [...SPAN_METRIC_ATTRIBUTES, 'db.system.name', 'rpc.method', 'no.such']) assert.deepEqual(spanTypedGetter(k)(span), spanAttributeValue(span, k), k);
  }), { numRuns: 500 });
});
