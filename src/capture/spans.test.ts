import { test } from 'node:test';
import assert from 'node:assert/strict';
import { http1Span } from '../protocols/http1/index.js';
import type { Span } from '../model/span.js';
import { sampleService } from '../../test/support/sample-spans.js';
import { formatAddress } from './addr.js';
import { MonotonicClock } from './clock.js';
import { KS_HEADER_SIZE, KS_OFF, KS_ROLE_CLIENT, KS_ROLE_SERVER, decodeRecord, type KsRecord } from './record.js';
import { recordToSpan } from './spans.js';

interface Rec {
  req: string;
  resp: string;
  status: number;
  respHead: number;
  start?: bigint;
  end?: bigint;
  last?: bigint;
  role?: number;
  v6?: boolean;
}

function encode(r: Rec): Buffer {
  const b = Buffer.alloc(KS_HEADER_SIZE + r.req.length + r.resp.length);
  b.writeBigUInt64LE(r.start ?? 5_000_000n, KS_OFF.start);
  b.writeBigUInt64LE(r.end ?? 7_500_000n, KS_OFF.end);
  b.writeBigUInt64LE(7_000_000n, KS_OFF.respStart);
  b.writeBigUInt64LE(r.last ?? 9_000_000n, KS_OFF.last);
  b.writeBigUInt64LE(BigInt(r.req.length + 10), KS_OFF.reqBytes);
  b.writeBigUInt64LE(BigInt(r.resp.length + 1000), KS_OFF.respBytes);
  b.writeBigInt64LE(-1n, KS_OFF.reqCl); // the probe's "no Content-Length"
  b.writeBigInt64LE(-1n, KS_OFF.respCl);
  b.writeUInt32LE(99, KS_OFF.tgid);
  b.writeUInt32LE(r.req.indexOf('\r\n\r\n') + 4, KS_OFF.reqHead);
  b.writeUInt32LE(r.respHead, KS_OFF.respHead);
  b.writeUInt16LE(r.req.length, KS_OFF.reqLen);
  b.writeUInt16LE(r.resp.length, KS_OFF.respLen);
  if (r.v6) {
    b[KS_OFF.laddr + 15] = 1;
    b.writeUInt16LE(10, KS_OFF.family);
    Buffer.from('20010db8000000000000000000000042', 'hex').copy(b, KS_OFF.raddr);
  } else {
    Buffer.from([10, 0, 0, 1]).copy(b, KS_OFF.laddr);
    Buffer.from([10, 0, 0, 2]).copy(b, KS_OFF.raddr);
    b.writeUInt16LE(2, KS_OFF.family);
  }
  b.writeUInt16LE(8080, KS_OFF.lport);
  b.writeUInt16LE(43210, KS_OFF.rport);
  b.writeUInt16LE(r.status, KS_OFF.status);
  b[KS_OFF.role] = r.role ?? KS_ROLE_SERVER;
  b.write(r.req + r.resp, KS_HEADER_SIZE, 'latin1');
  return b;
}

/** What recordToSpan did before reading the response capture and the clock offset lazily. */
function reference(r: KsRecord, clock: MonotonicClock): ReturnType<typeof recordToSpan> {
  const end = r.endNs !== 0n ? r.endNs : r.lastNs;
  return http1Span({
    kind: r.role === KS_ROLE_CLIENT ? 'client' : 'server', scheme: 'http', request: r.request,
    response: r.status === 0 ? Buffer.alloc(0) : r.response, requestBytes: r.reqBytes, responseBytes: r.respBytes,
    requestHeadLength: r.reqHeadLen, responseHeadLength: r.respHeadLen, status: r.status,
    startUnixNano: clock.toUnixNano(r.startNs), endUnixNano: clock.toUnixNano(end > r.startNs ? end : r.startNs),
    connection: { peerAddress: formatAddress(r.bytes, r.raddrAt, r.family), peerPort: r.rport, hostAddress: formatAddress(r.bytes, r.laddrAt, r.family), hostPort: r.lport },
    service: sampleService('api', 99),
  });
}

const withoutIds = (s: Span | string) => (typeof s === 'string' ? s : { ...s, trace: { ...s.trace, traceId: '', spanId: '' } });

test('recordToSpan: same span as the parser given every field of the record (response read only when needed)', () => {
  const clock = new MonotonicClock(3_600_000);
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n';
  const cases: Rec[] = [
    { req: 'GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n', resp: `${head}hello world\n`, status: 200, respHead: head.length },
    { req: 'GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n', resp: `${head}hello world\n`, status: 200, respHead: 0 },
    { req: 'HEAD /h HTTP/1.1\r\n\r\n', resp: head, status: 200, respHead: 0 },
    { req: 'POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc', resp: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok', status: 201, respHead: 0 },
    { req: 'GET /slow HTTP/1.1\r\n\r\n', resp: '', status: 0, respHead: 0, end: 0n, last: 8_000_000n },
    { req: 'GET /early HTTP/1.1\r\n\r\n', resp: '', status: 0, respHead: 0, end: 0n, last: 1_000n },
    { req: 'GET /c HTTP/1.1\r\nHost: svc:9000\r\n\r\n', resp: head, status: 503, respHead: head.length, role: KS_ROLE_CLIENT, v6: true },
    { req: 'NOT HTTP AT ALL', resp: head, status: 200, respHead: head.length },
  ];
  for (const c of cases) {
    const b = encode(c);
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const r = decodeRecord(view, b, 0, b.length)!;
    const got = recordToSpan(r, sampleService('api', 99), clock);
    assert.deepEqual(withoutIds(got), withoutIds(reference(r, clock)), c.req);
  }
});

test('decodeRecord: fields read on demand come from the record bytes', () => {
  const b = encode({ req: 'GET / HTTP/1.1\r\n\r\n', resp: 'HTTP/1.1 204 No Content\r\n\r\n', status: 204, respHead: 0, last: 123n });
  const r = decodeRecord(new DataView(b.buffer, b.byteOffset, b.byteLength), b, 0, b.length)!;
  assert.equal(r.respStartNs, 7_000_000n);
  assert.equal(r.lastNs, 123n);
  assert.equal(r.response.toString(), 'HTTP/1.1 204 No Content\r\n\r\n');
  assert.equal(r.response, r.response, 'one view');
  assert.equal(r.response.buffer, b.buffer, 'no copy');
});

/** A clock with a fixed offset (the arithmetic of recordToSpan's 32-bit halves against BigInt's). */
class FixedClock extends MonotonicClock {
  constructor(private readonly fixed: bigint) {
    super(3_600_000);
  }
  override unixOffset(): bigint {
    return this.fixed;
  }
}

test('recordToSpan: times from 32-bit halves equal BigInt arithmetic (carries, > 2^53, past 2^64, offsets in a batch)', () => {
  const head = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n';
  const base = { req: 'GET /t HTTP/1.1\r\nHost: x\r\n\r\n', resp: '', status: 200, respHead: head.length };
  const times: Partial<Pick<Rec, 'start' | 'end' | 'last' | 'status'>>[] = [
    { start: 0xffff_fff0n, end: 0x1_0000_0010n },
    { start: 0x1_ffff_ffffn, end: 0x2_0000_0000n },
    { start: (1n << 60n) + 12345n, end: (1n << 60n) + 99999n },
    { start: 9_000_000_000_000_000n, end: 9_000_000_000_000_001n },
    { start: 500n, end: 400n },
    { start: 0xffff_ffffn, end: 0n, last: 0x1_0000_0000n, status: 0 },
    { start: 0xffff_ffffn, end: 0n, last: 3n, status: 0 },
    { start: 0xffff_ffff_ffff_fff0n, end: 0xffff_ffff_ffff_ffffn },
  ];
  const offsets = [0n, 1_763_940_000_000_000_000n, 0xffff_ffffn, 0x1_0000_0001n, 0xffff_ffff_ffff_ffffn, 1n << 64n, -5n, -(1n << 40n)];
  for (const offset of offsets) {
    const clock = new FixedClock(offset);
    for (const t of times) {
      const one = encode({ ...base, ...t });
      const batch = Buffer.concat([Buffer.alloc(13), one]); // the record at an odd offset in its batch
      const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
      const r = decodeRecord(view, batch, 13, one.length)!;
      const got = recordToSpan(r, sampleService('api', 99), clock);
      assert.deepEqual(withoutIds(got), withoutIds(reference(r, clock)), `${t.start} ${t.end} + ${offset}`);
    }
  }
});
