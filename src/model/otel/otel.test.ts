import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ResourceCache, toReadableSpan, nanosToHrTime, durationHrTime, LUMEN_VERSION } from './index.js';
import { sampleHttpSpan, sampleService } from '../../../test/support/sample-spans.js';

const api = sampleService('api', 42);

test('time conversions keep nanosecond precision', () => {
  assert.deepEqual(nanosToHrTime(1_700_000_000_123_456_789n), [1_700_000_000, 123_456_789]);
  assert.deepEqual(durationHrTime(5n, 2_000_000_010n), [2, 5]);
  assert.deepEqual(durationHrTime(10n, 5n), [0, 0]);
});

test('a server span becomes a ReadableSpan with name, kind, times, status, attributes and the service resource', () => {
  const resources = new ResourceCache('node-1');
  const span = sampleHttpSpan(api, { method: 'POST', route: '/orders/:id', status: 503, duration: 0.25, startUnixNano: 1_700_000_000_000_000_001n, parentSpanId: 'abcdefabcdefabcd' });
  const r = toReadableSpan(span, resources);
  assert.equal(r.name, 'POST /orders/:id');
  assert.equal(r.kind, SpanKind.SERVER);
  assert.deepEqual(r.startTime, [1_700_000_000, 1]);
  assert.deepEqual(r.endTime, [1_700_000_000, 250_000_001]);
  assert.deepEqual(r.duration, [0, 250_000_000]);
  assert.equal(r.status.code, SpanStatusCode.ERROR);
  assert.equal(r.spanContext().traceId, span.trace.traceId);
  assert.equal(r.parentSpanContext?.spanId, 'abcdefabcdefabcd');
  assert.equal(r.parentSpanContext?.isRemote, true);
  assert.equal(r.attributes['http.response.status_code'], 503);
  assert.equal(r.attributes['http.route'], '/orders/:id');
  assert.equal(r.attributes['server.port'], 8080);
  assert.equal(r.attributes['service.name'], undefined, 'service.* is on the resource, not the span');
  assert.equal(r.instrumentationScope.name, 'lumen');
  const res = r.resource.attributes;
  assert.equal(res['service.name'], 'api');
  assert.equal(res['service.namespace'], 'shop');
  assert.equal(res['service.instance.id'], 'test-host:42');
  assert.equal(res['host.name'], 'node-1');
  assert.equal(res['process.pid'], 42);
  assert.equal(res['telemetry.sdk.language'], 'go');
  assert.equal(res['telemetry.sdk.version'], LUMEN_VERSION);
  assert.notEqual(LUMEN_VERSION, '0.0.0');
  assert.equal(toReadableSpan(sampleHttpSpan(api), resources).resource, r.resource, 'one Resource object per service');
});

test('client spans: CLIENT kind, 4xx is an error, url.full; no parent → root', () => {
  const r = toReadableSpan(sampleHttpSpan(api, { kind: 'client', status: 404 }), new ResourceCache('h'));
  assert.equal(r.kind, SpanKind.CLIENT);
  assert.equal(r.status.code, SpanStatusCode.ERROR);
  assert.equal(r.parentSpanContext, undefined);
  assert.equal(r.attributes['url.full'], 'http://10.0.0.9/users/42');
  const ok = toReadableSpan(sampleHttpSpan(api, { kind: 'client', status: 204 }), new ResourceCache('h'));
  assert.equal(ok.status.code, SpanStatusCode.UNSET);
});
