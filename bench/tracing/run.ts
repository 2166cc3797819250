/**
 * Spans/s through the trace joiner (src/tracing, what trace_join and service_graph run) on one core, for the
 * hardest case: every request of a Node-like service served on ONE thread, 50 in flight, each making one call
 * that a server on the same host answers — so each call's enclosing-request scan sees up to all the requests
 * held in the window. Spans are made outside the measured region; the window is simulated by arrival count
 * (`--held` spans held, i.e. rate × wait), so the result does not depend on timers.
 *
 *   node --import tsx bench/tracing/run.ts [--requests 200000] [--held 20000]
 */
import { testService } from '../../test/support/spans.js';
import type { Span } from '../../src/model/span.js';
import { applyParent, TraceJoiner } from '../../src/tracing/index.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const REQUESTS = arg('requests', 200_000);
const HELD = arg('held', 20_000);
const BATCH = 512;
const CONCURRENT = 50;

const front = testService('front', 10, 'nodejs');
const back = testService('back', 20, 'python');
const base = 1_700_000_000_000_000_000n;
let seed = 7;
const rnd = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);

/** Request i: served by front (thread 10) from t = i*20 µs for 1-3 ms; its call 100-300 µs in; back serves it. */
function spansOf(i: number): Span[] {
  const t0 = base + BigInt(i) * 20_000n;
  const dur = BigInt(1_000_000 + rnd(2_000_000));
  const callStart = t0 + BigInt(100_000 + rnd(200_000));
  const callEnd = t0 + dur - 50_000n;
  const port = 30000 + (i % CONCURRENT);
  const id = (n: number) => n.toString(16).padStart(16, '0');
  const trace = (n: number) => ({ traceId: n.toString(16).padStart(32, '0'), spanId: id(n), parentSpanId: '', flags: 1 });
  const conn = (hostPort: number, peerPort: number) => ({ hostAddress: '127.0.0.1', hostPort, peerAddress: '127.0.0.1', peerPort });
  const span = (kind: 'server' | 'client', service: typeof front, start: bigint, end: bigint, c: ReturnType<typeof conn>, n: number): Span => ({
    kind, protocol: 'http', startUnixNano: start, endUnixNano: end, service, connection: c, trace: trace(n), name: '', attributes: {}, threadId: service.process.pid,
  });
  // arrival order = end order: back's server span, front's call, front's server span
  return [
    span('server', back, callStart + 20_000n, callEnd - 20_000n, conn(9000, port), 3 * i + 1),
    span('client', front, callStart, callEnd, conn(port, 9000), 3 * i + 2),
    span('server', front, t0, t0 + dur, conn(8080, 40000 + (i % 20000)), 3 * i + 3),
  ];
}

const batches: Span[][] = [];
for (let i = 0; i < REQUESTS; i += BATCH / 4) batches.push(Array.from({ length: Math.min(BATCH / 4, REQUESTS - i) }, (_, k) => spansOf(i + k)).flat());

const joiner = new TraceJoiner({ waitMs: 1_000_000, maxSpans: HELD });
let linked = 0;
let left = 0;
const cpu0 = process.cpuUsage();
const wall0 = process.hrtime.bigint();
for (const b of batches) {
  joiner.add(b, 0);
  for (const p of joiner.drain(0)) { // past HELD the oldest leave: the window
    if (applyParent(joiner, p)) linked++;
    left++;
  }
}
for (const p of joiner.drain(0, true)) {
  if (applyParent(joiner, p)) linked++;
  left++;
}
const cpu = process.cpuUsage(cpu0);
const wallS = Number(process.hrtime.bigint() - wall0) / 1e9;
const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(`trace joiner: ${left} spans (${REQUESTS} requests x 3, one serving thread, ${CONCURRENT} in flight, ${HELD} held)`);
console.log(`  ${(left / cpuS / 1e3).toFixed(0)} k spans per CPU-second, ${(left / wallS / 1e3).toFixed(0)} k spans/s wall; ${(1e6 * cpuS / left).toFixed(2)} µs CPU per span`);
console.log(`  linked ${linked} of ${left} (${((100 * linked) / left).toFixed(2)} %; the roots, 1 in 3, have no parent)`);
