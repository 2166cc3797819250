import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Span } from '../model/span.js';
import { testService, testSpan } from '../../test/support/spans.js';
import { applyParent, TraceJoiner } from './index.js';

const ms = (n: number) => 1_700_000_000_000_000_000n + BigInt(n) * 1_000_000n;
const web = testService('web', 100, 'java');
const api = testService('api', 200, 'nodejs');

/** web serves /a (10..100 ms, thread 7), calling api over 10.0.0.1:5000 -> :9000 (20..80), which api serves (30..70). */
function chain(offset = 0, thread = 7, clientPort = 5000): { root: Span; call: Span; served: Span } {
  const o = offset;
  const root = testSpan(o, { startUnixNano: ms(o + 10), endUnixNano: ms(o + 100), threadId: thread }, web);
  const call = testSpan(o + 1, {
    kind: 'client', startUnixNano: ms(o + 20), endUnixNano: ms(o + 80), threadId: thread,
    connection: { hostAddress: '10.0.0.1', hostPort: clientPort, peerAddress: '10.0.0.2', peerPort: 9000 },
  }, web);
  const served = testSpan(o + 2, {
    startUnixNano: ms(o + 30), endUnixNano: ms(o + 70),
    connection: { hostAddress: '::ffff:10.0.0.2', hostPort: 9000, peerAddress: '::ffff:10.0.0.1', peerPort: clientPort },
  }, api);
  return { root, call, served };
}

/** Sets a span's start and end (ms on the test's clock). */
function during(span: Span, start: number, end: number): void {
  span.startUnixNano = ms(start);
  span.endUnixNano = ms(end);
}

function joinAll(spans: Span[], wait = 1000): TraceJoiner {
  const j = new TraceJoiner({ waitMs: wait, maxSpans: 1000 });
  j.add(spans, 0);
  for (const p of j.drain(wait)) applyParent(j, p);
  return j;
}

test('a thread\'s client call nests under the request it serves; the server at the other end of the connection under the call, whatever the arrival order', () => {
  for (const order of [[2, 1, 0], [0, 1, 2], [1, 2, 0]]) {
    const { root, call, served } = chain();
    const spans = [root, call, served];
    const rootTrace = root.trace.traceId;
    joinAll(order.map((i) => spans[i]!));
    assert.equal(root.trace.parentSpanId, '');
    assert.equal(call.trace.parentSpanId, root.trace.spanId);
    assert.equal(served.trace.parentSpanId, call.trace.spanId);
    assert.ok([root, call, served].every((s) => s.trace.traceId === rootTrace), `order ${order}`);
  }
});

test('another thread\'s request is never the parent; a span with a parent of its own keeps it', () => {
  const { root, call } = chain(0, 7);
  call.threadId = 8;
  const external = testSpan(5, { trace: { traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), parentSpanId: 'd'.repeat(16), flags: 1 } }, api);
  const before = { ...external.trace };
  const j = new TraceJoiner({ waitMs: 10, maxSpans: 100 });
  j.add([call, root, external], 0);
  const left = j.drain(10);
  for (const p of left) applyParent(j, p);
  assert.equal(call.trace.parentSpanId, '');
  assert.deepEqual(external.trace, before);
  assert.deepEqual(left.map((p) => p.link), ['none', 'none', 'external']);
});

test('concurrent requests on one loop thread: the request read last before the call was written is its parent, even when an earlier, shorter one encloses the call too', () => {
  const a = chain(0, 1, 5000);
  const b = chain(10, 1, 5001); // other span ids (the times are set below)
  // b is read first (5 ms), calls at once (6..55) and answers at 60; a is read at 10, calls at 11..50, answers at 100:
  // both enclose a's call and b is the shorter, but a was the request read last before a's call was written.
  during(b.root, 5, 60);
  during(b.call, 6, 55);
  during(a.root, 10, 100);
  during(a.call, 11, 50);
  for (const order of [[a.call, b.call, b.root, a.root], [b.root, a.root, a.call, b.call]]) {
    for (const s of [a.call, b.call]) s.trace.parentSpanId = '';
    joinAll(order);
    assert.equal(a.call.trace.parentSpanId, a.root.trace.spanId);
    assert.equal(b.call.trace.parentSpanId, b.root.trace.spanId);
  }
  assert.notEqual(a.root.trace.spanId, b.root.trace.spanId);
});

test('a call that opened its connection began at its connect(): the request read last before the connect() is its parent', () => {
  const a = chain(0, 1, 5000);
  const b = chain(10, 1, 5001);
  // a is read at 10 and connects at 11; b is read at 12 and writes its call (reused connection) at 13; a's call is
  // written once connected, at 14. Both requests enclose a's call; b was read last before the write, a before the connect.
  during(a.root, 10, 100);
  a.call.connectUnixNano = ms(11);
  during(a.call, 14, 50);
  during(b.root, 12, 90);
  during(b.call, 13, 60);
  joinAll([a.call, b.call, b.root, a.root]);
  assert.equal(a.call.trace.parentSpanId, a.root.trace.spanId);
  assert.equal(b.call.trace.parentSpanId, b.root.trace.spanId);
});

test('a span waits at most its window, the joiner holds at most max_spans: the oldest leave early, counted', () => {
  const j = new TraceJoiner({ waitMs: 500, maxSpans: 3 });
  j.add([testSpan(1), testSpan(2)], 0);
  assert.equal(j.drain(499).length, 0);
  j.add([testSpan(3), testSpan(4), testSpan(5)], 400);
  const early = j.drain(450);
  assert.equal(early.length, 2);
  assert.equal(j.forced, 2);
  assert.equal(j.held, 3);
  assert.equal(j.drain(900).length, 3);
  assert.equal(j.held, 0);
});

test('a caller arriving after the window is not waited for: the server span leaves unchanged', () => {
  const { call, served } = chain();
  const before = { ...served.trace };
  const j = new TraceJoiner({ waitMs: 100, maxSpans: 100 });
  j.add([served], 0);
  const [p] = j.drain(100);
  assert.equal(applyParent(j, p!), false);
  assert.deepEqual(served.trace, before);
  j.add([call], 150);
  assert.equal(j.drain(250)[0]!.link, 'none');
});
