/**
 * Overhead of Lumen's kernel_socket receiver on plain HTTP, side by side in one run:
 *   node --import tsx bench/overhead/run.ts [--seconds 10] [--rounds 2] [--connections 50] [--threads 2] [--dist]
 * Targets: nginx (1 worker) serving a 12-byte file, and a Node http server. Two loads per target: wrk
 * saturating (as fast as it can; on 2 vCPUs wrk and the server already use every cycle, so anything Lumen spends
 * comes out of throughput) and wrk paced (each connection waits 2 ms between requests: a fixed offered load, about
 * a quarter of saturation, where latency is what moves). For each round: every load without Lumen, then with
 * `lumen run` (the real CLI as a separate process, a pipelines.yaml like the default one: print_traces to
 * /dev/null + Prometheus, discovery limited to the two ports), then the agent stops. Medians over rounds are
 * printed: requests/s with and without and their ratio (target >= 0.95), p50/p99 latency with and without, the
 * agent's CPU-seconds per 10,000 requests from /proc/PID/stat (target <= 0.25), its RSS, V8 heap and external
 * memory at the end of the load (lumen_process_*), and spans / requests
 * (every request must be a span). The machine may be shared: the load average is printed; rerun to see the noise.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentProcess } from './agent.js';
import { startNginx, startNode, stopTarget, type Target } from './targets.js';
import { paceScript, wrk, type WrkResult } from './wrk.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    dist: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(opt.seconds);
const ROUNDS = Number(opt.rounds);
const LOAD = { threads: Number(opt.threads), connections: Number(opt.connections), seconds: SECONDS };
const NGINX_PORT = 19690;
const NODE_PORT = 19691;
const METRICS = '127.0.0.1:19692';

interface WithSample extends WrkResult { cpuPer10k: number; rssMiB: number; heapMiB: number; externalMiB: number; spans: number; drops: number }
const base = new Map<string, WrkResult[]>();
const withLumen = new Map<string, WithSample[]>();
const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const i = s.length >> 1; return s.length % 2 ? s[i]! : (s[i - 1]! + s[i]!) / 2; };
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-overhead-'));
const PACE = join(dir, 'pace.lua');
writeFileSync(PACE, paceScript(2));
const LOADS = [{ name: 'saturating', script: undefined }, { name: 'paced 2 ms', script: PACE }];
const targets: Target[] = [];
const rowsOf = () => targets.flatMap((t) => LOADS.map((l) => ({ key: `${t.name} / ${l.name}`, target: t, load: l })));
let agent: AgentProcess | undefined;
try {
  targets.push(await startNginx(join(dir, 'nginx'), NGINX_PORT), await startNode(NODE_PORT));
  for (const t of targets) await wrk(t.url, { ...LOAD, seconds: 2 }); // warm up (JIT, page cache)
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { key, target: t, load: l } of rowsOf()) {
      const r = await wrk(t.url, { ...LOAD, script: l.script });
      push(base, key, r);
      log(`round ${round} ${key} without Lumen: ${r.rps.toFixed(0)} req/s p99 ${r.p99ms.toFixed(2)} ms (load ${load()})`);
    }
    agent = await AgentProcess.start(dir, `${NGINX_PORT}-${NODE_PORT}`, METRICS, opt.dist);
    await new Promise((r) => setTimeout(r, 1500)); // discovery settles, the allow-list is in place
    for (const { key, target: t, load: l } of rowsOf()) {
      await wrk(t.url, { ...LOAD, seconds: 1 }); // connections of this run are seen from their accept
      await new Promise((res) => setTimeout(res, 500));
      const spans0 = await agent.counter('lumen_kernel_socket_spans_total');
      const drops0 = await agent.counter('lumen_kernel_socket_ringbuf_drops_total');
      const cpu0 = agent.cpuSeconds();
      const r = await wrk(t.url, { ...LOAD, script: l.script });
      const heapMiB = (await agent.counter('lumen_process_heap_used_bytes')) / 2 ** 20;
      const externalMiB = (await agent.counter('lumen_process_external_memory_bytes')) / 2 ** 20;
      await new Promise((res) => setTimeout(res, 1000)); // the last batches drain
      const cpu = agent.cpuSeconds() - cpu0;
      const spans = (await agent.counter('lumen_kernel_socket_spans_total')) - spans0;
      const drops = (await agent.counter('lumen_kernel_socket_ringbuf_drops_total')) - drops0;
      const s: WithSample = { ...r, cpuPer10k: cpu / (r.requests / 10_000), rssMiB: agent.memory().rssMiB, heapMiB, externalMiB, spans, drops };
      push(withLumen, key, s);
      log(`round ${round} ${key} with Lumen:    ${r.rps.toFixed(0)} req/s p99 ${r.p99ms.toFixed(2)} ms, agent ${cpu.toFixed(2)} CPU-s for ${r.requests} requests, ${spans} spans, RSS ${s.rssMiB.toFixed(0)} MiB (load ${load()})`);
    }
    const peak = agent.memory().peakMiB;
    await agent.stop();
    agent = undefined;
    log(`round ${round}: agent peak RSS ${peak.toFixed(0)} MiB`);
  }
  report();
} finally {
  await agent?.stop();
  for (const t of targets) await stopTarget(t);
  rmSync(dir, { recursive: true, force: true });
}

function report(): void {
  const rows = rowsOf().map(({ key }) => {
    const b = base.get(key)!;
    const w = withLumen.get(key)!;
    const rpsB = median(b.map((x) => x.rps));
    const rpsW = median(w.map((x) => x.rps));
    const req = w.reduce((a, x) => a + x.requests, 0);
    const spans = w.reduce((a, x) => a + x.spans, 0);
    return {
      'target / load': key,
      'req/s without': rpsB.toFixed(0),
      'req/s with': rpsW.toFixed(0),
      ratio: (rpsW / rpsB).toFixed(3),
      'p50 ms without/with': `${median(b.map((x) => x.p50ms)).toFixed(2)} / ${median(w.map((x) => x.p50ms)).toFixed(2)}`,
      'p99 ms without/with': `${median(b.map((x) => x.p99ms)).toFixed(2)} / ${median(w.map((x) => x.p99ms)).toFixed(2)}`,
      'agent CPU-s / 10k req': median(w.map((x) => x.cpuPer10k)).toFixed(3),
      'agent RSS MiB': median(w.map((x) => x.rssMiB)).toFixed(0),
      'heap / external MiB': `${median(w.map((x) => x.heapMiB)).toFixed(0)} / ${median(w.map((x) => x.externalMiB)).toFixed(0)}`,
      'spans / requests': (spans / req).toFixed(4),
      drops: w.reduce((a, x) => a + x.drops, 0),
    };
  });
  console.log(`\nkernel_socket overhead: wrk -t${LOAD.threads} -c${LOAD.connections} -d${SECONDS}s, ${ROUNDS} rounds (medians), ` +
    `agent ${opt.dist ? 'bin/lumen.js (dist)' : 'sources through tsx'}, load average now ${load()}`);
  console.table(rows);
  console.log('targets: ratio >= 0.95, agent CPU-s / 10k requests <= 0.25');
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
