/**
 * Spans/s through the processors on one core: routes (heuristic) → filter → attributes, side by side with a
 * pass-through baseline, on realistic HTTP paths whose ids are all different (every id segment is
 * classified). Spans are created fresh per batch, as a receiver does, outside the measured region.
 * Throughput is reported per CPU-second of this process (process.cpuUsage: immune to other processes
 * competing for the cores) and per wall-clock second.
 *
 *   node --import tsx bench/processors/run.ts [--spans 2000000] [--batch 512]
 */
import os from 'node:os';
import { Subject, type OperatorFunction } from 'rxjs';
import { spanBatch, type Batch } from '../../src/model/batch.js';
import type { Span } from '../../src/model/span.js';
import type { ProcessorContext } from '../../src/component/contract.js';
import { testContext } from '../../test/support/context.js';
import { sampleHttpSpan, sampleService } from '../../test/support/sample-spans.js';
import { routesProcessorFactory } from '../../processors/routes/index.js';
import { filterProcessorFactory } from '../../processors/filter/index.js';
import { attributesProcessorFactory } from '../../processors/attributes/index.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const TOTAL = arg('spans', 2_000_000);
const BATCH = arg('batch', 512);
const POOL = 100_000;

let seed = 42;
const rnd = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[rnd(16)]).join('');
const PATHS: (() => string)[] = [
  () => `/users/${rnd(1e7)}/orders/${rnd(1e7)}`,
  () => `/api/v1/products/${rnd(1e6)}`,
  () => `/api/v2/carts/${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}/items`,
  () => `/static/css/main.${hex(8)}.css`,
  () => `/search?q=shoes&page=${rnd(50)}`,
  () => '/health',
  () => `/blog/posts/how-to-${['cook', 'run', 'write', 'travel'][rnd(4)]}/comments`,
];

const services = [sampleService('shop', 1), sampleService('api', 2), sampleService('blog', 3)];
const rows = Array.from({ length: POOL }, (_, i) => ({
  service: services[i % 3]!, path: PATHS[rnd(PATHS.length)]!(), status: [200, 200, 200, 404, 500][rnd(5)]!, duration: rnd(300) / 1000,
}));
const makeSpan = (i: number): Span => {
  const r = rows[i % POOL]!;
  return sampleHttpSpan(r.service, { path: r.path, route: '', status: r.status, duration: r.duration, seq: i });
};

interface Result { name: string; cpuRate: number; wallRate: number }

function stage(name: string, make: (ctx: ProcessorContext) => OperatorFunction<Batch, Batch>[]): Result {
  const ctx = testContext(name, { signal: 'metrics' });
  const input = new Subject<Batch>();
  let out = 0;
  input.pipe(...(make(ctx) as [OperatorFunction<Batch, Batch>])).subscribe((b) => (out += b.items.length));
  const run = (count: number) => {
    let cpuUs = 0;
    let wallNs = 0;
    for (let sent = 0; sent < count; sent += BATCH) {
      const items: Span[] = [];
      for (let i = 0; i < BATCH; i++) items.push(makeSpan(sent + i));
      const c0 = process.cpuUsage();
      const w0 = process.hrtime.bigint();
      input.next(spanBatch(items));
      wallNs += Number(process.hrtime.bigint() - w0);
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
    }
    return { cpuUs, wallNs };
  };
  run(Math.min(TOTAL / 4, 200_000)); // warm-up (JIT, caches)
  const { cpuUs, wallNs } = run(TOTAL);
  if (out === 0) throw new Error(`${name}: nothing came out`);
  return { name, cpuRate: TOTAL / (cpuUs / 1e6), wallRate: TOTAL / (wallNs / 1e9) };
}

const routes = (ctx: ProcessorContext) => routesProcessorFactory.create({ ...routesProcessorFactory.defaultConfig(), patterns: ['/api/v1/products/{id}'] }, ctx);
const filterOp = (ctx: ProcessorContext) => filterProcessorFactory.create({ drop: [{ 'url.path': { match: '/{health,metrics}' } }], metrics: { drop: [{ 'http.response.status_code': { match: '2??' }, duration: { less_than: 0.001 } }] } }, ctx);
const attributes = (ctx: ProcessorContext) => attributesProcessorFactory.create({
  select: { http_server_request_duration_seconds: { include: ['service.name', 'http.request.method', 'http.route', 'status_code'] }, 'http_*': { exclude: ['server.address'] } },
  actions: [{ key: 'status_code', action: 'insert', from_attribute: 'http.response.status_code' }],
}, ctx);

const results = [
  stage('pass-through (baseline)', () => [(s) => s]),
  stage('routes (heuristic)', (ctx) => [routes(ctx)]),
  stage('routes + filter', (ctx) => [routes(ctx), filterOp(ctx)]),
  stage('routes + filter + attributes (select only)', (ctx) => [routes(ctx), filterOp(ctx), attributesProcessorFactory.create({ select: { 'http_*': { exclude: ['server.address'] } }, actions: [] }, ctx)]),
  stage('routes + filter + attributes (select + insert action)', (ctx) => [routes(ctx), filterOp(ctx), attributes(ctx)]),
];
const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(12);
const routesOnly = results[1]!.cpuRate;
process.stdout.write(`processors bench: ${TOTAL.toLocaleString('en')} spans per stage, batches of ${BATCH}, ${POOL.toLocaleString('en')} distinct paths, node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} CPUs\n`);
process.stdout.write(`${'stage'.padEnd(56)} ${'spans/CPU-s'.padStart(12)} ${'spans/wall-s'.padStart(12)}  vs routes\n`);
for (const r of results) process.stdout.write(`${r.name.padEnd(56)} ${fmt(r.cpuRate)} ${fmt(r.wallRate)}  ${(r.cpuRate / routesOnly).toFixed(2)}×\n`);
