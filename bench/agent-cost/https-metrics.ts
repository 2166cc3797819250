/**
 * The agent's CPU per HTTPS request for a metrics-only pipeline (tls_uprobe → routes → prometheus), with and
 * without the kernel aggregation, alternating in one run:
 *   node --import tsx bench/agent-cost/https-metrics.ts [--seconds 8] [--rounds 2] [--port 20440]
 *        [--before-cli OTHER/bin/lumen.js]   (before = that checkout's CLI with `tls_uprobe: {}`; default: this
 *                                             build with `kernel_aggregation: off`, which is what it did before)
 * nginx (TLS, one worker, a 15-byte file, keep-alive) under wrk -t2 -c50 over HTTPS, saturating. Each round runs
 * `before` then `after` (`kernel_aggregation: auto`): a fresh `lumen run` (compiled CLI), discovery limited to
 * the port, wait until nginx has its TLS probes, 2 s warm-up, the agent's CPU over as many seconds without load
 * (its fixed cost: discovery, maintenance, Prometheus), then the measured load. Per mode: requests/s, the
 * agent's utime+stime over the load per request (µs), the same less the idle window's CPU (what the requests
 * themselves cost it), the requests it saw (lumen_tls_spans_total +
 * lumen_tls_aggregated_requests_total: a span each, or counted in the kernel), nginx's CPU per request (the probes
 * run in it), the agent's peak RSS and the load average.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentProcess, processesCpuSeconds as cpuSeconds } from '../overhead/agent.js';
import { loadAverage, log } from '../overhead/stats.js';
import { wrk } from '../overhead/wrk.js';
import { cleanupAll, makeCerts, startNginxTls } from '../../receivers/tls_uprobe/test/servers.js';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    port: { type: 'string', default: '20440' },
    'before-cli': { type: 'string' },
  },
});
const PORT = Number(opt.port);
const METRICS = `127.0.0.1:${PORT + 1}`;
const URL_ = `https://127.0.0.1:${PORT}/index.html`;

function yaml(tls: string): string {
  return `discovery: { instrument: [ { open_ports: "${PORT}" } ] }
receivers: { tls_uprobe: ${tls} }
processors: { routes: { unmatched: heuristic } }
exporters: { prometheus: { endpoint: "${METRICS}" } }
service:
  telemetry: { logs: { level: info } }
  pipelines:
    metrics: { receivers: [tls_uprobe], processors: [routes], exporters: [prometheus] }
`;
}

const MODES = [
  opt['before-cli']
    ? { name: 'before (other CLI)', yaml: yaml('{}'), cli: resolve(opt['before-cli']) }
    : { name: 'before (kernel_aggregation: off)', yaml: yaml('{ kernel_aggregation: off }'), cli: undefined },
  { name: 'after (kernel aggregation)', yaml: yaml('{}'), cli: undefined },
];


const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-https-metrics-'));
const rows: string[] = [];
try {
  const nginx = await startNginxTls(PORT, makeCerts(), 1, 'x'.repeat(14) + '\n');
  for (let round = 1; round <= Number(opt.rounds); round++) {
    for (const m of MODES) rows.push(await measure(m, nginx.pids(), round));
  }
  console.log(`\nagent CPU per HTTPS request, metrics only (tls_uprobe → routes → prometheus), nginx TLS, wrk -t2 -c50 -d${opt.seconds}s saturating, compiled CLI\n`);
  console.log('| round | mode | requests/s | requests seen | agent CPU-s (same time idle) | **agent µs per request** | less idle | nginx µs per request | agent peak RSS | load average |\n|---|---|---|---|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
} finally {
  await cleanupAll();
  rmSync(dir, { recursive: true, force: true });
}

async function measure(m: (typeof MODES)[number], nginxPids: number[], round: number): Promise<string> {
  const agent = await AgentProcess.startWith(dir, m.yaml, METRICS, true, [], m.cli);
  try {
    const worker = nginxPids[nginxPids.length - 1]!;
    const until = Date.now() + 30_000;
    while (!(agent.log().includes(`pid ${worker} (`) && agent.log().includes('TLS probes on'))) {
      if (Date.now() > until) throw new Error(`nginx ${worker} got no TLS probes:\n${agent.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await wrk(URL_, { threads: 2, connections: 50, seconds: 2 }); // warm-up
    await new Promise((r) => setTimeout(r, 1500));
    const idle0 = agent.cpuSeconds();
    await new Promise((r) => setTimeout(r, Number(opt.seconds) * 1000));
    const idle = agent.cpuSeconds() - idle0;
    const seen = async () => (await agent.counter('lumen_tls_spans_total')) + (await agent.counter('lumen_tls_aggregated_requests_total'));
    const seen0 = await seen();
    const cpu0 = agent.cpuSeconds(), nginx0 = cpuSeconds(nginxPids);
    const r = await wrk(URL_, { threads: 2, connections: 50, seconds: Number(opt.seconds) });
    const nginxCpu = cpuSeconds(nginxPids) - nginx0;
    const load = loadAverage();
    await new Promise((res) => setTimeout(res, 1500)); // the last records drain, the kernel series are read
    const cpu = agent.cpuSeconds() - cpu0;
    const n = (await seen()) - seen0;
    const peak = agent.memory().peakMiB;
    const us = (x: number) => ((x * 1e6) / r.requests).toFixed(2);
    log(`${m.name}: ${r.requests} requests (${r.rps.toFixed(0)}/s), ${n} seen, agent ${cpu.toFixed(2)} CPU-s = ${us(cpu)} µs/request (idle ${idle.toFixed(2)} CPU-s), load ${load}`);
    return `| ${round} | ${m.name} | ${r.rps.toFixed(0)} | ${n} | ${cpu.toFixed(2)} (idle ${idle.toFixed(2)}) | **${us(cpu)}** | ${us(cpu - idle)} | ${((nginxCpu * 1e6) / r.requests).toFixed(1)} | ${peak.toFixed(0)} MiB | ${load} |`;
  } finally {
    await agent.stop();
  }
}
