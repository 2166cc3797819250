import { test } from 'node:test';
import assert from 'node:assert/strict';
import { of } from 'rxjs';
import type { Discovery } from '../discovery/types.js';
import type { Span } from '../model/span.js';
import { noopLogger, type Counter } from '../component/index.js';
import { sampleService } from '../../test/support/sample-spans.js';
import { CaptureLoop, http1Protocol, type CaptureLoopOptions, type CaptureProtocol } from './index.js';
import { KS_HEADER_SIZE, KS_OFF } from './record.js';

function counting(): Counter & { n: number } {
  const c = { n: 0, add(v = 1) { c.n += v; } };
  return c as unknown as Counter & { n: number };
}

function options(over: Partial<CaptureLoopOptions> = {}) {
  const counters = { records: counting(), spans: counting(), malformed: counting(), unknownProcess: counting(), parse: counting(),
    expiry: { head_incomplete: counting(), timeout: counting(), exited: counting(), idle_ended: counting() } };
  const opts: CaptureLoopOptions = { name: 'test', logger: noopLogger, counters, protocols: [http1Protocol('http')], captureMax: 1024,
    requestTimeoutMs: 30_000, pollMs: 100, serviceGraceMs: 10_000, maintainMs: 1000, ...over };
  return { opts, counters };
}

/** One ring-buffer batch as the addon delivers it: [u32 length, record] per record (src/bpf/records.ts). */
function batch(tgids: number[], request = 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n'): Buffer {
  const recs = tgids.map((tgid) => {
    const b = Buffer.alloc(KS_HEADER_SIZE + request.length);
    b.writeBigUInt64LE(1_000n, KS_OFF.start);
    b.writeBigUInt64LE(2_000n, KS_OFF.end);
    b.writeBigInt64LE(-1n, KS_OFF.reqCl);
    b.writeBigInt64LE(-1n, KS_OFF.respCl);
    b.writeUInt32LE(tgid, KS_OFF.tgid);
    b.writeUInt16LE(request.length, KS_OFF.reqLen);
    b.writeUInt16LE(200, KS_OFF.status);
    b.write(request, KS_HEADER_SIZE, 'latin1');
    return b;
  });
  const parts: Buffer[] = [];
  for (const r of recs) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.length);
    parts.push(len, r);
  }
  return Buffer.concat(parts);
}

const discoveryOf = (pid: number) => ({ events: of({ type: 'added', process: { info: { pid }, service: sampleService('api', pid), ports: [] } }) }) as unknown as Discovery;

test('CaptureLoop: a non-positive or infinite request_timeout is refused (it would sweep every request into a status-0 span)', () => {
  for (const ms of [-1000, 0, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new CaptureLoop(options({ requestTimeoutMs: ms }).opts), /request_timeout must be a positive duration/);
  }
});

test('CaptureLoop.receive: records → spans of the first protocol that detects them; every other record counted', () => {
  const never: CaptureProtocol = { name: 'never', detect: () => false, toSpan: () => 'unused' };
  const { opts, counters } = options({ protocols: [never, http1Protocol('https')] });
  const loop = new CaptureLoop(opts);
  const got: Span[] = [];
  loop.output.subscribe((b) => { if (b.kind === 'spans') got.push(...b.items); });
  loop.serve(discoveryOf(7));
  loop.receive(batch([7, 7, 8]));
  loop.receive(batch([7], 'NOT HTTP AT ALL\r\n\r\n'));
  assert.equal(got.length, 2);
  assert.deepEqual(got.map((s) => [s.http?.scheme, s.http?.path, s.http?.status]), [['https', '/x', 200], ['https', '/x', 200]]);
  assert.deepEqual([counters.records.n, counters.spans.n, counters.unknownProcess.n, counters.parse.n], [4, 2, 1, 1]);
});
