/**
 * In-process cost of the direct OTLP trace encoder alone (TraceRequestWriter.add per span, finish per 512):
 *   node --import tsx bench/pipeline/otlp-encode.ts [--spans 400000] [--runs 5]
 * Spans like the Node hello server's (server, GET, Host with port, HTTP/1.1, a fresh connection port per 1,000).
 */
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { TraceRequestWriter } from '../../exporters/otlp/encode-traces-proto.js';
import type { Span } from '../../src/model/span.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('spans', 400_000), RUNS = arg('runs', 5);
const service = sampleService('hello', 1);
const spans: Span[] = [];
for (let i = 0; i < 4096; i++) {
  const s = sampleHttpSpan(service, { seq: i * 7919, route: '', path: '/hello', responseBodySize: 11 });
  s.http!.host = '127.0.0.1:20171';
  s.trace.traceId = (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, 'a').slice(0, 32);
  spans.push(s);
}
const w = new TraceRequestWriter('host');
let bytes = 0;
const once = () => {
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    w.add(spans[i & 4095]!);
    if (w.size === 512) bytes += w.finish().length;
  }
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / N;
};
once(); // warm-up
const runs = Array.from({ length: RUNS }, once).sort((a, b) => a - b);
console.log(`otlp encode: ${runs[RUNS >> 1]!.toFixed(3)} µs CPU/span (median of ${RUNS}: ${runs.map((r) => r.toFixed(3)).join(' ')}), ${(bytes / (N * (RUNS + 1))).toFixed(0)} bytes/span`);
