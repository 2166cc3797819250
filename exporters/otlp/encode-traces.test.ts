import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { toReadableSpan, ResourceCache } from '../../src/model/otel/index.js';
import type { Span } from '../../src/model/span.js';
import { encodeTracesProtobuf, TraceRequestWriter } from './encode-traces-proto.js';
import { writeAttributeGeneral, writeTypedAttribute } from './attribute-proto.js';
import { writeTypedAttributes } from './typed-attributes.js';
import { ProtoWriter } from './proto-writer.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { TYPED_ATTRIBUTE_KEYS, visitTypedAttributes } from '../../src/model/span-attributes.js';

const require = createRequire(import.meta.url);
const root = new protobuf.Root();
root.resolvePath = (_o, t) => join(dirname(require.resolve('otlp-proto-files/package.json')), 'build', 'protos', t);
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto');
const Req = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const decode = (b: Uint8Array) => Req.toObject(Req.decode(b), { longs: String, enums: Number, bytes: String, defaults: true });

const services = [sampleService('api', 1), sampleService('wörker-ü', 2, ''), sampleService('x'.repeat(300), 3)];
const arbSpan = fc.record({
  svc: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('server', 'client', 'producer', 'consumer', 'internal'),
  status: fc.integer({ min: 0, max: 599 }),
  path: fc.string({ maxLength: 300 }),
  route: fc.constantFrom('', '/a/:id', '/ü/é'),
  duration: fc.double({ min: 0, max: 100, noNaN: true }),
  parent: fc.boolean(),
  seq: fc.integer({ min: 1, max: 2 ** 40 }),
  // Keys that override typed attributes or sort first (integer-like) take the encoder's exact path; the rest stream.
  // '__proto__' is an attribute like any other (CI's random seed once found the SDK path dropping it).
  extra: fc.dictionary(fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom(...TYPED_ATTRIBUTE_KEYS, '7', '12x', 'db.query.text', '__proto__')),
    fc.oneof(fc.string(), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }))),
  query: fc.constantFrom('', 'a=1', 'q=é'),
  host: fc.constantFrom('', 'example.com', 'example.com:8443', '[::1]:80'),
  version: fc.constantFrom(undefined, '1.1', '2'),
  http: fc.boolean(),
}).map((o): Span => {
  const s = sampleHttpSpan(services[o.svc]!, { kind: o.kind as Span['kind'], status: o.status, path: o.path, route: o.route, duration: o.duration, seq: o.seq, parentSpanId: o.parent ? 'abcdef0123456789' : '' });
  s.attributes = o.extra;
  s.http = { ...s.http!, query: o.query, host: o.host, protocolVersion: o.version };
  if (!o.http) {
    delete s.http;
    s.protocol = 'sql';
  }
  return s;
});

test('the direct encoder produces the same message as the OTel SDK serializer (decoded with the real protos)', () => {
  fc.assert(fc.property(fc.array(arbSpan, { minLength: 1, maxLength: 30 }), (spans) => {
    const resources = new ResourceCache('h');
    const sdk = decode(ProtobufTraceSerializer.serializeRequest(spans.map((s) => toReadableSpan(s, resources)))!);
    const ours = decode(encodeTracesProtobuf(spans, 'h'));
    // The SDK writes the zero-valued dropped_*_count fields explicitly; proto3 decodes both the same (defaults: true).
    assert.deepEqual(ours, sdk);
  }), { numRuns: 400 });
});

test('writer: long nested messages get multi-byte lengths, negative int64 and big strings round-trip', () => {
  const w = new ProtoWriter(4);
  const start = w.open();
  w.string('é'.repeat(70_000));
  w.close(start);
  const r = protobuf.Reader.create(w.finish());
  const outer = r.uint32();
  assert.equal(outer, w.pos - (w.pos - outer));
  assert.equal(r.string(), 'é'.repeat(70_000));
  const n = new ProtoWriter(2);
  n.int64(-5);
  assert.equal(protobuf.Reader.create(n.finish()).int64().toString(), '-5');
  const big = encodeTracesProtobuf([sampleHttpSpan(services[0]!, { path: '/p'.repeat(5000) })], 'h');
  assert.equal(decode(big).resourceSpans[0].scopeSpans[0].spans[0].attributes.find((a: any) => a.key === 'url.path').value.stringValue.length, 10_000);
});

test('writer: ids, 64-bit times and short strings written in JS give the bytes the Buffer/BigInt encoders give', () => {
  // Ids: any string, or hex digits of both cases with now and then another character (where the JS decoder stops).
  const hexish = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF0123456789abcdef', 'g', 'G', '/', ':', '`', '@', 'é', '\u0130', '\u0161'), maxLength: 40, size: 'max' });
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 40 }), hexish), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 65n }), fc.string({ maxLength: 140 }), (h, t, s) => {
    const w = new ProtoWriter(8);
    w.hex(h);
    w.fixed64(t);
    w.string(s);
    const n = h.length >>> 1;
    const ref = Buffer.alloc(1 + n + 8);
    ref[0] = n;
    const hexLen = ref.write(h, 1, n, 'hex');
    const expectHex = ref.subarray(0, 1 + hexLen);
    const time = Buffer.alloc(8);
    time.writeBigUInt64LE(BigInt.asUintN(64, t));
    const str = Buffer.from(s, 'utf8');
    const len = new ProtoWriter(10);
    len.varint(str.length);
    assert.deepEqual(Buffer.from(w.finish()), Buffer.concat([expectHex, time, Buffer.from(len.finish()), str]));
  }), { numRuns: 2000 });
  const ok = new ProtoWriter(8);
  ok.hex('00ff7Fa0');
  assert.deepEqual(Buffer.from(ok.finish()), Buffer.from([4, 0x00, 0xff, 0x7f, 0xa0]));
});

test('one TraceRequestWriter reused request after request (dropped, finished, services coming and going) gives each request the bytes of a fresh encoding', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.array(arbSpan, { maxLength: 12 }), fc.boolean()), { minLength: 1, maxLength: 6 }), (requests) => {
    const w = new TraceRequestWriter('h');
    for (const [spans, drop] of requests) {
      for (const s of spans) w.add(s);
      assert.equal(w.size, spans.length);
      if (drop) {
        w.clear();
        continue;
      }
      assert.deepEqual(Buffer.from(w.finish()), Buffer.from(encodeTracesProtobuf(spans, 'h')));
      assert.equal(w.size, 0);
    }
  }), { numRuns: 150 });
});

test('request buffers given back are reused, never one still held: every request keeps the bytes of a fresh encoding', () => {
  // Each step: a request of spans, then some of the held requests given back (recycle), in any order.
  fc.assert(fc.property(fc.array(fc.tuple(fc.array(arbSpan, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 3 })), { minLength: 1, maxLength: 10 }), (steps) => {
    const w = new TraceRequestWriter('h');
    const held: { body: Uint8Array; expect: Buffer }[] = [];
    for (const [spans, giveBack] of steps) {
      for (const s of spans) w.add(s);
      held.push({ body: w.finish(), expect: Buffer.from(encodeTracesProtobuf(spans, 'h')) });
      for (const i of giveBack) {
        if (held.length === 0) break;
        w.recycle(held.splice(i % held.length, 1)[0]!.body);
      }
      w.recycle(new Uint8Array(8)); // not one of its requests: ignored
      for (const h of held) assert.deepEqual(Buffer.from(h.body), h.expect);
    }
  }), { numRuns: 150 });
});

test('typed attributes: the one-pass writer gives the general writer\'s bytes for any key and value', () => {
  // size 'max': lengths spread over the whole range (the default size keeps strings short).
  const value = fc.oneof(fc.string({ maxLength: 30, size: 'max' }), fc.string({ unit: 'binary', maxLength: 30, size: 'max' }), fc.integer(),
    fc.nat({ max: 2 ** 31 + 5 }), fc.double(), fc.constantFrom(-0, 0, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 53), fc.boolean(),
    fc.string({ minLength: 20, maxLength: 200, size: 'max' }));
  const key = fc.oneof(fc.constantFrom(...TYPED_ATTRIBUTE_KEYS), fc.string({ maxLength: 130, size: 'max' }));
  fc.assert(fc.property(key, value, fc.nat({ max: 40 }), (k, v, at) => {
    const fast = new ProtoWriter(4); // grows while writing
    const general = new ProtoWriter(4);
    for (const w of [fast, general]) for (let i = 0; i < at; i++) w.byte(i); // at any position
    writeTypedAttribute(fast, k, v);
    writeAttributeGeneral(general, k, v);
    assert.deepEqual(Buffer.from(fast.finish()), Buffer.from(general.finish()));
  }), { numRuns: 3000 });
});

test('typed attributes: copies of the last span\'s runs give the bytes of visiting every attribute, span after span', () => {
  // Few values per field, so that consecutive spans often share all of them (the copies) and often differ in one.
  const pick = <T>(...xs: T[]) => fc.constantFrom(...xs);
  const arb = fc.record({
    kind: pick('server', 'client', 'producer'),
    method: pick('GET', 'POST'),
    status: pick(200, 404, 0, 70000),
    path: pick('/hello', '/a/ü', 'p'.repeat(600)),
    scheme: pick('http', 'https'),
    query: pick('', 'a=1'),
    route: pick('', '/a/:id'),
    version: pick(undefined, '1.1', '2'),
    host: pick('', 'h:80', '[::1]:8443', 'é'),
    hostAddress: pick('127.0.0.1', '::1'),
    hostPort: pick(80, 8080),
    peerAddress: pick('10.0.0.1', '10.0.0.2'),
    peerPort: fc.integer({ min: 0, max: 65535 }),
    requestBodySize: pick(0, 5, 2 ** 31, 2 ** 40),
    responseBodySize: fc.nat(),
    http: fc.boolean(),
  }).map((o): Span => {
    const s = sampleHttpSpan(services[0]!, { kind: o.kind as Span['kind'], status: o.status, path: o.path, route: o.route });
    s.http = { ...s.http!, method: o.method, scheme: o.scheme as 'http', query: o.query, protocolVersion: o.version, host: o.host,
      requestBodySize: o.requestBodySize, responseBodySize: o.responseBodySize };
    s.connection = { hostAddress: o.hostAddress, hostPort: o.hostPort, peerAddress: o.peerAddress, peerPort: o.peerPort };
    if (!o.http) delete s.http;
    return s;
  });
  // A base span and variants of it that differ in one field each; the sequence picks among them (mostly repeats).
  const FIELDS = ['kind', 'method', 'status', 'path', 'scheme', 'query', 'route', 'version', 'host', 'hostAddress', 'hostPort', 'peerAddress',
    'peerPort', 'requestBodySize', 'responseBodySize', 'http'] as const;
  const variant = fc.tuple(fc.constantFrom(...FIELDS), arb);
  fc.assert(fc.property(arb, fc.array(variant, { maxLength: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (base, variants, seq) => {
    const pool = [base, ...variants.map(([field, other]) => {
      const s = structuredClone(base);
      if (field === 'http') {
        if (other.http) s.http = structuredClone(other.http);
        else delete s.http;
      } else if (field === 'kind') s.kind = other.kind;
      else if (field === 'hostAddress' || field === 'hostPort' || field === 'peerAddress' || field === 'peerPort') (s.connection as any)[field] = other.connection[field];
      else if (s.http && other.http) (s.http as any)[field === 'version' ? 'protocolVersion' : field] = other.http[field === 'version' ? 'protocolVersion' : field];
      return s;
    })];
    for (const i of seq) {
      const span = pool[i % pool.length]!;
      const memo = new ProtoWriter(4);
      const exact = new ProtoWriter(4);
      writeTypedAttributes(memo, span);
      visitTypedAttributes(span, exact, writeTypedAttribute);
      assert.deepEqual(Buffer.from(memo.finish()), Buffer.from(exact.finish()));
    }
  }), { numRuns: 500 });
});
