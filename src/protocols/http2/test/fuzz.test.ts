/**
 * 1,000,000 random and mutated inputs through the frame layer, HPACK and the stream machine: no exception
 * escapes, state stays bounded, and every span built is well-formed. The bulk is a plain seeded loop (no
 * fast-check shrinking per input); fast-check adds structured mutations on top.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HpackDecoder, Http2Connection, http2Span, type Http2Call } from '../index.js';
import { captureCorpus } from './corpus.js';
import type { Service } from '../../../model/service.js';
import { xorshift32 } from '../../../../test/support/xorshift.js';

const SERVICE = { name: 'fuzz', namespace: '', instanceId: 'x', attributes: {}, process: { pid: 1 } } as unknown as Service;
const CONN = { peerAddress: '127.0.0.1', peerPort: 1, hostAddress: '127.0.0.1', hostPort: 2 };

const rng = xorshift32;

function mutate(src: Buffer, r: () => number): Buffer {
  const kind = r() % 5;
  if (kind === 0) { // random bytes
    const b = Buffer.alloc(r() % 96);
    for (let i = 0; i < b.length; i++) b[i] = r() & 0xff;
    return b;
  }
  const start = r() % Math.max(1, src.length);
  const b = Buffer.from(src.subarray(start, start + 1 + (r() % 160)));
  const flips = kind === 1 ? 0 : 1 + (r() % 4);
  for (let i = 0; i < flips && b.length; i++) {
    const k = r() % b.length;
    b[k] = b[k]! ^ (1 << (r() % 8));
  }
  if (kind === 3 && b.length > 9) return b.subarray(0, r() % b.length); // truncated
  if (kind === 4 && b.length) b[r() % b.length] = r() & 0xff;
  return b;
}

function checkSpan(c: Http2Call): void {
  assert.ok(c.streamId > 0 && c.streamId < 2 ** 31);
  const s = http2Span({ call: c, scheme: 'http', startUnixNano: 1n, endUnixNano: 2n, connection: CONN, service: SERVICE });
  assert.equal(typeof s.name, 'string');
  assert.ok(s.endUnixNano >= s.startUnixNano);
  if (s.http) assert.ok(s.http.requestBodySize >= 0 && s.http.responseBodySize >= 0 && Number.isInteger(s.http.status));
}

test('frame + HPACK + streams: 1,000,000 random and mutated inputs, no exception, bounded, well-formed spans', async () => {
  const { c2s, s2c } = await captureCorpus(16);
  const seed = Date.now() >>> 0;
  const r = rng(seed);
  let calls: Http2Call[] = [];
  let conn = new Http2Connection('server', true);
  const hpack = [new HpackDecoder(true), new HpackDecoder(false)];
  let spans = 0;
  try {
    for (let i = 0; i < 1_000_000; i++) {
      const src = r() & 1 ? c2s : s2c;
      const input = mutate(src, r);
      // HPACK alone on the raw bytes (a block of anything)
      hpack[i & 1]!.decode(input);
      // the connection: records of either direction, sometimes a lost one
      if (r() % 64 === 0) conn.lose(r() & 1 ? 'in' : 'out', r() % 32);
      conn.push(r() & 1 ? 'in' : 'out', input, BigInt(i), BigInt(i + 1), calls);
      if (i % 4096 === 4095) {
        conn.close(calls);
        conn = new Http2Connection((['server', 'client', undefined] as const)[r() % 3], (r() & 1) === 1);
      }
      if (calls.length) {
        for (const c of calls) checkSpan(c);
        spans += calls.length;
        calls = [];
      }
      assert.ok(conn.openStreams <= 4096);
    }
  } catch (e) {
    throw new Error(`seed ${seed}: ${(e as Error).stack}`);
  }
  assert.ok(spans > 0, 'mutations of real traffic still give some calls (the check above ran)');
});

test('fast-check: valid traffic with any record split and any single mutation never throws', async () => {
  const { c2s, s2c } = await captureCorpus(8);
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 40 }),
    fc.nat(), fc.integer({ min: 0, max: 255 }),
    (splits, at, byte) => {
      const m = Buffer.from(c2s);
      m[at % m.length] = byte;
      const conn = new Http2Connection(undefined, true);
      const calls: Http2Call[] = [];
      let i = 0, j = 0;
      for (const n of splits) {
        conn.push('out', m.subarray(i, i + n), 0n, 1n, calls);
        conn.push('in', s2c.subarray(j, j + n), 0n, 1n, calls);
        i += n; j += n;
      }
      conn.push('out', m.subarray(i), 0n, 1n, calls);
      conn.push('in', s2c.subarray(j), 0n, 1n, calls);
      conn.close(calls);
      for (const c of calls) checkSpan(c);
    },
  ), { numRuns: 2000 });
});
