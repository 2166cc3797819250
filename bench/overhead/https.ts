/**
 * Overhead of Lumen on HTTPS (the tls_uprobe receiver, issue 7), side by side in one run:
 *   node --import tsx bench/overhead/https.ts [--seconds 10] [--rounds 2] [--connections 50] [--threads 2]
 *                                             [--file-bytes 15] [--receivers kernel_socket,tls_uprobe] [--dist]
 * Target: nginx (TLS with a self-signed certificate, 1 worker, access log off, keep-alive) serving a file of
 * --file-bytes. Loads, with Debian's wrk over HTTPS: saturating (as fast as wrk can; on 2 vCPUs wrk and nginx
 * already use every cycle, so whatever the probes and the agent spend comes out of throughput) and paced (each
 * connection waits 2 ms between requests: a fixed offered load). Each round runs every load without Lumen, then
 * starts `lumen run` (the real CLI, a separate process; a pipelines.yaml like the default one plus tls_uprobe:
 * routes → print_traces to /dev/null and → Prometheus; discovery limited to the port), waits until nginx's
 * processes have their TLS probes, runs every load again and stops the agent. Medians over rounds: requests/s
 * without/with and their ratio (target >= 0.95), p50/p99 latency, nginx's own CPU per request (the probes run in
 * its context), the agent's CPU-seconds per 10,000 requests and RSS, spans / requests
 * (lumen_tls_spans_total) and ring-buffer drops. The machine may be shared: the load average is printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentProcess, processesCpuSeconds as cpuSeconds } from './agent.js';
import { paceScript, wrk, type WrkResult } from './wrk.js';
import { cleanupAll, makeCerts, sleep, startNginxTls } from '../../receivers/tls_uprobe/test/servers.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    'file-bytes': { type: 'string', default: '15' },
    receivers: { type: 'string', default: 'kernel_socket,tls_uprobe' },
    dist: { type: 'boolean', default: false },
  },
});
const LOAD = { threads: Number(opt.threads), connections: Number(opt.connections), seconds: Number(opt.seconds) };
const ROUNDS = Number(opt.rounds);
const FILE_BYTES = Number(opt['file-bytes']);
const RECEIVERS = opt.receivers!.split(',');
const PORT = 19870;
const METRICS = '127.0.0.1:19871';

interface Sample extends WrkResult { nginxUsPerReq: number }
interface WithSample extends Sample { cpuPer10k: number; rssMiB: number; spans: number; drops: number }
const base = new Map<string, Sample[]>();
const withLumen = new Map<string, WithSample[]>();
const push = <T>(m: Map<string, T[]>, k: string, v: T) => m.set(k, [...(m.get(k) ?? []), v]);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const i = s.length >> 1; return s.length % 2 ? s[i]! : (s[i - 1]! + s[i]!) / 2; };
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const log = (s: string) => process.stderr.write(`${s}\n`);


const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-https-'));
const PACE = join(dir, 'pace.lua');
writeFileSync(PACE, paceScript(2));
const LOADS = [{ name: 'saturating', script: undefined }, { name: 'paced 2 ms', script: PACE }];
let agent: AgentProcess | undefined;
try {
  const nginx = await startNginxTls(PORT, makeCerts(), 1, 'x'.repeat(Math.max(0, FILE_BYTES - 1)) + '\n');
  const url = `https://127.0.0.1:${PORT}/index.html`;
  const run = async (script?: string): Promise<Sample> => {
    const c0 = cpuSeconds(nginx.pids());
    const r = await wrk(url, { ...LOAD, script });
    return { ...r, nginxUsPerReq: ((cpuSeconds(nginx.pids()) - c0) * 1e6) / r.requests };
  };
  await wrk(url, { ...LOAD, seconds: 2 }); // warm up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const l of LOADS) {
      const r = await run(l.script);
      push(base, l.name, r);
      log(`round ${round} ${l.name} without Lumen: ${r.rps.toFixed(0)} req/s p99 ${r.p99ms.toFixed(2)} ms (load ${loadavg()})`);
    }
    agent = await AgentProcess.start(dir, String(PORT), METRICS, opt.dist!, [], RECEIVERS);
    for (let i = 0; i < 400 && !nginx.pids().every((pid) => agent!.log().includes(`pid ${pid} (`)); i++) await sleep(50);
    if (!nginx.pids().every((pid) => agent!.log().includes(`pid ${pid} (`))) throw new Error(`nginx was not probed:\n${agent.log()}`);
    for (const l of LOADS) {
      const spans0 = await agent.counter('lumen_tls_spans_total');
      const drops0 = await agent.counter('lumen_tls_ringbuf_drops_total');
      const cpu0 = agent.cpuSeconds();
      const r = await run(l.script);
      const cpu = agent.cpuSeconds() - cpu0;
      await sleep(1500); // the agent drains and its counters catch up
      const spans = (await agent.counter('lumen_tls_spans_total')) - spans0;
      const drops = (await agent.counter('lumen_tls_ringbuf_drops_total')) - drops0;
      const s: WithSample = { ...r, cpuPer10k: cpu / (r.requests / 10_000), rssMiB: agent.memory().rssMiB, spans: spans / r.requests, drops };
      push(withLumen, l.name, s);
      log(`round ${round} ${l.name} with Lumen: ${r.rps.toFixed(0)} req/s p99 ${r.p99ms.toFixed(2)} ms, agent ${s.cpuPer10k.toFixed(3)} CPU-s/10k, spans/requests ${s.spans.toFixed(4)}, drops ${drops} (load ${loadavg()})`);
    }
    await agent.stop();
    agent = undefined;
  }
  const head = ['load', 'req/s without', 'req/s with', 'ratio', 'p50 ms without/with', 'p99 ms without/with', 'nginx CPU µs/req without/with', 'agent CPU-s/10k req', 'agent RSS MiB', 'spans/req', 'drops'];
  const rows = LOADS.map(({ name }) => {
    const b = base.get(name)!, w = withLumen.get(name)!;
    const rb = median(b.map((x) => x.rps)), rw = median(w.map((x) => x.rps));
    return [name, rb.toFixed(0), rw.toFixed(0), (rw / rb).toFixed(3),
      `${median(b.map((x) => x.p50ms)).toFixed(2)} / ${median(w.map((x) => x.p50ms)).toFixed(2)}`,
      `${median(b.map((x) => x.p99ms)).toFixed(2)} / ${median(w.map((x) => x.p99ms)).toFixed(2)}`,
      `${median(b.map((x) => x.nginxUsPerReq)).toFixed(1)} / ${median(w.map((x) => x.nginxUsPerReq)).toFixed(1)}`,
      median(w.map((x) => x.cpuPer10k)).toFixed(3), median(w.map((x) => x.rssMiB)).toFixed(0),
      median(w.map((x) => x.spans)).toFixed(4), String(w.reduce((a, x) => a + x.drops, 0))];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`nginx TLS (${FILE_BYTES}-byte file), wrk -t${LOAD.threads} -c${LOAD.connections} -d${LOAD.seconds}s, ${ROUNDS} rounds (medians), receivers ${RECEIVERS.join('+')}, load average ${loadavg()}\n`);
  process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
} finally {
  await agent?.stop();
  await cleanupAll();
  rmSync(dir, { recursive: true, force: true });
}
