import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseSpanLines } from '../../src/model/span-json-lines.js';
import { writeSpanFile } from './spans.js';
import { encodeMicro, metricsMicro } from './micro.js';

/**
 * Pipeline benchmark: spans/s through replay → routes → prometheus, → otlp (to a local collector in its own
 * process on the other core), and both, with the agent pinned to ONE core (taskset -c 0), and its RSS.
 * metrics-2: one metrics pipeline to prometheus + otlp, whose series the metrics stage aggregates once;
 * metrics-2-own: the same with options that differ (prometheus ttl), so each exporter aggregates every span itself.
 * Usage: node --import tsx bench/pipeline/run.ts [--lines 20000] [--loops-metrics 30] [--loops-otlp 10]
 */
const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const LINES = arg('lines', 20_000);
const PROM_PORT = Number(process.env.BENCH_PROM_PORT ?? 19280);
const SINK_PORT = Number(process.env.BENCH_SINK_PORT ?? 19282);
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const pin = (cpu: number, cmd: string[]) => (hasTaskset ? ['taskset', '-c', String(cpu), ...cmd] : cmd);
const node = [process.execPath, '--import', 'tsx'];

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-'));
const file = join(dir, 'spans.jsonl');
writeSpanFile(file, LINES);

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

async function startSink(): Promise<{ child: ChildProcess; counts: () => Promise<{ spans: number; points: number; requests: number }> }> {
  const [cmd, ...args] = pin(1, [...node, join(here, 'sink.ts'), String(SINK_PORT)]);
  const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`sink did not start: ${first.value}`);
  return {
    child,
    counts: async () => {
      child.stdin!.write('?\n');
      return JSON.parse((await lines.next()).value as string);
    },
  };
}

function runAgent(scenario: string, loops: number): Promise<Record<string, number>> {
  const [cmd, ...args] = pin(0, [...node, join(here, 'agent.ts'), scenario, file, String(loops), String(LINES), String(PROM_PORT), String(SINK_PORT)]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`${scenario} exited ${code}`))));
  });
}

try {
  const spans = parseSpanLines(readFileSync(file, 'utf8')).spans;
  console.log(`Lumen pipeline benchmark — ${LINES} distinct spans, agent pinned to one core: ${hasTaskset ? 'yes (taskset -c 0)' : 'no (taskset missing)'}`);
  console.log('\nmicro (this process):');
  const mm = metricsMicro(spans);
  console.log(`  metrics aggregation, 3 HTTP histograms/span   Lumen ${fmt(mm.lumen)} spans/s   OTel SDK MeterProvider ${fmt(mm.sdk)} spans/s   ratio ${(mm.lumen / mm.sdk).toFixed(1)}x`);
  const em = encodeMicro(spans);
  console.log(`  OTLP trace encoding, protobuf                  Lumen ${fmt(em.lumen)} spans/s   OTel SDK serializer ${fmt(em.protobuf)} spans/s   ratio ${(em.lumen / em.protobuf).toFixed(1)}x   (SDK JSON ${fmt(em.json)} spans/s, ${em.bytesPerSpan.toFixed(0)} B/span)`);
  const sink = await startSink();
  try {
    const rows: Record<string, number | string>[] = [];
    for (const [scenario, loops] of [['prometheus', arg('loops-metrics', 30)], ['otlp', arg('loops-otlp', 10)], ['both', arg('loops-otlp', 10)],
      ['metrics-2', arg('loops-metrics', 30)], ['metrics-2-own', arg('loops-metrics', 30)]] as const) {
      const before = await sink.counts();
      const r = await runAgent(scenario, loops);
      await new Promise((res) => setTimeout(res, 300));
      const after = await sink.counts();
      rows.push({ ...r, received: after.spans - before.spans });
    }
    console.log(`\npipeline (replay → routes → exporters), agent process on one core; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}:`);
    console.log('  scenario     spans      seconds   spans/s   spans/CPU-s   collector got   dropped   peak RSS   final RSS   target (spans/CPU-s)');
    for (const r of rows) {
      const metricsOnly = r.scenario === 'prometheus' || String(r.scenario).startsWith('metrics-');
      const target = metricsOnly ? 300_000 : 50_000;
      const rate = (r.spans as number) / (r.seconds as number);
      const perCpu = (r.spans as number) / (r.cpuSeconds as number);
      console.log(`  ${String(r.scenario).padEnd(12)} ${fmt(r.spans as number).padStart(9)} ${(r.seconds as number).toFixed(2).padStart(9)} ${fmt(rate).padStart(9)} ${fmt(perCpu).padStart(12)}   ${String(metricsOnly ? '-' : fmt(r.received as number)).padStart(13)} ${fmt(r.dropped as number).padStart(9)} ${(r.peakRssMB as number).toFixed(0).padStart(7)} MB ${(r.finalRssMB as number).toFixed(0).padStart(8)} MB   ${fmt(target)} ${perCpu >= target ? 'met' : 'MISSED'}`);
    }
  } finally {
    sink.child.stdin!.end();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
