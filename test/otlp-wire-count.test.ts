import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { countSpansOnTheWire } from '../bench/pipeline/otlp-wire-count.js';
import { countRecords, decodeExportRequest, exportRequestType } from './support/otlp-collector.js';

// The benchmark sink counts spans on the wire instead of decoding them; it must count what a full decode finds.
const keyValue = fc.record({ key: fc.string({ maxLength: 8 }), value: fc.record({ stringValue: fc.string({ maxLength: 12 }) }) });
const span = fc.record({
  traceId: fc.uint8Array({ minLength: 16, maxLength: 16 }), spanId: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  name: fc.string({ maxLength: 20 }), kind: fc.integer({ min: 0, max: 5 }),
  startTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
  attributes: fc.array(keyValue, { maxLength: 3 }),
  events: fc.array(fc.record({ name: fc.string({ maxLength: 5 }), attributes: fc.array(keyValue, { maxLength: 2 }) }), { maxLength: 2 }),
}, { requiredKeys: ['spanId'] });
const request = fc.record({
  resourceSpans: fc.array(fc.record({
    resource: fc.record({ attributes: fc.array(keyValue, { maxLength: 3 }) }),
    scopeSpans: fc.array(fc.record({ scope: fc.record({ name: fc.string({ maxLength: 6 }) }), spans: fc.array(span, { maxLength: 6 }), schemaUrl: fc.string({ maxLength: 6 }) }, { requiredKeys: ['spans'] }), { maxLength: 3 }),
    schemaUrl: fc.string({ maxLength: 6 }),
  }, { requiredKeys: ['scopeSpans'] }), { maxLength: 4 }),
});

test('the sink\'s wire count equals the spans a full protobuf decode finds', () => {
  const type = exportRequestType('traces');
  fc.assert(fc.property(request, (req) => {
    const body = Buffer.from(type.encode(type.fromObject(req)).finish());
    const decoded = countRecords('traces', decodeExportRequest('traces', body, { json: false, gzip: false }));
    assert.equal(countSpansOnTheWire(body), decoded);
  }), { numRuns: 300 });
});

test('a truncated or garbage body is refused, not miscounted', () => {
  const type = exportRequestType('traces');
  const body = Buffer.from(type.encode(type.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: Buffer.alloc(8, 1), name: 'x'.repeat(40) }] }] }] })).finish());
  assert.equal(countSpansOnTheWire(body), 1);
  assert.throws(() => countSpansOnTheWire(body.subarray(0, body.length - 5)));
  assert.throws(() => countSpansOnTheWire(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f])));
});
