/**
 * Discovery cost, side by side in one run (the machine is shared: figures are noisy, compare the ratios).
 *   node --import tsx bench/discovery/run.ts [idleProcesses=200] [seconds=10]
 * 1. /proc pass costs with `idleProcesses` extra processes on the host: full scan vs poll tick.
 * 2. Discovery's own CPU (this process: JS thread, ring-buffer thread), poll watcher vs BPF watcher, on a quiet
 *    host and while a shell execs /bin/true and sleep a few hundred times a second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ProcessTable } from '../../src/discovery/table.js';
import { createDiscovery } from '../../src/discovery/index.js';
import { noopLogger } from '../../src/telemetry/memory-logger.js';
import { InternalMetrics } from '../../src/telemetry/internal-metrics.js';

const idle = Number(process.argv[2] ?? 200);
const seconds = Number(process.argv[3] ?? 10);
const children: ChildProcess[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function timeIt(n: number, fn: () => void): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - t0) / n;
}

async function cpuOfDiscovery(watcher: 'poll' | 'bpf'): Promise<{ cpuMsPerS: number; events: number }> {
  const metrics = new InternalMetrics();
  const d = createDiscovery({ watcher, instrument: [{ open_ports: '1-65535' }] }, { logger: noopLogger, telemetry: metrics.forComponent('discovery'), hostName: 'bench' });
  await d.start();
  await sleep(500);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - t0) / 1000;
  const events = metrics.collect().find((p) => p.name === 'lumen_discovery_watch_events_total')?.value ?? 0;
  await d.shutdown();
  return { cpuMsPerS: (c.user + c.system) / 1000 / wall, events };
}

try {
  for (let i = 0; i < idle; i++) children.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
  await sleep(300);
  const table = new ProcessTable();
  table.fullScan();
  const full = timeIt(10, () => table.fullScan());
  const tick = timeIt(50, () => table.pollTick());
  console.log(`processes in table: ${table.records.size}`);
  console.log(`full scan  ${full.toFixed(2)} ms   poll tick  ${tick.toFixed(2)} ms   ratio full/tick ${(full / tick).toFixed(1)}`);

  for (const phase of ['quiet', 'exec storm']) {
    if (phase === 'exec storm') children.push(spawn('sh', ['-c', 'while :; do /bin/true; sleep 0.005; done'], { stdio: 'ignore' }));
    const poll = await cpuOfDiscovery('poll');
    const bpf = await cpuOfDiscovery('bpf');
    console.log(`${phase.padEnd(10)} discovery CPU: poll ${poll.cpuMsPerS.toFixed(1)} ms/s   bpf ${bpf.cpuMsPerS.toFixed(1)} ms/s (${(bpf.events / seconds).toFixed(0)} events/s)   ratio bpf/poll ${(bpf.cpuMsPerS / poll.cpuMsPerS).toFixed(2)}`);
  }
} finally {
  for (const c of children) c.kill('SIGKILL');
}
