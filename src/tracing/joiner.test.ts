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

test('concurrent requests on one loop thread: the shortest enclosing request is the parent', () => {
  const a = chain(0, 1, 5000);
  const b = chain(0, 1, 5001);
  // b is read after a (15 ms) and answered before it (95 ms): b's call is still inside a, but b is shorter
  b.root.startUnixNano = ms(15);
  b.root.endUnixNano = ms(95);
  b.call.startUnixNano = ms(21);
  b.call.endUnixNano = ms(79);
  a.call.startUnixNano = ms(12);
  a.call.endUnixNano = ms(97);
  joinAll([a.call, b.call, a.root, b.root]);
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
