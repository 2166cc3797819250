/**
 * Bytes the capture loop allocates per span (ring batch → decode → HTTP/1 parse → Span batch), counted, not timed:
 * with a young generation larger than what a round allocates no GC runs, so heapUsed after − before is what the
 * round allocated. A figure the load on a shared machine does not move (CPU times do), for before/after of the
 * span-creation path; every byte allocated is later scavenged (issue 18: GC was a fifth to a quarter of the real
 * agent's main thread).
 *   node --expose-gc --max-semi-space-size=512 --min-semi-space-size=512 --import tsx bench/pipeline/span-alloc.ts [nginx|node|mixed]
 */
import { of } from 'rxjs';
import { CaptureLoop, http1Protocol } from '../../src/capture/index.js';
import type { Discovery } from '../../src/discovery/types.js';
import type { Batch } from '../../src/model/batch.js';
import type { Service } from '../../src/model/service.js';
import type { Counter } from '../../src/telemetry/self-telemetry.js';
import { noopLogger } from '../../src/telemetry/memory-logger.js';
import { BENCH_TGID, ringBatches, type Target } from './records.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --max-semi-space-size=512 --min-semi-space-size=512');
const target = (process.argv[2] ?? 'node') as Target;
const c = { add() {} } as unknown as Counter;
const service = {
  name: 'bench', namespace: '', instanceId: 'bench', attributes: {},
  process: { pid: BENCH_TGID, exe: '', cmdline: '', language: 'cpp' },
} as unknown as Service;
const loop = new CaptureLoop({
  name: 'bench', logger: noopLogger, protocols: [http1Protocol('http')], captureMax: 1024, requestTimeoutMs: 30_000, pollMs: 100,
  serviceGraceMs: 10_000, maintainMs: 1000,
  counters: { records: c, spans: c, malformed: c, parse: c, unknownProcess: c, expiry: { head_incomplete: c, timeout: c, exited: c, idle_ended: c } },
});
loop.serve({ events: of({ type: 'added', process: { info: service.process, service, ports: [] } }) } as unknown as Discovery);
let spans = 0;
loop.output.subscribe((b: Batch) => void (spans += b.items.length));
const batches = ringBatches(target, 200, 64, process.hrtime.bigint());
for (let r = 0; r < 3; r++) for (const b of batches) loop.receive(b); // warm-up: JIT, string caches
const perSpan: number[] = [];
for (let r = 0; r < 3; r++) {
  gc();
  gc();
  spans = 0;
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < 5; k++) for (const b of batches) loop.receive(b);
  perSpan.push((process.memoryUsage().heapUsed - before) / spans);
}
console.log(`capture loop, ${target} records: ${perSpan.map((b) => b.toFixed(0)).join(', ')} bytes allocated per span (${spans} spans per round)`);
