/**
 * print_traces' text line writer alone: ns of CPU per line for 512 HTTP server spans shaped like the agent's (random
 * ids, 50 client ports, sub-millisecond durations), best rounds of ~0.6 s. A checkout directory as argument runs
 * that checkout's writer (before/after, one process each, alternating):
 *   node --import tsx bench/pipeline/print-line.ts [CHECKOUT]
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Span } from '../../src/model/span.js';
import type * as Writer from '../../exporters/print_traces/text-bytes.js';

const root = resolve(process.argv[2] ?? new URL('../..', import.meta.url).pathname);
const { spanLinesUtf8, LineWriter } = (await import(`${root}/exporters/print_traces/text-bytes.ts`)) as typeof Writer;
const service = { name: 'hello', namespace: '', instanceId: 'bench', attributes: {}, process: { pid: 1, exe: '/usr/bin/node', cmdline: 'node', language: 'nodejs' } };
const spans = Array.from({ length: 512 }, (_, i): Span => {
  const start = 1_796_680_000_000_000_000n + BigInt(i * 37_000);
  return {
    kind: 'server', protocol: 'http', startUnixNano: start, endUnixNano: start + BigInt(40_000 + ((i * 7919) % 900_000)), service,
    connection: { peerAddress: '127.0.0.1', peerPort: 40_000 + (i % 50), hostAddress: '127.0.0.1', hostPort: 20_200 },
    trace: { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex'), parentSpanId: '', flags: 1 },
    name: 'GET /hello', attributes: {},
    http: { method: 'GET', path: '/hello', query: '', route: '/hello', status: 200, scheme: 'http', requestBodySize: 0, responseBodySize: 12, host: '127.0.0.1:20200' },
  } as Span;
});
const lines = new LineWriter(512 * 256);
const rounds: number[] = [];
for (let r = 0; r < 7; r++) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 600) {
    spanLinesUtf8(spans, lines);
    n += spans.length;
  }
  const used = process.cpuUsage(cpu);
  if (r >= 2) rounds.push(((used.user + used.system) * 1000) / n); // the first rounds warm the JIT
}
console.log(`${root}: ${rounds.map((x) => x.toFixed(0)).join(' ')} ns/line (rounds 3-7)`);
