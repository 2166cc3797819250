import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSpanName, spanIsError, spanDurationSeconds, type Span } from './span.js';
import { spanAttributes } from './span-attributes.js';
import type { Service } from './service.js';

const service: Service = {
  name: 'shop', namespace: 'prod', instanceId: 'h:1', attributes: {},
  process: { pid: 1, exe: '/usr/bin/shop', cmdline: 'shop', language: 'go' },
};

function span(kind: Span['kind'], status: number): Span {
  return {
    kind, protocol: 'http', startUnixNano: 1_000_000_000n, endUnixNano: 1_050_000_000n, service,
    connection: { peerAddress: '10.0.0.2', peerPort: 40000, hostAddress: '10.0.0.1', hostPort: 8080 },
    trace: { traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', parentSpanId: '', flags: 1 },
    name: '',
    http: { method: 'GET', path: '/users/1', query: '', route: '', status, scheme: 'http', requestBodySize: 0, responseBodySize: 12, host: '' },
    attributes: {},
  };
}

test('status rules: server errors from 500, client errors from 400, 0 is an error', () => {
  assert.equal(spanIsError(span('server', 404)), false);
  assert.equal(spanIsError(span('server', 500)), true);
  assert.equal(spanIsError(span('client', 404)), true);
  assert.equal(spanIsError(span('server', 0)), true);
});

test('span name falls back from route to method', () => {
  const s = span('server', 200);
  assert.equal(defaultSpanName(s), 'GET');
  s.http!.route = '/users/*';
  assert.equal(defaultSpanName(s), 'GET /users/*');
});

test('duration and server attributes', () => {
  const s = span('server', 200);
  assert.equal(spanDurationSeconds(s), 0.05);
  const a = spanAttributes(s);
  assert.equal(a['server.port'], 8080);
  assert.equal(a['client.address'], '10.0.0.2');
  assert.equal(a['service.name'], 'shop');
});
