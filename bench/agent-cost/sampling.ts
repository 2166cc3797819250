/**
 * Head sampling's cost: the real agent (`lumen run`, compiled CLI) on a traces pipeline kernel_socket → otlp (to the
 * decoding sink) while wrk (-t2 -c50, saturating) drives the Node hello server, in three modes side by side:
 *   none    no sampling (every request a span);
 *   user    sampling traceidratio `--ratio` in the processor (kernel_socket.kernel_sampling: false: every request
 *           goes through the ring buffer and is decoded);
 *   kernel  the same sampler taken in the kernel (bpf/include/ks_sample.h): unsampled requests leave no record;
 *   both-user / both-kernel  a metrics pipeline (kernel_socket → routes → prometheus) beside the sampled traces
 *           pipeline: everything in user space (kernel_aggregation off, kernel_sampling false), or both in the kernel
 *           (every request in a kernel series, only sampled ones sent: receivers/kernel_socket/README.md#aggregation-and-sampling-together).
 * Per mode: requests, spans delivered, the agent's utime+stime per request (µs; its idle CPU per second, measured
 * for 3 s before the load, subtracted: at these rates it would otherwise weigh several µs per request), the connection machine's probe time
 * per request (bpf_stats run_time_ns of this run's ks_* programs; kernel.bpf_stats_enabled on for the run, restored
 * after — it is global: another benchmark switching it off mid-run gives too-low figures) and the load average.
 *
 *   node --import tsx bench/agent-cost/sampling.ts [--seconds 8] [--rounds 2] [--ratio 0.1] [--modes none,user,kernel]
 * Ports 20410 (server), 20411 (sink), 21012 (Prometheus of the both-* modes).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Sink } from '../compare-sdk/sink-process.js';
import { AgentProcess } from '../overhead/agent.js';
import { loadAverage, log, median } from '../overhead/stats.js';
import { wrk } from '../overhead/wrk.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    ratio: { type: 'string', default: '0.1' },
    modes: { type: 'string', default: 'none,user,kernel' },
  },
});
const ROOT = new URL('../..', import.meta.url).pathname;
const SERVER_PORT = 20410;
const SINK_PORT = 20411;
const URL_ = `http://127.0.0.1:${SERVER_PORT}/hello`;
const IDLE_MS = 3000;
const MODES = opt.modes.split(',');
const PROM_PORT = 21012;
const ALL_MODES = ['none', 'user', 'kernel', 'both-user', 'both-kernel'];
for (const m of MODES) if (!ALL_MODES.includes(m)) throw new Error(`--modes: unknown ${m}, allowed: ${ALL_MODES.join(', ')}`);
const inKernel = (mode: string) => mode === 'kernel' || mode === 'both-kernel';

function yaml(mode: string): string {
  const sampling = mode === 'none' ? '' : 'sampling';
  const both = mode.startsWith('both-');
  return `discovery: { instrument: [ { open_ports: "${SERVER_PORT}" } ] }
receivers: { kernel_socket: { kernel_sampling: ${inKernel(mode)}, kernel_aggregation: ${inKernel(mode) ? 'auto' : 'off'} } }
processors: { routes: {}, sampling: { sampler: traceidratio, ratio: ${Number(opt.ratio)} } }
exporters:
  otlp: { endpoint: "http://127.0.0.1:${SINK_PORT}", protocol: http/protobuf, batch: { timeout: 1s } }
  prometheus: { endpoint: "127.0.0.1:${PROM_PORT}" }
service:
  telemetry: { logs: { level: info } }
  pipelines:
    traces: { receivers: [kernel_socket], processors: [${sampling}], exporters: [otlp] }
${both ? '    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }\n' : ''}`;
}

interface Prog { id: number; name?: string; run_time_ns?: number; run_cnt?: number }
const progs = (): Prog[] => JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j']).toString()) as Prog[];
const probeNs = (ids: Set<number>): number => progs().filter((p) => ids.has(p.id)).reduce((t, p) => t + (p.run_time_ns ?? 0), 0);

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-sampling-'));
const server = spawn(process.execPath, [join(ROOT, 'bench/compare-sdk/hello-server.cjs'), String(SERVER_PORT)], { stdio: 'ignore' });
const sink = await Sink.start(SINK_PORT);
const statsWas = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();
const results = new Map<string, Array<{ requests: number; spans: number; cpuUs: number; idlePerS: number; probeNs: number; load: string }>>();
try {
  await waitFor(async () => (await get()) === 200, 'the hello server');
  for (let round = 0; round < Number(opt.rounds); round++) {
    for (const mode of MODES) {
      const r = await measure(mode);
      log(`round ${round + 1} ${mode}: ${r.requests} requests, ${r.spans} spans, ${r.cpuUs.toFixed(2)} µs agent CPU/request (idle ${(r.idlePerS * 1000).toFixed(1)} ms/s subtracted), ${r.probeNs.toFixed(0)} ns probes/request (load ${r.load})`);
      results.set(mode, [...(results.get(mode) ?? []), r]);
    }
  }
  console.log(`\nhead sampling ${opt.ratio}: agent CPU and probe time per request, wrk -t2 -c50 -d${opt.seconds}s on the Node hello server (medians of ${opt.rounds} rounds)\n`);
  console.log('| mode | requests/s | spans | agent µs CPU / request | probe ns / request (bpf_stats) | load averages |\n|---|---|---|---|---|---|');
  for (const mode of MODES) {
    const rs = results.get(mode)!;
    console.log(`| ${mode} | ${median(rs.map((r) => r.requests / Number(opt.seconds))).toFixed(0)} | ${median(rs.map((r) => r.spans)).toFixed(0)} | **${median(rs.map((r) => r.cpuUs)).toFixed(2)}** | ${median(rs.map((r) => r.probeNs)).toFixed(0)} | ${rs.map((r) => r.load).join(' / ')} |`);
  }
} finally {
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWas);
  await sink.stop();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

async function measure(mode: string) {
  const before = new Set(progs().map((p) => p.id));
  const agent = await AgentProcess.startWith(dir, yaml(mode), '', true);
  try {
    if (inKernel(mode) !== /sampling="?in the kernel/.test(agent.log())) throw new Error(`${mode}: the agent's sampling is not where expected:\n${agent.log()}`);
    if ((mode === 'both-kernel') !== /kernel_aggregation="?on/.test(agent.log())) throw new Error(`${mode}: the kernel aggregation is not as expected:\n${agent.log()}`);
    const mine = new Set(progs().filter((p) => !before.has(p.id) && p.name?.startsWith('ks_')).map((p) => p.id));
    await new Promise((r) => setTimeout(r, 1500)); // discovery settles, the server is probed
    await wrk(URL_, { threads: 2, connections: 50, seconds: 2 }); // warm-up; connections seen from their accept
    const spans0 = (await sink.settled()).spans;
    // The agent's CPU with no load (timers, polls), per second: subtracted, so that the figure is per request.
    const idle0 = agent.cpuSeconds();
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idlePerS = (agent.cpuSeconds() - idle0) / (IDLE_MS / 1000);
    writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
    const ns0 = probeNs(mine);
    const cpu0 = agent.cpuSeconds();
    const r = await wrk(URL_, { threads: 2, connections: 50, seconds: Number(opt.seconds) });
    const ns = probeNs(mine) - ns0;
    writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWas);
    const load = loadAverage();
    const t1 = Date.now();
    const spans = (await sink.settled()).spans - spans0;
    const cpu = agent.cpuSeconds() - cpu0 - idlePerS * (Number(opt.seconds) + (Date.now() - t1) / 1000);
    return { requests: r.requests, spans, cpuUs: (cpu * 1e6) / r.requests, idlePerS, probeNs: ns / r.requests, load };
  } finally {
    await agent.stop();
  }
}

function get(): Promise<number> {
  return new Promise((resolve) => {
    request(URL_, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', () => resolve(0)).end();
  });
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`${what} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
