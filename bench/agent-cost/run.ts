/**
 * The real agent's own cost, side by side in one run:
 *   node --import tsx bench/agent-cost/run.ts [--seconds 8] [--pipelines default,otlp] [--cpu-prof DIR] [--no-startup]
 *        [--node-args=--max-semi-space-size=4]   (node options for the agent of the CPU-per-span runs)
 *        [--cli OTHER/bin/lumen.js]              (another checkout's built CLI: before/after on one machine)
 *        [--port 20171]                          (the hello server's port; the sink and the agent's metrics use the next two)
 *        [--no-cpu]                              (only the start-up measurement)
 *        [--agent-wrap "env MALLOC_ARENA_MAX=2"]   (a command the agent of the CPU-per-span runs is started under)
 *        [--ring-buffer-size BYTES]              (kernel_socket's ring for the CPU-per-span runs; default: the receiver's)
 * 1. CPU per span: `lumen run` (compiled CLI) while wrk (-t2 -c50, saturating) drives the Node hello server of
 *    bench/compare-sdk, once per pipeline set — `default` (kernel_socket → routes → print_traces to /dev/null, and
 *    → prometheus: the default pipelines.yaml) and `otlp` (kernel_socket → otlp http/protobuf to the benchmark's
 *    sink), and `metrics` (the default pipelines without print_traces: kernel_socket → routes → prometheus). The figure is the agent's utime+stime over the load divided by the spans it made
 *    (lumen_kernel_socket_spans_total + the requests the kernel aggregated, lumen_kernel_socket_aggregated_requests_total,
 *    for `metrics`; for otlp, the spans the sink decoded), in µs; with its peak RSS (VmHWM) and the load average (CPU per span moves
 *    less with other processes' load than throughput does). `--cpu-prof DIR` writes a V8 profile of the agent during the measured load
 *    into DIR (created; with --cli, of that checkout's per-file build; --cpu-prof-interval µs between samples, default 250) (profiled-cli.mjs; node --cpu-prof would break the BPF program loads), and prints the main thread's samples by
 *    component (profile-summary.ts) as shares and as µs per span of the main thread's CPU.
 * 2. Start-up: `lumen run` with every host receiver on (kernel_socket, tls_uprobe, network_flow) while a client
 *    opens a new connection to the hello server every 20 ms; time from spawn to "lumen started" and to the first
 *    span line on print_traces' stdout, and the agent's RSS then.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { otlpToSink, Sink } from '../compare-sdk/sink-process.js';
import { stopProcess } from '../overhead/targets.js';
import { AGENT_NODE_OPTIONS, AgentProcess, statCpuSeconds } from '../overhead/agent.js';
import { loadAverage, log } from '../overhead/stats.js';
import { wrk } from '../overhead/wrk.js';
import { summaryTable } from './profile-summary.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    pipelines: { type: 'string', default: 'default,otlp' },
    'cpu-prof': { type: 'string' },
    'cpu-prof-interval': { type: 'string', default: '250' },
    'no-startup': { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
    cli: { type: 'string' },
    port: { type: 'string', default: '20171' },
    'no-cpu': { type: 'boolean', default: false },
    'ring-buffer-size': { type: 'string' },
    'agent-wrap': { type: 'string', default: '' },
  },
});
const ROOT = new URL('../..', import.meta.url).pathname;
const SERVER_PORT = Number(opt.port);
const SINK_PORT = SERVER_PORT + 1;
const METRICS = `127.0.0.1:${SERVER_PORT + 2}`;
const URL_ = `http://127.0.0.1:${SERVER_PORT}/hello`;

const PIPELINES: Record<string, string> = {
  default: `
exporters:
  print_traces: { format: text }
  prometheus: { endpoint: "${METRICS}" }
service:
  telemetry: { logs: { level: info } }
  pipelines:
    traces: { receivers: [kernel_socket], processors: [routes], exporters: [print_traces] }
    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }
`,
  otlp: otlpToSink(SINK_PORT),
  // The default pipelines without print_traces: what the rest of the agent costs per span.
  metrics: `
exporters:
  prometheus: { endpoint: "${METRICS}" }
service:
  telemetry: { logs: { level: info } }
  pipelines:
    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }
`,
};

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-agent-cost-'));
const server = spawn(process.execPath, [join(ROOT, 'bench/compare-sdk/hello-server.cjs'), String(SERVER_PORT)], { stdio: 'ignore' });
const sink = await Sink.start(SINK_PORT);
const rows: string[] = [];
try {
  await waitFor(async () => (await get()) === 200, 'the hello server');
  if (!opt['no-cpu']) {
    for (const name of opt.pipelines.split(',')) rows.push(await cpuPerSpan(name));
    console.log(`\nagent CPU per span, wrk -t2 -c50 -d${opt.seconds}s saturating on the Node hello server, compiled CLI\n`);
    console.log('| pipelines | requests | spans | agent CPU-s | **µs per span** | peak RSS | load average |\n|---|---|---|---|---|---|---|');
    console.log(rows.join('\n'));
  }
  if (!opt['no-startup']) await startup();
} finally {
  await sink.stop();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

async function cpuPerSpan(name: string): Promise<string> {
  const yaml = `discovery: { instrument: [ { open_ports: "${SERVER_PORT}" } ] }
receivers: { kernel_socket: { ${opt['ring-buffer-size'] ? `ring_buffer_size: ${opt['ring-buffer-size']}` : ''} } }
processors: { routes: { unmatched: heuristic } }
${PIPELINES[name] ?? (() => { throw new Error(`--pipelines: unknown ${name}, allowed: ${Object.keys(PIPELINES).join(', ')}`); })()}`;
  // Absolute (the agent runs in the repository root) and created: the agent cannot write into a missing directory.
  const profile = opt['cpu-prof'] && join(resolve(opt['cpu-prof']), `agent-${name}.cpuprofile`);
  if (profile) {
    mkdirSync(resolve(opt['cpu-prof']!), { recursive: true });
    process.env.LUMEN_CPU_PROFILE = profile;
    process.env.LUMEN_CPU_PROFILE_INTERVAL_US = opt['cpu-prof-interval'];
    if (opt.cli) process.env.LUMEN_PROFILED_CLI = resolve(opt.cli); // profiled-cli.mjs runs that checkout's CLI
    rmSync(profile, { force: true }); // a previous run's
  }
  const agent = await AgentProcess.startWith(dir, yaml, METRICS, true, opt['node-args'].split(' ').filter(Boolean), profile ? join(ROOT, 'bench/agent-cost/profiled-cli.mjs') : opt.cli,
    opt['agent-wrap'].split(' ').filter(Boolean));
  try {
    await new Promise((r) => setTimeout(r, 1500)); // discovery settles, the server is probed
    await wrk(URL_, { threads: 2, connections: 50, seconds: 2 }); // warm-up; connections seen from their accept
    await new Promise((r) => setTimeout(r, 1500));
    // Spans: the agent's own counter where it serves Prometheus, else what the sink decoded.
    // A metrics-only pipeline has the kernel aggregate (kernel_aggregation: auto): its requests are counted by the
    // kernel instead of becoming spans (plus one aggregate span per series per second, a handful: left in).
    const spanCount = name === 'otlp' ? async () => (await sink.settled()).spans
      : async () => (await agent.counter('lumen_kernel_socket_spans_total')) + (await agent.counter('lumen_kernel_socket_aggregated_requests_total'));
    const spans0 = await spanCount();
    const cpu0 = agent.cpuSeconds();
    const threads0 = threadCpu(agent.child.pid!);
    if (profile) agent.child.kill('SIGUSR2');
    const r = await wrk(URL_, { threads: 2, connections: 50, seconds: Number(opt.seconds) });
    if (profile) agent.child.kill('SIGUSR2');
    const load = loadAverage();
    await new Promise((res) => setTimeout(res, 1500)); // the last batches drain
    const cpu = agent.cpuSeconds() - cpu0;
    const threads = [...threadCpu(agent.child.pid!)].map(([t, c]) => [t, c - (threads0.get(t) ?? 0)] as const).filter(([, c]) => c > 0.005).sort((a, b) => b[1] - a[1]);
    const spans = (await spanCount()) - spans0;
    const peak = agent.memory().peakMiB;
    log(`${name}: agent threads, CPU-s: ${threads.map(([t, c]) => `${t} ${c.toFixed(2)}`).join(', ')}`);
    log(`${name}: ${r.requests} requests, ${spans} spans, ${cpu.toFixed(2)} CPU-s, ${((cpu * 1e6) / spans).toFixed(2)} µs/span, peak RSS ${peak.toFixed(0)} MiB (load ${load})${profile ? `, profile ${profile}` : ''}`);
    if (profile) {
      await waitFor(async () => Boolean(JSON.parse(readFileSync(profile, 'utf8'))), `the profile ${profile}`, 30_000, agent.child); // written whole
      const main = threads.find(([t]) => t === 'main')?.[1];
      log(`${name}: the main thread's busy samples by component (${profile}):\n${summaryTable(profile, main, spans)}`);
    }
    return `| ${name} | ${r.requests} | ${spans} | ${cpu.toFixed(2)} | **${((cpu * 1e6) / spans).toFixed(2)}** | ${peak.toFixed(0)} MiB | ${load} |`;
  } finally {
    await agent.stop();
  }
}

async function startup(): Promise<void> {
  const cfg = join(dir, 'startup.yaml');
  writeFileSync(cfg, `discovery: { instrument: [ { open_ports: "${SERVER_PORT}" } ] }
receivers: { kernel_socket: {}, tls_uprobe: {}, network_flow: {} }
exporters: { print_traces: { format: text }, print_flows: {} }
service:
  telemetry: { logs: { level: info } }
  pipelines:
    traces: { receivers: [kernel_socket, tls_uprobe], exporters: [print_traces] }
    flows: { receivers: [network_flow], exporters: [print_flows] }
`);
  let stop = false;
  const client = (async () => { while (!stop) { await get().catch(() => 0); await new Promise((r) => setTimeout(r, 20)); } })();
  const t0 = performance.now();
  const agent = spawn(process.execPath, [...AGENT_NODE_OPTIONS, opt.cli ?? join(ROOT, 'bin/lumen.js'), 'run', '-c', cfg], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let started = NaN, firstSpan = NaN, err = '';
  agent.stderr!.on('data', (d) => { err += String(d); if (Number.isNaN(started) && err.includes('lumen started')) started = performance.now() - t0; });
  agent.stdout!.on('data', (d) => { if (Number.isNaN(firstSpan) && String(d).includes('/hello')) firstSpan = performance.now() - t0; });
  try {
    await waitFor(async () => !Number.isNaN(firstSpan) && !Number.isNaN(started), 'the first span and "lumen started"', 60_000, agent);
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    console.log(`\nstart-up, every host receiver (kernel_socket, tls_uprobe, network_flow), compiled CLI: "lumen started" after ${(started / 1000).toFixed(2)} s, ` +
      `first span after **${(firstSpan / 1000).toFixed(2)} s**, RSS then ${rss.toFixed(0)} MiB (load average ${loadAverage()})`);
  } catch (e) {
    log(err);
    throw e;
  } finally {
    stop = true;
    await client;
    await stopProcess(agent);
  }
}

/** CPU-seconds per thread of a process: the main (JS) thread, others by name:tid. */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(pid) ? 'main' : `${name}:${tid}`;
      out.set(key, (out.get(key) ?? 0) + statCpuSeconds(f));
    } catch { /* the thread ended */ }
  }
  return out;
}

function get(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(URL_, { agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(ok: () => Promise<boolean>, what: string, ms = 30_000, child?: ChildProcess): Promise<void> {
  const until = Date.now() + ms;
  while (!(await ok().catch(() => false))) {
    if (child && child.exitCode !== null) throw new Error(`agent exited ${child.exitCode} before ${what}`);
    if (Date.now() > until) throw new Error(`no ${what} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
