import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Subject, of } from 'rxjs';
import { loadConfig } from '../../src/config/load.js';
import type { Batch } from '../../src/model/batch.js';
import type { Service } from '../../src/model/service.js';
import { Engine } from '../../src/engine/engine.js';
import { noopLogger } from '../../src/telemetry/memory-logger.js';
import { FactoryRegistry } from '../../src/component/registry.js';
import type { ReceiverFactory } from '../../src/component/contract.js';
import type { Counter } from '../../src/telemetry/self-telemetry.js';
import { CaptureLoop, http1Protocol } from '../../src/capture/index.js';
import type { Discovery } from '../../src/discovery/types.js';
import { routesProcessorFactory } from '../../processors/routes/index.js';
import { printTracesExporterFactory } from '../../exporters/print_traces/index.js';
import { prometheusExporterFactory } from '../../exporters/prometheus/index.js';
import { otlpExporterFactory } from '../../exporters/otlp/index.js';
import { createServer } from 'node:http';
import { BENCH_TGID, ringBatches, type Target } from './records.js';
import { getHeapSpaceStatistics } from 'node:v8';
import { AGENT_NODE_OPTIONS } from '../overhead/agent.js';

/**
 * Agent CPU per HTTP span, without BPF: kernel_socket ring-buffer batches (real record bytes, records.ts) go through
 * what the receiver does per record (its capture loop: decodeRecord → service lookup → protocol → span, its counters) into the real
 * engine with the overhead benchmark's pipelines (bench/overhead/agent.ts):
 *   traces:  kernel_socket → routes (unmatched: heuristic) → print_traces (text, stdout = /dev/null)
 *   metrics: kernel_socket → routes (unmatched: heuristic) → prometheus
 *   otlp (its own scenario): kernel_socket → otlp http/protobuf, to a collector in the parent process that acks
 * One batch per event-loop turn (as the ring buffer delivers them). Each scenario runs in its own process pinned
 * to CPU 0; the figure is process CPU time (user + system, GC included) per span over the measured spans, after a
 * warm-up. Scenarios: `receiver` (decode + span only), `traces`, `metrics` (one pipeline each), `bench` (both), `otlp`.
 *
 *   node --import tsx bench/pipeline/span-cost.ts [--spans 600000] [--batch 64] [--target nginx|node|mixed]
 *        [--runs 3] [--only bench] [--cpu-prof DIR] [--turn-batches 1] [--node-args '--min-semi-space-size=8']
 * --turn-batches N: N ring batches per event-loop turn (the ring consumer hands JS every batch it read while JS was
 * busy, up to 16 of 256 KiB ≈ 600 records each: `--batch 600 --turn-batches 16` is an agent lagging behind). Each
 * child runs with the agent's node options (AGENT_NODE_OPTIONS) and reports its peak RSS and old-space size.
 */
const args = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : def;
};

export const SCENARIOS = ['receiver', 'traces', 'metrics', 'bench', 'otlp'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Result {
  scenario: Scenario;
  spans: number;
  cpuSeconds: number;
  seconds: number;
  usPerSpan: number;
  /** Share of the CPU time spent in GC pauses (main-thread pause time / process CPU time). */
  gcShare: number;
  /** The child's peak RSS (MiB) and the largest old-space use seen after a turn (MiB, sampled every 16 turns). */
  peakRssMiB: number;
  oldSpaceMiB: number;
}

const PROM_PORT = 19431;
/** The otlp scenario's collector: the parent process acks every request (decoding is bench/pipeline/run.ts' job). */
const OTLP_PORT = 20160;

/** The receiver's per-batch work: the capture loop kernel_socket runs (src/capture/loop.ts receive), feeding `next`. */
function receiverLoop(counter: (name: string) => Counter, next: (b: Batch) => void): (batch: Buffer) => void {
  const service: Service = Object.freeze({
    name: 'nginx', namespace: '', instanceId: 'bench-host:4242', attributes: Object.freeze({}),
    process: Object.freeze({ pid: BENCH_TGID, exe: '/usr/sbin/nginx', cmdline: 'nginx: worker process', language: 'cpp' as const }),
  });
  const loop = new CaptureLoop({
    name: 'bench', logger: noopLogger, protocols: [http1Protocol('http')], captureMax: 1024,
    requestTimeoutMs: 30_000, pollMs: 100, serviceGraceMs: 10_000, maintainMs: 1000,
    counters: {
      records: counter('records'), spans: counter('spans'), malformed: counter('malformed'), parse: counter('parse'),
      unknownProcess: counter('unknown'),
      expiry: { head_incomplete: counter('x'), timeout: counter('x'), exited: counter('x'), idle_ended: counter('x') },
    },
  });
  const process_ = { info: service.process, service, ports: [] };
  loop.serve({ events: of({ type: 'added', process: process_ }) } as unknown as Discovery);
  loop.output.subscribe(next);
  return (batch) => loop.receive(batch);
}

async function child(scenario: Scenario): Promise<void> {
  const spans = Number(opt('spans', '600000'));
  const perBatch = Number(opt('batch', '64'));
  const target = opt('target', 'nginx') as Target;
  const batches = ringBatches(target, 512, perBatch, process.hrtime.bigint() - 10_000_000_000n);
  const warmBatches = Math.ceil(Math.min(150_000, spans / 2) / perBatch);
  const measuredBatches = Math.ceil(spans / perBatch);
  let feed: (batch: Buffer) => void;
  let engine: Engine | undefined;
  if (scenario === 'receiver') {
    let sink = 0;
    const counters = new Map<string, Counter>();
    feed = receiverLoop((n) => counters.get(n) ?? (counters.set(n, { add: () => {} } as unknown as Counter), counters.get(n)!), (b) => { sink += b.items.length; });
    void sink;
  } else {
    let emit!: (batch: Buffer) => void;
    const fake: ReceiverFactory<Record<string, never>> = {
      type: 'kernel_socket', kind: 'receiver', signals: ['traces', 'metrics'], schema: { type: 'object' }, defaultConfig: () => ({}),
      create(_config, ctx) {
        const subject = new Subject<Batch>();
        emit = receiverLoop((n) => ctx.telemetry.counter(`lumen_bench_${n}_total`, n), (b) => subject.next(b));
        return { output: subject.asObservable(), async start() {}, async shutdown() { subject.complete(); } };
      },
    };
    const traces = 'traces: { receivers: [kernel_socket], processors: [routes], exporters: [print_traces] }';
    const metrics = 'metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }';
    const otlp = 'traces: { receivers: [kernel_socket], exporters: [otlp] }';
    const yaml = `receivers:
  kernel_socket: {}
processors:
  routes: { unmatched: heuristic }
exporters:
  print_traces: { format: text }
  prometheus: { endpoint: "127.0.0.1:${PROM_PORT}" }
  otlp: { endpoint: "http://127.0.0.1:${OTLP_PORT}", protocol: http/protobuf, queue_size: 1048576 }
service:
  pipelines:
    ${scenario === 'traces' ? traces : scenario === 'metrics' ? metrics : scenario === 'otlp' ? otlp : `${traces}\n    ${metrics}`}
`;
    const registry = new FactoryRegistry([fake, routesProcessorFactory, printTracesExporterFactory, prometheusExporterFactory, otlpExporterFactory]);
    const { config } = loadConfig({ yaml, file: 'span-cost.yaml', env: {} }, registry);
    engine = await Engine.create(config, { registry, logger: noopLogger });
    await engine.start();
    feed = (b) => emit(b);
  }
  const turn = () => new Promise<void>((r) => setImmediate(r));
  const perTurn = Number(opt('turn-batches', '1'));
  let oldSpace = 0;
  const sampleOldSpace = () => {
    const old = getHeapSpaceStatistics().find((sp) => sp.space_name === 'old_space');
    oldSpace = Math.max(oldSpace, (old?.space_used_size ?? 0) / 2 ** 20);
  };
  for (let i = 0; i < warmBatches; i++) {
    feed(batches[i % batches.length]!);
    if ((i + 1) % perTurn === 0) await turn();
  }
  await turn();
  const profiler = await startProfiler();
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration; });
  gc.observe({ entryTypes: ['gc'] });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < measuredBatches; i++) {
    feed(batches[i % batches.length]!);
    if ((i + 1) % perTurn === 0) {
      await turn();
      if ((i + 1) % (16 * perTurn) === 0) sampleOldSpace();
    }
  }
  await turn();
  const cpu = process.cpuUsage(cpu0);
  await turn(); // GC entries arrive asynchronously
  gc.disconnect();
  const seconds = (performance.now() - t0) / 1000;
  const n = measuredBatches * perBatch;
  await profiler?.(`${scenario}.cpuprofile`);
  if (engine) {
    const accepted = (id: string) => engine!.metrics.value('lumen_exporter_accepted_items_total', { component: id });
    const all = n + warmBatches * perBatch;
    const expect = (id: string) => { if (accepted(id) !== all) throw new Error(`${id} accepted ${accepted(id)}, expected ${all}`); };
    if (scenario === 'otlp') expect('otlp');
    if (scenario === 'traces' || scenario === 'bench') expect('print_traces');
    if (scenario === 'metrics' || scenario === 'bench') expect('prometheus');
    await engine.stop();
  }
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const result: Result = { scenario, spans: n, cpuSeconds, seconds, usPerSpan: (cpuSeconds * 1e6) / n, gcShare: gcMs / 1000 / cpuSeconds,
    peakRssMiB: process.resourceUsage().maxRSS / 1024, oldSpaceMiB: oldSpace };
  writeSync(3, `${JSON.stringify(result)}\n`);
}

/** --cpu-prof DIR: a V8 CPU profile of the measured spans only (not start-up or warm-up), DIR/<scenario>.cpuprofile. */
async function startProfiler(): Promise<((name: string) => Promise<void>) | undefined> {
  const dir = opt('cpu-prof', '');
  if (!dir) return undefined;
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async (name) => {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), JSON.stringify(profile));
    session.disconnect();
  };
}

function runChild(scenario: Scenario, pin: boolean): Promise<Result> {
  const prof = opt('cpu-prof', '');
  const cmd = [...(pin ? ['taskset', '-c', '0'] : []), process.execPath, ...AGENT_NODE_OPTIONS, ...opt('node-args', '').split(' ').filter(Boolean), '--import', 'tsx', fileURLToPath(import.meta.url), '--child', scenario, ...args];
  const devnull = openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const c = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', devnull, 'inherit', 'pipe'] });
    let out = '';
    c.stdio[3]!.on('data', (d: Buffer) => (out += d.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim())) : reject(new Error(`${scenario} exited ${code}`))));
  });
}

async function main(): Promise<void> {
  const pin = spawnSync('taskset', ['--version']).status === 0;
  const runs = Number(opt('runs', '3'));
  const only = opt('only', '');
  const scenarios = only ? (only.split(',') as Scenario[]) : [...SCENARIOS];
  const by = new Map<Scenario, Result[]>();
  const collector = scenarios.includes('otlp') ? createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200).end()); }) : undefined;
  await new Promise<void>((r) => (collector ? collector.listen(OTLP_PORT, '127.0.0.1', r) : r()));
  for (let r = 0; r < runs; r++) {
    for (const s of scenarios) {
      const res = await runChild(s, pin);
      by.set(s, [...(by.get(s) ?? []), res]);
    }
  }
  collector?.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`agent CPU per span, kernel_socket records (${opt('target', 'nginx')}, ${opt('batch', '64')} per batch, ${opt('turn-batches', '1')} batch(es) per turn) → engine; ` +
    `pinned: ${pin ? 'CPU 0' : 'no'}; ${runs} run(s), median; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('  scenario   spans      µs CPU/span   spans/CPU-s   GC %   peak RSS MiB   old space MiB   all runs (µs/span)');
  for (const s of scenarios) {
    const rs = by.get(s)!;
    const us = median(rs.map((r) => r.usPerSpan));
    console.log(`  ${s.padEnd(9)} ${rs[0]!.spans.toLocaleString('en-US').padStart(9)}   ${us.toFixed(2).padStart(11)}   ${Math.round(1e6 / us).toLocaleString('en-US').padStart(11)}   ${(100 * median(rs.map((r) => r.gcShare))).toFixed(0).padStart(4)}   ${rs.map((r) => r.peakRssMiB.toFixed(0)).join('/').padStart(12)}   ${rs.map((r) => r.oldSpaceMiB.toFixed(0)).join('/').padStart(13)}   ${rs.map((r) => r.usPerSpan.toFixed(2)).join(' ')}`);
  }
}

const ci = args.indexOf('--child');
if (ci >= 0) await child(args[ci + 1] as Scenario);
else await main();
