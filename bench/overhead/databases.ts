/**
 * Overhead of Lumen's database capture (kernel_socket, PostgreSQL from the wire), side by side in one run:
 *   node --import tsx bench/overhead/databases.ts [--seconds 10] [--rounds 3] [--clients 4]
 * A throwaway PostgreSQL (port 21030, pgbench scale 1) and pgbench's select-only script (-S, simple protocol:
 * one SELECT per transaction) from `--clients` connections. Each round runs pgbench without Lumen, then with
 * `lumen run` (the real CLI, bench/overhead/agent.ts's pipelines, discovery selecting pgbench by executable),
 * alternating. Printed: transactions/s without and with and their ratio, latency, the agent's CPU-seconds per
 * 10,000 operations (/proc/PID/stat), and spans / operations (every SELECT must be a span; the few before
 * discovery selects pgbench are not). The machine may be shared: the load average is printed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentProcess } from './agent.js';
import { startPostgres } from '../../receivers/kernel_socket/test/db-servers.js';
import { stopAllProcs } from '../../receivers/kernel_socket/test/support.js';

const { values: opt } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, clients: { type: 'string', default: '4' }, dist: { type: 'boolean', default: false } },
});
const PORT = 21030;
const METRICS = '127.0.0.1:21031';
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const i = s.length >> 1; return s.length % 2 ? s[i]! : (s[i - 1]! + s[i]!) / 2; };
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const pgArgs = ['-h', '127.0.0.1', '-p', String(PORT), '-U', 'postgres'];

interface Run { tps: number; latencyMs: number; ops: number }
function pgbench(): Run {
  const r = spawnSync('pgbench', [...pgArgs, '-S', '-n', '-c', opt.clients!, '-j', '2', '-T', opt.seconds!, 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
  const num = (re: RegExp) => Number(re.exec(r.stdout)?.[1]);
  return { tps: num(/tps = ([\d.]+)/), latencyMs: num(/latency average = ([\d.]+) ms/), ops: num(/number of transactions actually processed: (\d+)/) };
}

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-db-'));
const without: Run[] = [];
const withLumen: Array<Run & { cpuPer10k: number; spans: number }> = [];
let agent: AgentProcess | undefined;
try {
  await startPostgres(PORT);
  execFileSync('pgbench', [...pgArgs, '-i', '-s', '1', '-q', 'postgres'], { stdio: 'pipe' });
  pgbench(); // warm up
  for (let round = 1; round <= Number(opt.rounds); round++) {
    const b = pgbench();
    without.push(b);
    log(`round ${round} without Lumen: ${b.tps.toFixed(0)} tps, ${b.latencyMs} ms (load ${load()})`);
    agent = await AgentProcess.start(dir, '', METRICS, opt.dist, [], ['kernel_socket'], 'exe_path: "*/pgbench"');
    await new Promise((r) => setTimeout(r, 1500));
    const spans0 = await agent.counter('lumen_kernel_socket_spans_total');
    const cpu0 = agent.cpuSeconds();
    const w = pgbench();
    await new Promise((r) => setTimeout(r, 2500)); // the last exchanges drain (close, 1 s idle sweep)
    const cpu = agent.cpuSeconds() - cpu0;
    const spans = (await agent.counter('lumen_kernel_socket_spans_total')) - spans0;
    withLumen.push({ ...w, cpuPer10k: cpu / (w.ops / 10_000), spans });
    log(`round ${round} with Lumen:    ${w.tps.toFixed(0)} tps, ${w.latencyMs} ms, agent ${cpu.toFixed(2)} CPU-s, ${spans} spans for ${w.ops} SELECTs (load ${load()})`);
    await agent.stop();
    agent = undefined;
  }
  const tpsB = median(without.map((x) => x.tps)), tpsW = median(withLumen.map((x) => x.tps));
  console.log(`\nkernel_socket database overhead: pgbench -S -c${opt.clients} -T${opt.seconds}, ${opt.rounds} rounds (medians), load average now ${load()}`);
  console.table([{
    'tps without': tpsB.toFixed(0), 'tps with': tpsW.toFixed(0), ratio: (tpsW / tpsB).toFixed(3),
    'latency ms without/with': `${median(without.map((x) => x.latencyMs)).toFixed(3)} / ${median(withLumen.map((x) => x.latencyMs)).toFixed(3)}`,
    'agent CPU-s / 10k ops': median(withLumen.map((x) => x.cpuPer10k)).toFixed(3),
    'spans / ops': (withLumen.reduce((a, x) => a + x.spans, 0) / withLumen.reduce((a, x) => a + x.ops, 0)).toFixed(4),
  }]);
} finally {
  await agent?.stop();
  await stopAllProcs();
  rmSync(dir, { recursive: true, force: true });
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
