// bench/ringbuf: 256-byte records from a BPF tracepoint (bpf/bench_ringbuf.bpf.c) on getppid() calls of a C
// generator at controlled rates, delivered into JS through src/bpf's ring-buffer Observable.
// Prints one table: producer rate, records delivered into JS per second, drops. See bench/README.md.
//   node --import tsx bench/ringbuf/run.ts [--runs N] [--quick]
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bpfObjectPath, forEachRecord, libbpfVersion, openObject, packageRoot, sumPerCpuU64 } from '../../src/bpf/index.js';

interface Scenario { name: string; rate: number; n: number; wakeup: number; prefill?: boolean; ringBytes?: number }
interface Result { s: Scenario; producerRate: number; hits: number; got: number; drops: number; jsRate: number; batches: number; cpuUsPerRec: number }

const quick = process.argv.includes('--quick');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;
const scale = quick ? 0.25 : 1;
const SCENARIOS: Scenario[] = [
  { name: '100k/s', rate: 100_000, n: 200_000, wakeup: 64 },
  { name: '250k/s', rate: 250_000, n: 500_000, wakeup: 64 },
  { name: '500k/s', rate: 500_000, n: 1_000_000, wakeup: 64 },
  { name: '1M/s', rate: 1_000_000, n: 2_000_000, wakeup: 64 },
  { name: 'max', rate: 0, n: 2_000_000, wakeup: 64 },
  { name: 'max, wake-up per record', rate: 0, n: 2_000_000, wakeup: 1 },
  { name: 'drain prefilled ring', rate: 0, n: 240_000, wakeup: 64, prefill: true, ringBytes: 64 << 20 },
];

function buildGenerator(): string {
  const root = packageRoot();
  const out = join(root, 'build', 'bench', 'ringbuf-gen');
  mkdirSync(join(root, 'build', 'bench'), { recursive: true });
  execFileSync('make', ['-s', '-C', join(root, 'bpf'), '../build/bpf/bench_ringbuf.bpf.o'], { stdio: 'inherit' });
  execFileSync('gcc', ['-O2', '-o', out, join(root, 'bench', 'ringbuf', 'gen.c')], { stdio: 'inherit' });
  return out;
}

async function runOne(gen: string, s: Scenario): Promise<Result> {
  const n = Math.round(s.n * scale);
  const child = spawn(gen, [String(n), String(s.rate)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = Number((await createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).value);
  let genOut = '';
  child.stderr!.on('data', (d: Buffer) => (genOut += d.toString()));
  const obj = openObject(bpfObjectPath('bench_ringbuf'), {
    rodata: { target_tgid: pid, lumen_rb_wakeup_every: s.wakeup },
    mapSizes: { bench_rb: s.ringBytes ?? 16 << 20 },
  });
  try {
    obj.attach('bench_getppid');
    let got = 0, batches = 0, first = 0, last = 0, check = 0;
    const onBatch = (b: Buffer) => {
      if (first === 0) first = performance.now();
      batches++;
      got += forEachRecord(b, (v, o) => {
        check ^= v.getUint32(o, true) ^ v.getUint32(o + 16, true) ^ v.getUint32(o + 20, true); // seq, tgid, cpu
      });
      last = performance.now();
    };
    const rb = obj.ringBuffer('bench_rb');
    let sub = s.prefill ? undefined : rb.subscribe(onBatch);
    const exited = once(child, 'exit');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    child.stdin!.write('g');
    await exited;
    if (s.prefill) {
      first = performance.now();
      sub = rb.subscribe(onBatch);
    } else {
      first = t0;
    }
    const stats = () => sumPerCpuU64(obj.map('bench_stats').lookup(Buffer.alloc(4))!, 8)[0]!;
    const dropsNow = () => sumPerCpuU64(obj.map('bench_stats').lookup(Buffer.from([1, 0, 0, 0]))!, 8)[0]!;
    for (let idle = 0, prev = -1; idle < 5; ) {
      await new Promise((r) => setTimeout(r, 100));
      if (BigInt(got) + dropsNow() >= stats()) break;
      idle = got === prev ? idle + 1 : 0;
      prev = got;
    }
    sub?.unsubscribe();
    const cpu = process.cpuUsage(cpu0);
    const [count, secs] = genOut.trim().split(' ').map(Number) as [number, number];
    void check;
    return { s, producerRate: count / secs, hits: Number(stats()), got, drops: Number(dropsNow()), jsRate: got / ((last - first) / 1000), batches, cpuUsPerRec: (cpu.user + cpu.system) / Math.max(1, got) };
  } finally {
    obj.close();
    child.kill();
  }
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(0));

async function main(): Promise<void> {
  const gen = buildGenerator();
  console.log(`bench/ringbuf: 256-byte records, kernel ${release()}, ${cpus().length} CPUs, libbpf ${libbpfVersion()}, node ${process.version}${quick ? ', --quick (1/4 of the records)' : ''}`);
  const rows = [['scenario', 'producer/s', 'records', 'into JS', 'drops', 'drop %', 'JS records/s', 'batches', 'rec/batch', 'CPU µs/rec']];
  for (let r = 0; r < runs; r++) {
    for (const s of SCENARIOS) {
      const x = await runOne(gen, s);
      rows.push([
        `${x.s.name}${runs > 1 ? ` #${r + 1}` : ''}`, x.s.prefill ? '(before)' : fmt(x.producerRate), String(x.hits), String(x.got), String(x.drops),
        `${((100 * x.drops) / Math.max(1, x.hits)).toFixed(2)}%`, fmt(x.jsRate), String(x.batches), (x.got / Math.max(1, x.batches)).toFixed(0),
        x.cpuUsPerRec.toFixed(3),
      ]);
    }
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  '));
  console.log('JS records/s: records decoded in JS / (last batch - start); producer/s: getppid() calls/s the generator achieved;');
  console.log(`CPU µs/rec: this process's CPU time (JS thread + poll thread) per record delivered. Load average now: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

await main();
