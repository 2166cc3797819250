import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InternalMetrics } from '../src/telemetry/internal-metrics.js';
import { registerProcessMetrics } from '../src/telemetry/process-metrics.js';
import { createLogger, formatText } from '../src/telemetry/pino-logger.js';
import { createMemoryLogger } from '../src/telemetry/memory-logger.js';
import { rateLimitedLog } from '../src/telemetry/rate-limited-log.js';
import { testContext } from './support/context.js';

test('counters are labelled with the component and shared by name+labels', () => {
  const m = new InternalMetrics();
  const t = m.forComponent('replay/a');
  const c1 = t.counter('lumen_receiver_received_items_total', 'Items received.');
  const c2 = t.counter('lumen_receiver_received_items_total', 'Items received.');
  c1.add(3);
  c2.add();
  c1.add(-5); // counters never go down
  m.forComponent('replay/b').counter('lumen_receiver_received_items_total', 'Items received.').add(10);
  const pts = m.collect().filter((p) => p.name === 'lumen_receiver_received_items_total');
  assert.deepEqual(pts.map((p) => [p.labels['component'], p.value, p.type]), [['replay/a', 4, 'counter'], ['replay/b', 10, 'counter']]);
  assert.equal(m.value('lumen_receiver_received_items_total'), 14);
  assert.equal(m.value('lumen_receiver_received_items_total', { component: 'replay/b' }), 10);
});

test('gauges are read at collect time; failing readers are skipped', () => {
  const m = new InternalMetrics();
  let fill = 1;
  m.gauge('lumen_queue_items', 'Queue fill.', () => fill, { pipeline: 'traces' });
  m.gauge('lumen_broken', 'Broken.', () => { throw new Error('x'); });
  fill = 7;
  assert.deepEqual(m.collect().map((p) => [p.name, p.value]), [['lumen_queue_items', 7]]);
});

/** utime + stime of this process from /proc (clock ticks of 10 ms), an independent source for the CPU counter. */
function procCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

test('process metrics: CPU and resident memory agree with /proc, GC pauses are summed until stopped', async () => {
  const m = new InternalMetrics();
  const stop = registerProcessMetrics(m);
  const burnUntil = Date.now() + 300;
  let garbage: unknown[] = [];
  while (Date.now() < burnUntil) {
    garbage.push({ a: [1, 2, 3], s: `x${Math.random()}` });
    if (garbage.length > 100_000) garbage = [];
  }
  await new Promise((r) => setTimeout(r, 50)); // GC entries are delivered asynchronously
  const points = new Map(m.collect().map((p) => [p.name, p]));
  const cpu = points.get('lumen_process_cpu_seconds_total')!;
  assert.equal(cpu.type, 'counter');
  const proc = procCpuSeconds();
  assert.ok(cpu.value >= 0.3 && Math.abs(cpu.value - proc) < 0.1, `cpu ${cpu.value} s, /proc says ${proc} s`);
  const vmRss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
  const rss = points.get('lumen_process_resident_memory_bytes')!.value;
  assert.ok(Math.abs(rss - vmRss) / vmRss < 0.1, `rss ${rss}, VmRSS ${vmRss}`);
  const heapUsed = points.get('lumen_process_heap_used_bytes')!.value;
  assert.ok(heapUsed > 1e6 && heapUsed <= points.get('lumen_process_heap_total_bytes')!.value);
  assert.ok(points.get('lumen_process_external_memory_bytes')!.value > 0);
  const runs = points.get('lumen_process_gc_runs_total')!;
  assert.equal(runs.type, 'counter');
  assert.ok(runs.value >= 1, 'allocating ~300 ms of garbage ran no GC');
  assert.ok(points.get('lumen_process_gc_seconds_total')!.value > 0);

  stop();
  for (let i = 0; i < 200_000; i++) garbage.push({ i });
  garbage = [];
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(m.value('lumen_process_gc_runs_total'), runs.value, 'GC still observed after stop');
});

test('bad names and type clashes are refused', () => {
  const m = new InternalMetrics();
  assert.throws(() => m.counter('received_total', 'x'), /must match/);
  assert.throws(() => m.counter('lumen_x_total', 'x', { 'bad-label': 'v' }), /label name/);
  m.counter('lumen_x_total', 'x');
  assert.throws(() => m.gauge('lumen_x_total', 'x', () => 1), /already registered as a counter/);
});

test('testContext: real registry, quiet logger, discovery throws', () => {
  const ctx = testContext('routes', { signal: 'metrics' });
  ctx.telemetry.counter('lumen_processor_dropped_items_total', 'Dropped.').add(2);
  ctx.logger.warn('careful', { n: 1 });
  assert.equal(ctx.metrics.value('lumen_processor_dropped_items_total', { component: 'routes', pipeline: 'metrics' }), 2);
  assert.deepEqual(ctx.logs, [{ level: 'warn', msg: 'careful', fields: { component: 'routes', pipeline: 'metrics', n: 1 } }]);
  assert.equal(ctx.signal, 'metrics');
  assert.throws(() => ctx.discovery(), /no discovery in this context/);
  assert.equal(testContext().id, 'test');
});

test('createLogger: text and JSON lines, levels', () => {
  const lines: string[] = [];
  const json = createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l) });
  json.debug('hidden');
  json.child({ component: 'otlp' }).warn('export failed', { attempt: 2 });
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!);
  assert.equal(rec.level, 40);
  assert.equal(rec.component, 'otlp');
  assert.equal(rec.attempt, 2);
  assert.equal(rec.msg, 'export failed');

  const text: string[] = [];
  const tl = createLogger({ level: 'debug', format: 'text', write: (l) => text.push(l) });
  tl.child({ component: 'replay' }).debug('read file', { path: '/tmp/a b.jsonl', lines: 3 });
  assert.match(text[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z DEBUG \[replay\] read file path="\/tmp\/a b.jsonl" lines=3\n$/);
  assert.equal(formatText('not json'), 'not json');
  const silent: string[] = [];
  createLogger({ level: 'silent', write: (l) => silent.push(l) }).error('x');
  assert.equal(silent.length, 0);
});

test('rateLimitedLog: one line per key per interval, counts suppressed', () => {
  const { logger, entries } = createMemoryLogger();
  let now = 0;
  const log = rateLimitedLog(logger, 1000, () => now);
  log('warn', 'k', 'fail');
  log('warn', 'k', 'fail');
  log('warn', 'other', 'fail2');
  now = 1500;
  log('warn', 'k', 'fail');
  assert.deepEqual(entries.map((e) => [e.msg, e.fields['suppressed']]), [['fail', undefined], ['fail2', undefined], ['fail', 1]]);
});
