/**
 * What context propagation costs, side by side in one run:
 *   node --import tsx bench/overhead/propagation.ts [--seconds 8] [--rounds 2] [--connections 50] [--threads 2]
 * wrk → a Node front (bench/overhead/proxy.mjs) → nginx (12-byte file), both instrumented: every request is a
 * server span, a client span (with a traceparent inserted by sk_msg when propagation is on) and nginx's server
 * span. Per round and load: without Lumen, with `lumen run` and `context_propagation: disabled`, then with
 * `headers` (even rounds in reverse order). Printed: medians of requests/s, ratios, p50/p99, the front's CPU per
 * request (the sk_msg program runs in its sendmsg, so this is where propagation's cost lands), agent CPU-s per
 * 10k requests, headers inserted per request, and propagation's cost per request: the front's CPU with headers
 * minus with disabled, 1/rps(headers) − 1/rps(disabled) at saturation, and the BPF programs' own run time per
 * request from bpf_stats (kernel.bpf_stats_enabled on during the Lumen loads, restored after; it adds ~20-40 ns
 * per program run itself): ks_prop_msg is propagation's kernel cost. The load average is printed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentProcess, processCpuSeconds } from './agent.js';
import { startNginx, stopTarget, type Target } from './targets.js';
import { paceScript, wrk, type WrkResult } from './wrk.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
  },
});
const LOAD = { threads: Number(opt.threads), connections: Number(opt.connections), seconds: Number(opt.seconds) };
const ROUNDS = Number(opt.rounds);
const NGINX_PORT = 20650, FRONT_PORT = 20651, METRICS = '127.0.0.1:20652';
const MODES = ['without Lumen', 'propagation disabled', 'propagation headers'] as const;
type Mode = typeof MODES[number];
interface Sample extends WrkResult { cpuPer10k: number; injectedPerRequest: number; frontUs: number; progNs: Record<string, number> }

/** run_time_ns of the connection machine's programs (bpf_stats), summed by name. */
function progTimes(): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j']).toString()) as Array<{ name?: string; run_time_ns?: number }>) {
    if (p.name && /^ks_(prop_msg|sock_send|sock_recv|send_start)$/.test(p.name)) m.set(p.name, (m.get(p.name) ?? 0) + (p.run_time_ns ?? 0));
  }
  return m;
}
const statsWas = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const i = s.length >> 1; return s.length % 2 ? s[i]! : (s[i - 1]! + s[i]!) / 2; };
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const samples = new Map<string, Sample[]>();
const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-propagation-'));
const PACE = join(dir, 'pace.lua');
const LOADS = [{ name: 'saturating', script: undefined }, { name: 'paced 2 ms', script: PACE }];

function agentYaml(mode: Mode): string {
  return `
discovery:
  instrument: [{ open_ports: "${NGINX_PORT}-${FRONT_PORT}" }]
receivers:
  kernel_socket: { context_propagation: ${mode === 'propagation headers' ? 'headers' : 'disabled'} }
exporters:
  print_traces: { format: text }
  prometheus: { endpoint: "${METRICS}" }
service:
  pipelines:
    traces: { receivers: [kernel_socket], exporters: [print_traces] }
    metrics: { receivers: [kernel_socket], exporters: [prometheus] }
`;
}

/** lumen_kernel_socket_propagation_total{result="injected"} of the running agent (0 without one). */
async function injected(): Promise<number> {
  if (!agent) return 0;
  const text = await (await fetch(`http://${METRICS}/metrics`)).text();
  return Number(/^lumen_kernel_socket_propagation_total\{[^}]*result="injected"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
}

let nginx: Target | undefined;
let front: Target | undefined;
let agent: AgentProcess | undefined;
try {
  writeFileSync(PACE, paceScript(2));
  nginx = await startNginx(join(dir, 'nginx'), NGINX_PORT);
  const child = spawn(process.execPath, [new URL('./proxy.mjs', import.meta.url).pathname, String(FRONT_PORT), nginx.url], { stdio: 'ignore' });
  front = { name: 'node front → nginx', url: `http://127.0.0.1:${FRONT_PORT}/`, child };
  await new Promise((r) => setTimeout(r, 500));
  await wrk(front.url, { ...LOAD, seconds: 2 }); // warm up
  for (let round = 1; round <= ROUNDS; round++) {
    // the machine is shared: odd rounds run the modes in order, even rounds in reverse, so a drift in the
    // background load does not always land on the same mode
    for (const mode of round % 2 ? MODES : [...MODES].reverse()) {
      if (mode !== 'without Lumen') {
        agent = await AgentProcess.startWith(dir, agentYaml(mode), METRICS, false);
        await new Promise((r) => setTimeout(r, 1500));
        // new front → nginx connections, opened with the agent running (sockets older than it are never injected)
        await stopTarget(front);
        front = { ...front, child: spawn(process.execPath, [new URL('./proxy.mjs', import.meta.url).pathname, String(FRONT_PORT), nginx.url], { stdio: 'ignore' }) };
        await new Promise((r) => setTimeout(r, 1500));
      }
      for (const l of LOADS) {
        await wrk(front.url, { ...LOAD, seconds: 1 });
        await new Promise((res) => setTimeout(res, 1500)); // the agent's counters are polled: let them settle
        const cpu0 = agent?.cpuSeconds() ?? 0;
        const front0 = processCpuSeconds(front.child.pid!);
        const inj0 = await injected();
        if (agent) writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
        const prog0 = progTimes();
        const r = await wrk(front.url, { ...LOAD, script: l.script });
        const prog1 = progTimes();
        writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWas);
        const progNs = Object.fromEntries([...prog1].map(([k, v]) => [k, (v - (prog0.get(k) ?? 0)) / r.requests]));
        const frontCpu = processCpuSeconds(front.child.pid!) - front0;
        await new Promise((res) => setTimeout(res, 1500));
        const cpu = (agent?.cpuSeconds() ?? 0) - cpu0;
        const inserted = (await injected()) - inj0;
        const s: Sample = { ...r, cpuPer10k: cpu / (r.requests / 10_000), injectedPerRequest: inserted / r.requests, frontUs: frontCpu / r.requests * 1e6, progNs };
        const key = `${l.name} / ${mode}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
        process.stderr.write(`round ${round} ${key}: ${r.rps.toFixed(0)} req/s p99 ${r.p99ms.toFixed(2)} ms, front ${s.frontUs.toFixed(1)} CPU-µs/request, agent ${cpu.toFixed(2)} CPU-s, ${s.injectedPerRequest.toFixed(3)} headers/request (load ${loadavg()})\n`);
      }
      await agent?.stop();
      agent = undefined;
    }
  }
  report();
} finally {
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWas);
  await agent?.stop();
  for (const t of [front, nginx]) if (t) await stopTarget(t);
  rmSync(dir, { recursive: true, force: true });
}

function report(): void {
  const rows = [];
  for (const l of LOADS) {
    const rps = (m: Mode) => median(samples.get(`${l.name} / ${m}`)!.map((x) => x.rps));
    for (const m of MODES) {
      const w = samples.get(`${l.name} / ${m}`)!;
      rows.push({
        'load / mode': `${l.name} / ${m}`,
        'req/s': rps(m).toFixed(0),
        'ratio to without': (rps(m) / rps('without Lumen')).toFixed(3),
        'p50 / p99 ms': `${median(w.map((x) => x.p50ms)).toFixed(2)} / ${median(w.map((x) => x.p99ms)).toFixed(2)}`,
        'front CPU-µs / req': median(w.map((x) => x.frontUs)).toFixed(1),
        'agent CPU-s / 10k req': m === 'without Lumen' ? '-' : median(w.map((x) => x.cpuPer10k)).toFixed(3),
        'headers / request': m === 'without Lumen' ? '-' : median(w.map((x) => x.injectedPerRequest)).toFixed(3),
        'BPF ns / req (send, recv, sk_msg)': m === 'without Lumen' ? '-'
          : ['ks_sock_send', 'ks_sock_recv', 'ks_prop_msg'].map((n) => median(w.map((x) => x.progNs[n] ?? 0)).toFixed(0)).join(', '),
      });
    }
  }
  const sat = (m: Mode) => median(samples.get(`saturating / ${m}`)!.map((x) => x.rps));
  const costUs = (1 / sat('propagation headers') - 1 / sat('propagation disabled')) * 1e6;
  const front = (m: Mode) => median(LOADS.flatMap((l) => samples.get(`${l.name} / ${m}`)!.map((x) => x.frontUs)));
  console.log(`\ncontext propagation: wrk -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.seconds}s → node front → nginx, ${ROUNDS} rounds (medians), load average now ${loadavg()}`);
  console.table(rows);
  console.log(`propagation's cost per request: front process CPU ${(front('propagation headers') - front('propagation disabled')).toFixed(1)} µs ` +
    `(its sk_msg program and the sockmap send path run in its sendmsg; median of both loads, headers − disabled); ` +
    `at saturation 1/rps(headers) − 1/rps(disabled) = ${costUs.toFixed(1)} µs (negative = within noise)`);
}
