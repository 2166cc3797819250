import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Http2Connection, HpackDecoder, http2Span, huffmanDecode, huffmanEncode, type Http2Call } from '../index.js';
import type { Service } from '../../../model/service.js';
import { captureCorpus, TRACEPARENT } from './corpus.js';

test('Huffman: every byte value round-trips; EOS and bad padding are refused', () => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
  const enc = huffmanEncode(all);
  assert.equal(huffmanDecode(enc, 0, enc.length), all);
  assert.equal(huffmanDecode(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4), undefined, 'EOS');
  const www = huffmanEncode('www.example.com');
  assert.deepEqual(www, Buffer.from('f1e3c2e5f23a6ba0ab90f4ff', 'hex'), 'RFC 7541 C.4.1');
  assert.equal(huffmanDecode(Buffer.from([0x00]), 0, 1), undefined, '8 zero bits are neither a symbol nor padding');
});

test('HPACK: RFC 7541 C.3 requests decode with the dynamic table', () => {
  const d = new HpackDecoder();
  const blocks = ['828684410f7777772e6578616d706c652e636f6d', '828684be58086e6f2d6361636865', '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565'];
  const got = blocks.map((h) => d.decode(Buffer.from(h, 'hex'))!.fields.map((f) => `${f.name}: ${f.value}`));
  assert.deepEqual(got[1], [':method: GET', ':scheme: http', ':path: /', ':authority: www.example.com', 'cache-control: no-cache']);
  assert.deepEqual(got[2], [':method: GET', ':scheme: https', ':path: /index.html', ':authority: www.example.com', 'custom-key: custom-value']);
});

test('HPACK: a table joined mid-way reports unknown entries, never another entry', () => {
  const d = new HpackDecoder(false);
  const b = d.decode(Buffer.from('82be', 'hex'))!; // :method GET, then dynamic index 62 (inserted before we looked)
  assert.equal(b.unknown, 1);
  assert.deepEqual(b.fields[1], { name: undefined, value: undefined });
  const c = d.decode(Buffer.from('400a637573746f6d2d6b65790c637573746f6d2d76616c7565be', 'hex'))!; // insert, then 62 = it
  assert.deepEqual(c.fields.map((f) => f.value), ['custom-value', 'custom-value']);
  assert.equal(c.unknown, 0);
  assert.equal(d.decode(Buffer.from('bf', 'hex'))!.unknown, 1, 'index 63 is older than what we saw');
  assert.equal(new HpackDecoder(true).decode(Buffer.from('be', 'hex')), undefined, 'a complete table has no index 62: invalid');
});

test('a real Node http2 connection (nghttp2 HPACK, Huffman, dynamic table) decodes to every call, from either end', async () => {
  const { c2s, s2c, truth } = await captureCorpus();
  for (const role of ['server', 'client'] as const) {
    const conn = new Http2Connection(role, true);
    const calls: Http2Call[] = [];
    const [reqSide, respSide] = role === 'server' ? (['in', 'out'] as const) : (['out', 'in'] as const);
    // interleaved in small records, as calls come
    for (let i = 0; i < Math.max(c2s.length, s2c.length); i += 37) {
      conn.push(reqSide, c2s.subarray(i, i + 37), BigInt(i), BigInt(i + 1), calls);
      conn.push(respSide, s2c.subarray(i, i + 37), BigInt(i), BigInt(i + 1), calls);
    }
    conn.close(calls);
    assert.equal(calls.length, truth.size, `${role}: one call per stream`);
    for (const c of calls) {
      const t = truth.get(c.streamId)!;
      assert.equal(c.end, 'complete');
      assert.equal(c.request.headers.get(':path'), t.path);
      assert.equal(c.request.headers.get(':method'), t.method);
      assert.equal(Number(c.response.headers.get(':status')), t.status);
      assert.equal(c.request.dataBytes, t.requestBytes);
      assert.equal(c.response.dataBytes, t.responseBytes);
      assert.equal(c.request.unknown + c.response.unknown, 0);
      const span = http2Span({ call: c, scheme: 'http', startUnixNano: 1n, endUnixNano: 2n, service: {} as Service, connection: { peerAddress: '', peerPort: 0, hostAddress: '', hostPort: 0 } });
      assert.equal(span.kind, role);
      assert.equal(span.http?.protocolVersion, '2');
      assert.equal(span.http?.path, t.path.split('?')[0]);
      if (t.path.includes('?')) assert.equal(span.http?.query, t.path.split('?')[1]);
      if (c.request.headers.has('traceparent')) {
        assert.equal(span.trace.traceId, TRACEPARENT.slice(3, 35), 'traceparent in HEADERS continues the trace');
        assert.equal(span.trace.parentSpanId, TRACEPARENT.slice(36, 52));
      } else assert.equal(span.trace.parentSpanId, '');
    }
    assert.equal(calls.filter((c) => c.request.headers.has('traceparent')).length, 1);
  }
});

test('joined mid-connection: later calls are reported with what is known, flagged, never with another call\'s fields', async () => {
  const { c2s, s2c, truth } = await captureCorpus();
  // cut both directions at the HEADERS frame of stream 25 (the 13th request): what came before is unseen
  const cut = (b: Buffer, id: number) => {
    for (let at = 0; at + 9 <= b.length;) {
      const len = b.readUIntBE(at, 3);
      const type = b[at + 3]!;
      if (type === 1 && (b.readUInt32BE(at + 5) & 0x7fffffff) === id) return b.subarray(at);
      at += 9 + (type === 1 || type === 9 || type === 4 || type === 3 || type === 7 || type === 5 ? len : 0);
    }
    throw new Error('no such stream');
  };
  const conn = new Http2Connection(undefined, false);
  const calls: Http2Call[] = [];
  conn.push('out', cut(c2s, 25), 1n, 2n, calls);
  conn.push('in', cut(s2c, 25), 3n, 4n, calls);
  conn.close(calls);
  assert.ok(calls.length >= 10, `calls after the cut: ${calls.length}`);
  let flagged = 0;
  for (const c of calls) {
    const t = truth.get(c.streamId)!;
    assert.ok(c.streamId >= 25);
    const path = c.request.headers.get(':path');
    if (path !== undefined) assert.equal(path, t.path, `stream ${c.streamId}`);
    const status = c.response.headers.get(':status');
    if (status !== undefined) assert.equal(Number(status), t.status);
    if (c.request.unknown + c.response.unknown) flagged++;
  }
  assert.ok(flagged > 0, 'some fields referred to entries inserted before the cut');
});
