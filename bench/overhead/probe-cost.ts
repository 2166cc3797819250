/**
 * Where the saturating overhead goes, probe by probe, in one run:
 *   node --import tsx bench/overhead/probe-cost.ts [--target nginx|node] [--seconds 6] [--rounds 2]
 * wrk (2 threads, 50 keep-alive connections, as fast as it can) against the target in four modes:
 *   none      no BPF at all (the baseline)
 *   idle      kernel_socket.bpf.o attached, allow-list empty: what every process pays for the probes existing
 *   probes    the target's pids allowed, records drained by a counting consumer (no agent): the probes' own cost
 *   stats     as probes, with kernel.bpf_stats_enabled on for the run (restored after); `floorN+stats`, `idle+stats` likewise
 *   agg       as stats, with the kernel aggregation on (ks_aggregate: what a metrics-only pipeline loads): the
 *             aggregation path's probe time, and how many ring records were still written
 *   X-b       (stats-b, agg-b, idle-b+stats, probes-b) as X with the kernel_socket object of --object-b: an A/B of two
 *             builds in one run, alternating within each round
 *   X@S=V     (stats@bench_cut=2, stats-b@lean_responses=1&capture_bytes=0) as X with those load-time settings: an A/B
 *             of settings in one run. bench_cut (bpf/include/ks_conn.h) shows what each stage of a call costs:
 *             1 = prepared (connection look-up, clock, segments) but not walked, 2 = no ring record, 3 = the record
 *             reserved and discarded
 *   agent     the real `lumen run` (bench config of run.ts: traces to print_traces + metrics): probes + agent
 *   agent-metrics  the real `lumen run` with a metrics-only pipeline (kernel_socket → routes → prometheus): the
 *             kernel aggregates (kernel_aggregation: auto), no ring record per request; the run says how many
 *             requests the kernel aggregated and how many ring records were written
 *   agent+stats, agent-metrics+stats  the same with bpf_stats on (the agent's own probes' time per request)
 *   floor0..2 bpf/bench_floor.bpf.c instead of kernel_socket: the least a per-request probe can do on the same
 *             tracepoints — 0: pid check and timestamp; 1: + connection lookup and a 64-byte read of the buffer;
 *             2: + one ring-buffer record per call (drained by a counting consumer). What no design can go below.
 * --headers browser: each request carries a browser's header lines (~450-byte head, Host first) instead of wrk's
 * Host-only head: what the header scans and the kernel aggregation's template walk meet in real traffic.
 * Per mode also the serving processes' own CPU per request (utime+stime): with the server saturated, req/s follows
 * 1 / (its CPU per request), and that figure moves less with other load on the machine ("CPU ratio" = baseline
 * µs / mode µs). For `stats`, each program's run time is
 * divided by the requests wrk completed: nanoseconds of probe time per request, which land in the server's and
 * wrk's own syscalls. (bpf_stats adds ~20-40 ns per program run itself.)
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bpfObjectPath, forEachRecord, openObject } from '../../src/bpf/index.js';
import { RING_WAKEUP_EVERY } from '../../src/capture/machine.js';
import { captureHooks } from '../../receivers/kernel_socket/programs.js';
import { PidBitmap } from '../../src/discovery/pid-bitmap.js';
import { AgentProcess, processCpuSeconds } from './agent.js';
import { startNginx, startNode, stopTarget } from './targets.js';
import { wrk } from './wrk.js';

const { values: opt } = parseArgs({
  options: {
    target: { type: 'string', default: 'nginx' },
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'none,idle,floor0,floor1,floor2,probes,stats,agent,agent-metrics' },
    port: { type: 'string', default: '19693' }, // the target's; the agent's Prometheus port is port + 2
    headers: { type: 'string', default: 'wrk' }, // wrk: wrk's own request (Host only); browser: a browser's ~400-byte head
    'object-b': { type: 'string' }, // another kernel_socket.bpf.o: modes ending in `-b` (stats-b, idle-b, idle-b+stats) load it (A/B in one run)
  },
});
const dir = mkdtempSync(join(tmpdir(), 'lumen-probe-cost-'));
const PORT = Number(opt.port);
/** `--headers browser`: every request carries the header lines a browser sends (Host first, as browsers and curl
 * put it), the head the kernel aggregation's template walk and the header scans see in real traffic. */
const browserScript = (): string => {
  const head = ['GET /small.txt HTTP/1.1', `Host: 127.0.0.1:${PORT}`, 'Connection: keep-alive',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
    'Accept-Encoding: gzip, deflate, br, zstd', 'Accept-Language: en-US,en;q=0.9', 'Sec-Fetch-Dest: document',
    'Sec-Fetch-Mode: navigate', 'Upgrade-Insecure-Requests: 1', '', ''].join('\r\n');
  const path = join(dir, 'browser.lua');
  writeFileSync(path, `local req = ${JSON.stringify(head)}\nrequest = function() return req end\n`);
  return path;
};
if (opt.headers !== 'wrk' && opt.headers !== 'browser') throw new Error(`--headers ${opt.headers}: expected wrk or browser`);
const LOAD = { threads: 2, connections: 50, seconds: Number(opt.seconds), ...(opt.headers === 'browser' ? { script: browserScript() } : {}) };
const MODES = opt.modes!.split(',');
/** `NAME=NUMBER&...` after a mode's `@`: load-time settings of its kernel_socket object. */
const settingsOf = (spec: string | undefined): Record<string, number> => Object.fromEntries((spec ?? '').split('&').filter(Boolean).map((kv) => {
  const [k, v] = kv.split('=');
  if (!k || v === undefined || !/^\d+$/.test(v)) throw new Error(`mode setting ${kv}: expected NAME=NUMBER`);
  return [k, Number(v)];
}));
const target = opt.target === 'node' ? await startNode(PORT + 1) : await startNginx(join(dir, 'nginx'), PORT);
/** The processes serving the requests: nginx's workers (children of its master), or the Node server. */
const workerPids = (): number[] => opt.target === 'node'
  ? [target.child.pid!]
  : execSync(`pgrep -P ${target.child.pid}`).toString().trim().split('\n').map(Number);

/** utime + stime of the serving processes, in seconds: their own CPU per request moves less with the machine's
 * other load than throughput does. */
const serverCpu = (): number => workerPids().reduce((t, p) => t + processCpuSeconds(p), 0);

interface ProgStat { id: number; name: string; run_cnt: number; run_time_ns: number }
const allProgs = (): ProgStat[] => JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j']).toString()) as ProgStat[];
/** The programs this mode loaded (ids new after its attach): other copies of the same programs (other tests,
 * other agents on a shared machine) have the same names and are left out of the stats. */
let mine = new Set<number>();
const progStats = (): Map<string, ProgStat> => new Map(allProgs().filter((p) => mine.has(p.id)).map((p) => [p.name, p]));

/** A metrics-only pipeline (RED metrics to Prometheus, no traces pipeline). */
const metricsOnly = (ports: string, endpoint: string) => `
discovery: { instrument: [ { open_ports: "${ports}" } ] }
receivers: { kernel_socket: {} }
processors: { routes: { unmatched: heuristic } }
exporters: { prometheus: { endpoint: "${endpoint}" } }
service:
  telemetry: { logs: { level: info } }
  pipelines:
    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }
`;

const rps = new Map<string, number[]>();
const serverUs = new Map<string, number[]>();
const perRequest = new Map<string, number[]>();
const runsPerRequest = new Map<string, number[]>(); // bpf_stats run_cnt per request: how often each program fires
const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const i = s.length >> 1; return s.length % 2 ? s[i]! : (s[i - 1]! + s[i]!) / 2; };
const statsWas = readFileSync('/proc/sys/kernel/bpf_stats_enabled', 'utf8').trim();

try {
  await wrk(target.url, { ...LOAD, seconds: 2 });
  for (let round = 1; round <= Number(opt.rounds); round++) {
    for (const mode of MODES) {
      let stop = async () => {};
      let stats = false;
      const before = new Set(allProgs().map((p) => p.id));
      const [kind, spec] = mode.split('@') as [string, string | undefined];
      const settings = settingsOf(spec);
      const ks = kind.replace(/\+stats$/, '').replace(/-b$/, '');
      if (ks === 'idle' || ks === 'probes' || ks === 'stats' || ks === 'agg') {
        const objPath = /-b(\+stats)?$/.test(kind) ? opt['object-b']! : bpfObjectPath('kernel_socket');
        // agg: the kernel aggregation on (as for a metrics-only pipeline), bucket bounds left empty (one bucket)
        const agg = ks === 'agg';
        const obj = openObject(objPath, {
          rodata: { self_tgid: process.pid, lumen_rb_wakeup_every: RING_WAKEUP_EVERY, ...(agg ? { ks_aggregate: 1 } : {}), ...settings },
          ...(agg ? { mapSizes: { ks_agg: 64, ks_agg_tmpl: 64 } } : {}),
        });
        let records = 0;
        const sub = obj.ringBuffer('ks_events', { pollTimeoutMs: 50 }).subscribe((b) => { forEachRecord(b, () => { records++; }); });
        if (ks !== 'idle') {
          const pids = obj.map('ks_pids');
          if (pids.info.type === 'array') for (const p of workerPids()) new PidBitmap(pids).set(p, true);
          else for (const p of workerPids()) { const k = Buffer.alloc(4); k.writeUInt32LE(p); pids.update(k, Buffer.from([1])); } // an older object (--object-b)
        }
        for (const p of captureHooks(obj.programs)) obj.attach(p); // sk_msg/sock_ops: off by default
        stats = ks === 'stats' || ks === 'agg' || kind.endsWith('+stats');
        stop = async () => {
          if (agg || spec) console.error(`  ${mode}: ${records} ring records`);
          sub.unsubscribe(); obj.close();
        };
      } else if (mode.startsWith('floor')) {
        const obj = openObject(bpfObjectPath('bench_floor'), { rodata: { level: parseInt(mode.slice(5), 10), lumen_rb_wakeup_every: RING_WAKEUP_EVERY } });
        stats = mode.endsWith('+stats');
        const sub = obj.ringBuffer('floor_events', { pollTimeoutMs: 50 }).subscribe((b) => { forEachRecord(b, () => {}); });
        const pids = obj.map('floor_pids');
        for (const p of workerPids()) { const k = Buffer.alloc(4); k.writeUInt32LE(p); pids.update(k, Buffer.from([1])); }
        for (const p of ['floor_recv', 'floor_send']) obj.attach(p);
        stop = async () => { sub.unsubscribe(); obj.close(); };
      } else if (mode.startsWith('agent')) {
        const ports = String(opt.target === 'node' ? PORT + 1 : PORT);
        const agent = mode.startsWith('agent-metrics')
          ? await AgentProcess.startWith(dir, metricsOnly(ports, `127.0.0.1:${PORT + 2}`), `127.0.0.1:${PORT + 2}`, false)
          : await AgentProcess.start(dir, ports, `127.0.0.1:${PORT + 2}`, false);
        stats = mode.endsWith('+stats');
        await new Promise((r) => setTimeout(r, 1500));
        stop = async () => {
          // which path the requests took: kernel series (kernel_aggregation) or one ring record each
          const [aggregated, records] = await Promise.all(['lumen_kernel_socket_aggregated_requests_total', 'lumen_kernel_socket_bpf_records_total'].map((n) => agent.counter(n)));
          console.error(`  ${mode}: ${aggregated} requests aggregated in the kernel, ${records} ring records`);
          await agent.stop();
        };
      }
      mine = new Set(allProgs().filter((p) => !before.has(p.id) && (p.name?.startsWith('ks_') || p.name?.startsWith('floor_'))).map((p) => p.id));
      await wrk(target.url, { ...LOAD, seconds: 1 });
      if (stats) writeFileSync('/proc/sys/kernel/bpf_stats_enabled', '1');
      const statsBefore = stats ? progStats() : undefined;
      const cpu0 = serverCpu();
      const r = await wrk(target.url, LOAD);
      push(serverUs, mode, ((serverCpu() - cpu0) * 1e6) / r.requests);
      if (stats) {
        const after = progStats();
        writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWas);
        let total = 0;
        for (const [name, a] of after) {
          const b = statsBefore!.get(name);
          if (!a.run_cnt) continue; // not attached in this mode
          const ns = (a.run_time_ns - (b?.run_time_ns ?? 0)) / r.requests;
          if (!(ns > 0)) continue;
          total += ns;
          push(perRequest, `${mode}: ${name}`, ns);
          push(runsPerRequest, `${mode}: ${name}`, (a.run_cnt - (b?.run_cnt ?? 0)) / r.requests);
        }
        push(perRequest, `${mode}: total`, total);
      }
      push(rps, mode, r.rps);
      const probeNs = stats ? `, probes ${perRequest.get(`${mode}: total`)!.at(-1)!.toFixed(0)} ns/request` : '';
      console.error(`round ${round} ${mode}: ${r.rps.toFixed(0)} req/s, server ${serverUs.get(mode)!.at(-1)!.toFixed(2)} µs CPU/request${probeNs}`);
      await stop();
    }
  }
} finally {
  writeFileSync('/proc/sys/kernel/bpf_stats_enabled', statsWas);
  await stopTarget(target);
}

const base = median(rps.get('none') ?? [NaN]);
console.log(`\nprobe cost, ${target.name}: wrk -t2 -c50 -d${opt.seconds}s saturating, ${opt.rounds} rounds (medians)`);
const baseUs = median(serverUs.get('none') ?? [NaN]);
console.table(MODES.map((m) => ({
  mode: m, 'req/s': median(rps.get(m)!).toFixed(0), ratio: (median(rps.get(m)!) / base).toFixed(3),
  'server µs CPU/request': median(serverUs.get(m)!).toFixed(2), 'CPU ratio': (baseUs / median(serverUs.get(m)!)).toFixed(3),
})));
if (perRequest.size) {
  console.log('probe time per request (bpf_stats; programs\' own run time, not the tracepoint dispatch around them):');
  console.table([...perRequest].map(([name, v]) => ({
    // the least disturbed round: other load on the machine only adds to a program's run time (interrupts, caches)
    program: name, 'ns / request': median(v).toFixed(0), 'lowest round': Math.min(...v).toFixed(0), 'runs / request': runsPerRequest.has(name) ? median(runsPerRequest.get(name)!).toFixed(2) : '',
  })));
}
process.exit(0);
