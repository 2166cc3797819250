/**
 * Lumen against the OpenTelemetry Node SDK on the same server, side by side in one run:
 *   node --import tsx bench/compare-sdk/run.ts [--seconds 8] [--rounds 1] [--pace-ms 5] [--write-docs]
 *        [--port 20181]  (the server's port; the sink listens on the next one)
 *        [--modes bare,Lumen]  (a subset of the modes; bare is always run: ratios are to it)
 *        [--agent-wrap "nice -n 0"]  (a command the agent is started under, e.g. to compare its CPU priority)
 *        [--cli OTHER/bin/lumen.js] [--node-args=...]  (another checkout's CLI and its agent's node options: a before
 *        build measured with this checkout's server, sink and wrk)
 *        [--modes bare,Lumen,Lumen adaptive,Lumen adaptive nice 19]  (Lumen = the default service.cpu_priority (normal);
 *        "Lumen adaptive" = mode adaptive (SCHED_IDLE while it keeps up); "Lumen adaptive nice 19" = adaptive with low: 19)
 * The same Node http hello server (hello-server.cjs) in three modes: bare; with the OTel Node SDK preloaded
 * (otel-sdk.cjs: NodeSDK, every auto-instrumentation, BatchSpanProcessor, OTLP http/protobuf); and bare again
 * under `lumen run` (the compiled CLI, kernel_socket → otlp http/protobuf). Both export every span to the same
 * OTLP sink (bench/pipeline/sink.ts: acks at once, counts spans on the protobuf wire in a worker and decodes one
 * request in 50 with the real opentelemetry-proto definitions to check that count — on these 2 vCPUs a full decode of
 * every span took 0.8 CPU from the server at 20k spans/s, which a collector on another host would not). Two loads per mode with Debian's wrk (2 threads, 50 keep-alive connections):
 * saturating, and paced (`--pace-ms` between a response and the next request on each connection: a fixed
 * offered load well below every mode's capacity, where latency is what moves). Per mode and load: req/s and its
 * ratio to bare, p50/p99, CPU µs per request of the server process (the SDK's work is in it) and of the agent
 * process (utime+stime from /proc), peak RSS of each, and spans the sink decoded per request. Both batchers flush
 * after 1 s (OTEL_BSP_SCHEDULE_DELAY, the otlp exporter's batch.timeout) so each run's spans arrive before the
 * next. Rounds alternate the mode order; medians are printed. `--write-docs` writes docs/compare-sdk.md (the
 * table and conditions) and docs/compare-sdk.svg (the chart).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stopProcess } from '../overhead/targets.js';
import { AgentProcess, processCpuSeconds, processRunqueueSeconds, procStatFields, reapedChildrenCpuSeconds } from '../overhead/agent.js';
import { loadAverage, log, median } from '../overhead/stats.js';
import { machineCpu, machineDelta } from '../overhead/machine-cpu.js';
import { paceScript, wrk, type WrkResult } from '../overhead/wrk.js';
import { barChart } from './chart.js';
import { otlpToSink, Sink } from './sink-process.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '1' },
    'pace-ms': { type: 'string', default: '5' },
    'write-docs': { type: 'boolean', default: false },
    port: { type: 'string', default: '20181' },
    modes: { type: 'string', default: 'bare,OTel Node SDK,Lumen' },
    'agent-wrap': { type: 'string', default: '' },
    cli: { type: 'string' },
    'node-args': { type: 'string', default: '' },
  },
});
const ROOT = new URL('../..', import.meta.url).pathname;
const HERE = join(ROOT, 'bench/compare-sdk');
const SERVER_PORT = Number(opt.port);
const SINK_PORT = SERVER_PORT + 1;
const LOAD = { threads: 2, connections: 50, seconds: Number(opt.seconds) };
const ALL_MODES = ['bare', 'OTel Node SDK', 'Lumen', 'Lumen adaptive', 'Lumen adaptive nice 19'] as const;
/** service.cpu_priority of each Lumen mode ('' = the default). */
const CPU_PRIORITY: Partial<Record<Mode, string>> = { Lumen: '', 'Lumen adaptive': '{ mode: adaptive }', 'Lumen adaptive nice 19': '{ mode: adaptive, low: 19 }' };
const isLumen = (m: Mode) => m in CPU_PRIORITY;
type Mode = (typeof ALL_MODES)[number];
const chosen = new Set(['bare', ...opt.modes.split(',')]);
for (const m of chosen) if (!(ALL_MODES as readonly string[]).includes(m)) throw new Error(`--modes: unknown ${m}, allowed: ${ALL_MODES.join(', ')}`);
const MODES = ALL_MODES.filter((m) => chosen.has(m));

interface Sample extends WrkResult {
  agentLow: number;
  serverWaitUs: number; serverUs: number; agentUs: number; serverMiB: number; agentMiB: number; spansPerReq: number;
  /** CPU per request of the load generator and of the OTLP sink: on this machine they share the server's CPUs. */
  wrkUs: number; sinkUs: number;
  /** The whole machine per request: busy (every process and the kernel), of it softirq; and the idle share of the run. */
  machineUs: number; softirqUs: number; idleShare: number;
}
const samples = new Map<string, Sample[]>();
const key = (m: Mode, load: string) => `${m} / ${load}`;

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-compare-sdk-'));
const PACE = join(dir, 'pace.lua');
writeFileSync(PACE, paceScript(Number(opt['pace-ms'])));
const LOADS = [{ name: 'saturating', script: undefined }, { name: `paced ${opt['pace-ms']} ms`, script: PACE }];
const sink = await Sink.start(SINK_PORT);
const startLoad = loadAverage();
try {
  for (let round = 1; round <= Number(opt.rounds); round++) {
    for (const mode of round % 2 ? MODES : [...MODES].reverse()) await runMode(mode, round);
  }
  report();
  const { errors } = await sink.counts();
  if (errors > 0) log(`WARNING: the sink refused ${errors} request(s) (undecodable, or the wire count differed from the full decode)`);
} finally {
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function runMode(mode: Mode, round: number): Promise<void> {
  const env = mode === 'OTel Node SDK'
    ? { ...process.env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${SINK_PORT}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '1000',
      OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process' }
    : process.env;
  const server = spawn(process.execPath, [...(mode === 'OTel Node SDK' ? ['--require', join(HERE, 'otel-sdk.cjs')] : []), join(HERE, 'hello-server.cjs'), String(SERVER_PORT)],
    { cwd: ROOT, env, stdio: 'ignore' });
  let agent: AgentProcess | undefined;
  try {
    await waitForHttp(`http://127.0.0.1:${SERVER_PORT}/hello`);
    if (isLumen(mode)) {
      agent = await AgentProcess.startWith(dir, `
discovery: { instrument: [ { open_ports: "${SERVER_PORT}" } ] }
receivers: { kernel_socket: {} }
${otlpToSink(SINK_PORT, CPU_PRIORITY[mode])}`, '', true, opt['node-args'].split(' ').filter(Boolean), opt.cli, opt['agent-wrap'].split(' ').filter(Boolean));
      await new Promise((r) => setTimeout(r, 1500)); // discovery settles, the server is probed
    }
    const url = `http://127.0.0.1:${SERVER_PORT}/hello`;
    await wrk(url, { ...LOAD, seconds: 2 }); // warm-up: JIT, and the agent sees this run's connections from accept
    await sink.settled();
    for (const l of LOADS) {
      const spans0 = (await sink.settled()).spans;
      const s0 = processCpuSeconds(server.pid!);
      const w0 = processRunqueueSeconds(server.pid!);
      const a0 = agent ? agent.cpuSeconds() : 0;
      const k0 = processCpuSeconds(sink.pid);
      const c0 = reapedChildrenCpuSeconds();
      const m0 = machineCpu();
      const lowShare = agent ? sampleLowPriority(agent.child.pid!) : undefined;
      const r = await wrk(url, { ...LOAD, script: l.script });
      const agentLow = lowShare ? lowShare() : 0;
      const m = machineDelta(m0, machineCpu());
      const wrkSeconds = reapedChildrenCpuSeconds() - c0;
      const spans = (await sink.settled()).spans - spans0;
      const sinkSeconds = processCpuSeconds(sink.pid) - k0; // after settling: the sink's work for this run's spans
      const sample: Sample = {
        ...r,
        serverUs: ((processCpuSeconds(server.pid!) - s0) * 1e6) / r.requests,
        serverWaitUs: ((processRunqueueSeconds(server.pid!) - w0) * 1e6) / r.requests,
        agentUs: agent ? ((agent.cpuSeconds() - a0) * 1e6) / r.requests : 0,
        serverMiB: peakMiB(server.pid!),
        agentMiB: agent ? agent.memory().peakMiB : 0,
        spansPerReq: spans / r.requests,
        machineUs: (m.busy * 1e6) / r.requests,
        softirqUs: (m.softirq * 1e6) / r.requests,
        idleShare: m.idle / (m.busy + m.idle + m.steal),
        agentLow,
        wrkUs: (wrkSeconds * 1e6) / r.requests,
        sinkUs: (sinkSeconds * 1e6) / r.requests,
      };
      samples.set(key(mode, l.name), [...(samples.get(key(mode, l.name)) ?? []), sample]);
      log(`round ${round} ${key(mode, l.name)}: ${r.rps.toFixed(0)} req/s p50 ${r.p50ms.toFixed(2)} p99 ${r.p99ms.toFixed(2)} ms, server ${sample.serverUs.toFixed(1)} µs/req (waited for a CPU ${sample.serverWaitUs.toFixed(1)} µs/req), ` +
        `agent ${sample.agentUs.toFixed(1)} µs/req${agent ? ` (main thread at low priority ${(agentLow * 100).toFixed(0)} % of the time)` : ''}, ${spans} spans for ${r.requests} requests; machine busy ${sample.machineUs.toFixed(1)} µs/req ` +
        `(softirq ${sample.softirqUs.toFixed(1)}; wrk ${sample.wrkUs.toFixed(1)}, sink ${sample.sinkUs.toFixed(1)}; the rest beside server, agent, wrk and sink — kernel threads — ${(sample.machineUs - sample.serverUs - sample.agentUs - sample.wrkUs - sample.sinkUs).toFixed(1)}), ` +
        `idle ${(sample.idleShare * 100).toFixed(0)} % (load ${loadAverage()})`);
    }
  } finally {
    await agent?.stop();
    await stopProcess(server);
  }
  const summary = agent?.log().split('\n').find((l) => l.includes('cpu priority: back to normal'));
  if (summary) log(`round ${round} ${mode}: ${summary.slice(summary.indexOf('cpu priority'))}`);
}

/** Samples the agent's main thread every 20 ms (policy SCHED_IDLE or nice > 0 = low); returns the share seen low. */
function sampleLowPriority(pid: number): () => number {
  let low = 0;
  let all = 0;
  const timer = setInterval(() => {
    try {
      const f = procStatFields(`/proc/${pid}/task/${pid}/stat`);
      all++;
      if (f[38] === '5' || Number(f[16]) > 0) low++; // fields 41 (policy) and 19 (nice), counted from field 3
    } catch { /* the agent stopped */ }
  }, 20);
  return () => {
    clearInterval(timer);
    return all ? low / all : 0;
  };
}

function report(): void {
  const base = (load: string) => median(samples.get(key('bare', load))!.map((x) => x.rps));
  const rows = MODES.flatMap((m) => LOADS.map((l) => {
    const xs = samples.get(key(m, l.name))!;
    const med = (f: (x: Sample) => number) => median(xs.map(f));
    return {
      mode: m, load: l.name, rps: med((x) => x.rps), ratio: med((x) => x.rps) / base(l.name), p50: med((x) => x.p50ms), p99: med((x) => x.p99ms),
      serverUs: med((x) => x.serverUs), agentUs: med((x) => x.agentUs), serverMiB: med((x) => x.serverMiB), agentMiB: med((x) => x.agentMiB),
      spansPerReq: med((x) => x.spansPerReq), machineUs: med((x) => x.machineUs), wrkUs: med((x) => x.wrkUs), sinkUs: med((x) => x.sinkUs), idleShare: med((x) => x.idleShare), errors: xs.reduce((a, x) => a + x.errors, 0),
    };
  }));
  const header = '| mode | load | req/s | ratio to bare | p50 ms | p99 ms | server CPU µs/req | agent CPU µs/req | server + agent µs/req | wrk / sink µs/req | machine busy µs/req (idle) | peak RSS server / agent | spans / request |';
  const lines = [header, '|---|---|---|---|---|---|---|---|---|---|---|---|---|', ...rows.map((r) =>
    `| ${r.mode} | ${r.load} | ${r.rps.toFixed(0)} | **${r.ratio.toFixed(3)}** | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.serverUs.toFixed(1)} | ` +
    `${isLumen(r.mode) ? r.agentUs.toFixed(1) : '–'} | ${(r.serverUs + r.agentUs).toFixed(1)} | ${r.wrkUs.toFixed(1)} / ${r.sinkUs.toFixed(1)} | ${r.machineUs.toFixed(1)} (${(r.idleShare * 100).toFixed(0)} %) | ${r.serverMiB.toFixed(0)}${isLumen(r.mode) ? ` / ${r.agentMiB.toFixed(0)}` : ''} MiB | ` +
    `${r.mode === 'bare' ? '–' : r.spansPerReq.toFixed(3)} |`)];
  const conditions = `${opt.cli ? `agent: ${opt.cli}; ` : ''}wrk -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.seconds}s, ${opt.rounds} round(s) (medians), paced = ${opt['pace-ms']} ms between requests per connection; ` +
    `load average ${startLoad} at the start, ${loadAverage()} at the end; node ${process.version}`;
  console.log(`\n${conditions}\n\n${lines.join('\n')}`);
  if (!opt['write-docs']) return;
  const sat = rows.filter((r) => r.load === 'saturating');
  const paced = rows.filter((r) => r.load !== 'saturating');
  const colors = { server: '#4e79a7', agent: '#f28e2b' };
  const svg = barChart('Node http hello server: bare, OTel Node SDK, Lumen (one run)', [
    { title: 'Saturating throughput', unit: 'req/s', bars: sat.map((r) => ({ label: r.mode, segments: [{ name: 'req/s', value: r.rps, color: colors.server }], note: `ratio ${r.ratio.toFixed(2)}` })) },
    { title: 'CPU per request, saturating', unit: 'µs', bars: sat.map((r) => ({ label: r.mode, segments: [
      { name: 'server process (incl. in-process SDK)', value: r.serverUs, color: colors.server }, { name: 'Lumen agent process', value: r.agentUs, color: colors.agent }] })) },
    { title: `p99 latency, paced ${opt['pace-ms']} ms`, unit: 'ms', bars: paced.map((r) => ({ label: r.mode, segments: [{ name: 'p99', value: r.p99, color: colors.server }], note: `${r.rps.toFixed(0)} req/s` })) },
  ]);
  writeFileSync(join(ROOT, 'docs/compare-sdk.svg'), svg);
  writeFileSync(join(ROOT, 'docs/compare-sdk.md'), `# Lumen vs the OpenTelemetry Node SDK\n\n` +
    `Generated by \`node --import tsx bench/compare-sdk/run.ts --write-docs\` (see bench/README.md, "compare-sdk"). The same Node \`http\` ` +
    `hello server bare, with the OTel Node SDK (auto-instrumentations, BatchSpanProcessor, OTLP http/protobuf) and under \`lumen run\` ` +
    `(kernel_socket → otlp http/protobuf), both exporting to the same OTLP sink on this 2-vCPU VM.\n\n${conditions}\n\n${lines.join('\n')}\n\n![chart](compare-sdk.svg)\n`);
  log('wrote docs/compare-sdk.md and docs/compare-sdk.svg');
}

function peakMiB(pid: number): number {
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

async function waitForHttp(url: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    try { if ((await fetch(url)).ok) return; } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error(`${url} does not answer`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
