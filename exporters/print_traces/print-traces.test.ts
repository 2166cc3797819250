import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flowBatch, spanBatch, measurementBatch } from '../../src/model/batch.js';
import type { Flow } from '../../src/model/flow.js';
import type { Span } from '../../src/model/span.js';
import { testContext } from '../../test/support/context.js';
import { testService, testSpan } from '../../test/support/spans.js';
import { parseSpanLines } from '../../src/model/span-json-lines.js';
import { createPrintTraces, printTracesExporterFactory, render, type ByteLineSink } from './index.js';
import { formatTime, goDuration, HEX2, method, path, spanType, status, svc, token } from './text.js';
import { spanLinesUtf8 } from './text-bytes.js';


/** The line layout as a plain template string (DESIGN.md §4): the reference the byte writer must match for any span. */
function referenceLine(s: Span): string {
  const c = s.connection;
  const server = s.kind === 'server' || s.kind === 'consumer';
  const from = server ? `${c.peerAddress}:${c.peerPort}` : `${c.hostAddress}:${c.hostPort}`;
  const to = server ? `${c.hostAddress}:${c.hostPort}` : `${c.peerAddress}:${c.peerPort}`;
  const duration = goDuration(s.endUnixNano - s.startUnixNano);
  const t = s.trace;
  return `${formatTime(s.startUnixNano)} (${duration}[${duration}]) ${spanType(s)} ${status(s)} ${token(method(s))} ${token(path(s))} ` +
    `[${from}]->[${to}] size:${s.http?.requestBodySize ?? 0}B svc=[${svc(s.service)}] ` +
    `traceparent=[00-${t.traceId}-${t.spanId}[${t.parentSpanId || '0000000000000000'}]-${HEX2[t.flags & 0xff]}]`;
}
const referenceLines = (spans: readonly Span[]): string => spans.map((s) => `${referenceLine(s)}\n`).join('');
/** One span's line from the exporter's writer, without its newline. */
const spanText = (s: Span): string => spanLinesUtf8([s]).toString('utf8').slice(0, -1);

test('goDuration matches Go time.Duration.String()', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'], [1n, '1ns'], [999n, '999ns'], [1_000n, '1µs'], [1_500n, '1.5µs'], [5_045_099n, '5.045099ms'],
    [250_000_000n, '250ms'], [1_000_000_000n, '1s'], [1_200_000_000n, '1.2s'], [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'], [3_723_500_000_000n, '1h2m3.5s'], [-2_000n, '-2µs'],
  ];
  for (const [ns, s] of cases) assert.equal(goDuration(ns), s, String(ns));
});

test('formatTime: UTC with nanoseconds', () => {
  assert.equal(formatTime(1_700_000_000_123_456_789n), '2023-11-14 22:13:20.123456789');
});

/** The plain BigInt formulations the fast paths of formatTime/goDuration must agree with. */
function refTime(ns: bigint): string {
  const iso = new Date(Number(ns / 1_000_000n)).toISOString();
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${frac}`;
}
function refDuration(ns: bigint): string {
  const frac = (v: bigint, unit: bigint) => {
    const rest = v % unit;
    return rest === 0n ? `${v / unit}` : `${v / unit}.${rest.toString().padStart(unit.toString().length - 1, '0').replace(/0+$/, '')}`;
  };
  if (ns < 1_000n) return `${ns}ns`;
  if (ns < 1_000_000n) return `${frac(ns, 1_000n)}µs`;
  return `${frac(ns, 1_000_000n)}ms`;
}

test('formatTime and goDuration agree with the BigInt formulations (random and edge values)', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const times = [0n, 1n, 999_999_999n, 1_000_000_000n, 1_700_000_000_999_999_999n, 1_700_000_001_000_000_000n, 9_200_000_000_000_000_000n, 2n ** 63n - 1n];
  for (let i = 0; i < 20_000; i++) times.push(BigInt(Math.floor(rnd() * 2 ** 31)) * 1_000_000_000n + BigInt(Math.floor(rnd() * 1e9)));
  for (let i = 0; i < 2_000; i++) times.push(1_763_900_000_000_000_000n + BigInt(i) * 999_999_937n + BigInt(i % 3) * 1_000_000_000n);
  for (const t of times) assert.equal(formatTime(t), refTime(t), String(t));
  const durations = [1n, 9n, 10n, 999n, 1_000n, 1_001n, 1_010n, 1_100n, 999_999n, 1_000_000n, 1_000_001n, 999_999_999n];
  for (let i = 0; i < 20_000; i++) durations.push(BigInt(Math.floor(rnd() ** 3 * 1e9)));
  for (const d of durations) assert.equal(goDuration(d), d === 0n ? '0s' : refDuration(d), String(d));
});

test('text: whitespace in method and path is escaped as before the ASCII fast path; non-ASCII kept', () => {
  const span = testSpan(1);
  const original = (v: string) => v.replace(/\s/g, (ch) => (ch === ' ' ? '%20' : JSON.stringify(ch).slice(1, -1)));
  for (const path of ['/a b\tc\u00a0d/é/\u2028', '/ü/ok', '/x\ny\rz\u000b\u000c', '/\u3000\ufeff']) {
    span.http = { ...span.http!, method: 'GET', path };
    assert.ok(spanText(span).includes(` GET ${original(path)} [`), JSON.stringify(path));
  }
  assert.ok(spanText(span).includes(' GET /\u3000\ufeff ['));
  span.http = { ...span.http!, method: 'GET', path: '/a b' };
  assert.ok(spanText(span).includes(' GET /a%20b ['));
  span.http = { ...span.http!, method: '', path: '' };
  assert.match(spanText(span), / 200 - - \[/);
});

test('text: Beyla layout for server and client spans', () => {
  const server = testSpan(3, { trace: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', parentSpanId: '', flags: 1 } });
  assert.equal(
    spanText(server),
    '2023-11-14 22:13:20.003000000 (2.5ms[2.5ms]) HTTP 200 GET /items/3 [127.0.0.1:40003]->[127.0.0.1:8080] size:0B svc=[checkout python] ' +
      'traceparent=[00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331[0000000000000000]-01]',
  );
  const client = testSpan(1, {
    kind: 'client',
    connection: { peerAddress: '10.0.0.9', peerPort: 443, hostAddress: '10.0.0.2', hostPort: 51234 },
    trace: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '00f067aa0ba902b7', parentSpanId: 'b7ad6b7169203331', flags: 0 },
    service: testService('web', 77, 'go'),
  });
  client.http = { ...client.http!, method: 'POST', path: '/api/pay', status: 503, requestBodySize: 42 };
  assert.equal(
    spanText(client),
    '2023-11-14 22:13:20.001000000 (2.5ms[2.5ms]) HTTPClient 503 POST /api/pay [10.0.0.2:51234]->[10.0.0.9:443] size:42B svc=[web go] ' +
      'traceparent=[00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7[b7ad6b7169203331]-00]',
  );
  const sql = testSpan(2, { protocol: 'sql', kind: 'client', http: undefined, attributes: { 'db.operation.name': 'SELECT', 'db.collection.name': 'orders' } });
  delete sql.http;
  assert.match(spanText(sql), / SQLClient 0 SELECT orders \[/);
});

test('json: one replayable line per span, same spans back', () => {
  const spans = [testSpan(1), testSpan(2, { attributes: { 'db.system.name': 'postgresql', retries: 2, cached: true } })];
  const text = render(spanBatch(spans), true);
  assert.equal(text.split('\n').length, 3);
  const back = parseSpanLines(text);
  assert.deepEqual(back.invalid, []);
  assert.deepEqual(back.spans, spans);
});

const flow: Flow = {
  srcAddress: '10.0.0.1', dstAddress: '10.0.0.2', srcPort: 40000, dstPort: 443, transport: 'tcp', direction: 'egress', interface: 'eth0',
  bytes: 1200, packets: 10, startUnixNano: 1_700_000_000_000_000_000n, endUnixNano: 1_700_000_005_000_000_000n, srcService: testService(), attributes: {},
};

test('flows: one line each in text and JSON', () => {
  assert.equal(
    render(flowBatch([flow]), false),
    '2023-11-14 22:13:20.000000000 (5s) egress tcp [10.0.0.1:40000]->[10.0.0.2:443] if=eth0 bytes:1200B packets:10 src_svc=[checkout python] dst_svc=[-]\n',
  );
  const j = JSON.parse(render(flowBatch([flow]), true));
  assert.equal(j.startUnixNano, '1700000000000000000');
  assert.equal(j.srcService.name, 'checkout');
  assert.equal(j.dstService, undefined);
  assert.equal(render(measurementBatch([]), false), '');
});

test('exporter: counts printed items; a closed output drops and counts instead of crashing', async () => {
  const ctx = testContext('print_traces');
  const out: string[] = [];
  let open = true;
  const e = createPrintTraces({ format: 'text' }, ctx, (t) => (out.push(t), open), () => !open);
  await e.start();
  e.consume(spanBatch([testSpan(1), testSpan(2)]), 'traces');
  open = false;
  e.consume(spanBatch([testSpan(3)]), 'traces');
  e.consume(spanBatch([testSpan(4)]), 'traces');
  await e.shutdown();
  await e.shutdown();
  assert.equal(out.length, 2);
  assert.equal(out[0]!.split('\n').length, 3);
  assert.equal(ctx.metrics.value('lumen_print_traces_printed_items_total'), 2);
  assert.equal(ctx.metrics.value('lumen_print_traces_dropped_items_total'), 2);
  assert.equal(ctx.logs.filter((l) => l.level === 'warn').length, 1);
  assert.deepEqual(printTracesExporterFactory.signals, ['traces', 'flows']);
});

test('exporter: an output that does not keep up drops and counts that batch, then prints again', async () => {
  const ctx = testContext('print_traces');
  const out: string[] = [];
  let full = false;
  const e = createPrintTraces({ format: 'text' }, ctx, (t) => (full ? false : (out.push(t), true)), () => false);
  e.consume(spanBatch([testSpan(1)]), 'traces');
  full = true;
  e.consume(spanBatch([testSpan(2), testSpan(3)]), 'traces');
  full = false;
  e.consume(spanBatch([testSpan(4)]), 'traces');
  assert.equal(out.length, 2);
  assert.equal(ctx.metrics.value('lumen_print_traces_printed_items_total'), 2);
  assert.equal(ctx.metrics.value('lumen_print_traces_dropped_items_total'), 2);
  assert.equal(ctx.logs.filter((l) => l.level === 'warn').length, 0);
});

test('spanLinesUtf8: the UTF-8 bytes of the text lines, whatever the paths and durations hold', () => {
  const paths = ['/small.txt', '/é', '/Âµ', '/a\u00b5b', '/€', '/😀', '/\ud800', '/x y', ''];
  const durations = [0n, 999n, 1_500n, 41_500n, 2_500_000n, 1_200_000_000n, -2_000n];
  for (const path of paths) {
    const spans = durations.map((d, i) => {
      const s = testSpan(i + 1);
      s.http = { ...s.http!, path };
      s.endUnixNano = s.startUnixNano + d;
      return s;
    });
    for (const batch of [spans, spans.slice(2, 4), spans.slice(0, 1)]) {
      assert.deepEqual(spanLinesUtf8(batch), Buffer.from(referenceLines(batch), 'utf8'), JSON.stringify(path));
    }
  }
  const svc = testSpan(1, { service: testService('café', 5, 'go') });
  svc.endUnixNano = svc.startUnixNano + 5_000n;
  assert.deepEqual(spanLinesUtf8([svc]), Buffer.from(referenceLines([svc]), 'utf8'));
});

test('exporter: a sink taking bytes gets text span lines as UTF-8, flows and JSON as text', async () => {
  const ctx = testContext('print_traces');
  const got: (string | Buffer)[] = [];
  const sink = Object.assign((t: string) => (got.push(t), true), { bytes: (b: Uint8Array) => (got.push(Buffer.from(b)), true) }) as ByteLineSink;
  const text = createPrintTraces({ format: 'text' }, ctx, sink, () => false);
  const spans = [testSpan(1), testSpan(2)];
  spans[1]!.endUnixNano = spans[1]!.startUnixNano + 12_345n;
  text.consume(spanBatch(spans), 'traces');
  text.consume(spanBatch([]), 'traces');
  text.consume(flowBatch([flow]), 'flows');
  createPrintTraces({ format: 'json' }, ctx, sink, () => false).consume(spanBatch(spans), 'traces');
  assert.equal(got.length, 3);
  assert.ok(Buffer.isBuffer(got[0]));
  assert.equal(got[0]!.toString(), render(spanBatch(spans), false));
  assert.match(got[0]!.toString(), /\(12\.345µs\[12\.345µs\]\)/);
  assert.equal(got[1], render(flowBatch([flow]), false));
  assert.equal(got[2], render(spanBatch(spans), true));
  assert.equal(ctx.metrics.value('lumen_print_traces_printed_items_total'), 5);
});

test('spanLinesUtf8 = UTF-8 of the layout\'s template string for any span (property: kinds, protocols, times, numbers, strings)', () => {
  const text = fc.string({ maxLength: 40, unit: 'binary' });
  const arbSpan = fc.record({
    kind: fc.constantFrom('server', 'client', 'producer', 'consumer', 'internal'),
    protocol: fc.constantFrom('http', 'grpc', 'sql', 'redis', 'kafka', 'tcp'),
    http: fc.boolean(),
    start: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 63n }), fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n })),
    duration: fc.oneof(fc.bigInt({ min: -(10n ** 10n), max: 10n ** 13n }), fc.bigInt({ min: 0n, max: 2_000_000n })),
    status: fc.oneof(fc.integer({ min: 0, max: 999 }), fc.constantFrom(-1, 2 ** 53, 1.5)),
    // The byte writer's number widths change at each power of ten and its arithmetic at 2^31: the edges drawn often.
    size: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(-5, 0.25, -0, NaN, 9, 10, 99, 100, 99_999, 100_000, 999_999_999, 1e9, 2 ** 31 - 1, 2 ** 31)),
    port: fc.integer({ min: 0, max: 65535 }),
    method: text, path: text, address: fc.oneof(fc.ipV4(), fc.ipV6(), text), svc: text,
    attr: fc.oneof(text, fc.integer()),
    flags: fc.integer({ min: 0, max: 1023 }),
    parent: fc.boolean(),
  });
  fc.assert(fc.property(fc.array(arbSpan, { minLength: 1, maxLength: 5 }), (specs) => {
    const spans = specs.map((g, i) => testSpan(i, {
      kind: g.kind, protocol: g.protocol, startUnixNano: g.start, endUnixNano: g.start + g.duration,
      service: testService(g.svc, 7, 'go'),
      connection: { peerAddress: g.address, peerPort: g.port, hostAddress: '10.0.0.1', hostPort: g.port ^ 1 },
      trace: { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), parentSpanId: g.parent ? 'ef'.repeat(8) : '', flags: g.flags },
      http: g.http ? { method: g.method, path: g.path, query: '', route: '', status: g.status, scheme: 'http', requestBodySize: g.size, responseBodySize: 1, host: '' } : undefined,
      attributes: g.http ? {} : { 'rpc.method': g.attr, 'db.response.status_code': g.attr, 'db.collection.name': g.path },
    }));
    assert.deepEqual(spanLinesUtf8(spans), Buffer.from(referenceLines(spans), 'utf8'));
    assert.equal(render(spanBatch(spans), false), referenceLines(spans), 'the string sinks get the same text');
  }), { numRuns: 500 });
});

test('exporter: the line buffer is reused only while the sink reports every byte written out', () => {
  const ctx = testContext('print_traces');
  const kept: Uint8Array[] = [];
  let drained = false;
  const sink = Object.assign((_t: string) => true, { bytes: (b: Uint8Array) => (kept.push(b), true), drained: () => drained }) as ByteLineSink;
  const exporter = createPrintTraces({ format: 'text' }, ctx, sink, () => false);
  const batches = [[testSpan(1)], [testSpan(2), testSpan(3)], [testSpan(4)], [testSpan(5)]];
  const expected = batches.map((b) => render(spanBatch(b), false));
  // Not drained: each batch's bytes stay as they were handed over (a pending write still holds them).
  exporter.consume(spanBatch(batches[0]!), 'traces');
  exporter.consume(spanBatch(batches[1]!), 'traces');
  assert.deepEqual(kept.map((b) => Buffer.from(b).toString()), expected.slice(0, 2));
  // Drained: the next batch is written over the same memory.
  drained = true;
  exporter.consume(spanBatch(batches[2]!), 'traces');
  assert.equal(Buffer.from(kept[2]!).toString(), expected[2]);
  exporter.consume(spanBatch(batches[3]!), 'traces');
  assert.equal(Buffer.from(kept[3]!).toString(), expected[3]);
  assert.ok(kept[3]!.buffer === kept[2]!.buffer && kept[3]!.byteOffset === kept[2]!.byteOffset, 'reused');
  assert.deepEqual(kept.slice(0, 2).map((b) => Buffer.from(b).toString()), expected.slice(0, 2), 'bytes handed over undrained untouched');
});
