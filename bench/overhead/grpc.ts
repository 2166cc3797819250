/**
 * Overhead of Lumen's HTTP/2 capture on gRPC (kernel_socket: frames forwarded, HPACK and streams in TypeScript),
 * side by side in one run:
 *   node --import tsx bench/overhead/grpc.ts [--seconds 10] [--rounds 3] [--concurrency 50]
 * A Go gRPC server (Debian's golang-google-grpc-dev, receivers/kernel_socket/test/programs/http2/grpcgo) and a
 * Go load client making unary calls (64-byte request, 128-byte reply) from `--concurrency` goroutines on one
 * HTTP/2 connection. Each round runs the load without Lumen, then with `lumen run` (the real CLI, discovery
 * selecting the server's port, so only server spans), alternating. Printed: calls/s without and with and their
 * ratio, the agent's CPU-seconds per 10,000 calls (/proc/PID/stat), spans / calls (every call must be a span),
 * ring-buffer drops and HTTP/2 connections lost. The machine may be shared: the load average is printed per run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentProcess } from './agent.js';
import { loadAverage as load, log, median } from './stats.js';
import { cleanUp } from '../../test/support/cleanup.js';
import { grpcGo } from '../../receivers/kernel_socket/test/grpc-go.js';
import { startProc, stopAllProcs, waitForPort } from '../../receivers/kernel_socket/test/support.js';

const { values: opt } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '50' }, dist: { type: 'boolean', default: false } },
});
const PORT = 20890;
const METRICS = '127.0.0.1:20891';
const bin = grpcGo();

/** One load run: calls completed and calls/s. */
async function run(seconds: number): Promise<{ calls: number; rate: number }> {
  const p = spawn(bin, ['client', String(PORT), 'load', String(seconds), opt.concurrency!], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  p.stdout!.on('data', (d) => { out += String(d); });
  p.stdin!.end('go\n');
  const t0 = process.hrtime.bigint();
  const code = await new Promise<number | null>((r) => p.on('exit', r));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /DONE load (\{.*\})/.exec(out);
  if (code !== 0 || !m) throw new Error(`load client failed (${code}): ${out}`);
  const { calls, failed } = JSON.parse(m[1]!) as { calls: number; failed: number };
  if (failed) throw new Error(`${failed} calls failed`);
  return { calls, rate: calls / Math.min(secs, seconds) };
}

const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-grpc-'));
const base: number[] = [];
const withLumen: Array<{ rate: number; cpuPer10k: number; spansPerCall: number; drops: number; lost: number }> = [];
let agent: AgentProcess | undefined;
try {
  startProc(bin, ['server', String(PORT), 'lumen-bench-grpc']);
  await waitForPort(PORT);
  await run(2); // warm up
  const seconds = Number(opt.seconds);
  for (let round = 1; round <= Number(opt.rounds); round++) {
    const b = await run(seconds);
    base.push(b.rate);
    log(`round ${round} without Lumen: ${b.rate.toFixed(0)} calls/s (load ${load()})`);
    agent = await AgentProcess.start(dir, String(PORT), METRICS, opt.dist);
    await new Promise((r) => setTimeout(r, 1500)); // discovery settles, the allow-list is in place
    const spans0 = await agent.counter('lumen_kernel_socket_spans_total');
    const drops0 = await agent.counter('lumen_kernel_socket_ringbuf_drops_total');
    const cpu0 = agent.cpuSeconds();
    const w = await run(seconds);
    await new Promise((r) => setTimeout(r, 1500)); // the last batches drain, the connection's close flushes
    const cpu = agent.cpuSeconds() - cpu0;
    const spans = (await agent.counter('lumen_kernel_socket_spans_total')) - spans0;
    const drops = (await agent.counter('lumen_kernel_socket_ringbuf_drops_total')) - drops0;
    const lost = await agent.counter('lumen_kernel_socket_discarded_total{reason="http2_frames_lost"}');
    withLumen.push({ rate: w.rate, cpuPer10k: cpu / (w.calls / 10_000), spansPerCall: spans / w.calls, drops, lost });
    log(`round ${round} with Lumen:    ${w.rate.toFixed(0)} calls/s, agent ${cpu.toFixed(2)} CPU-s for ${w.calls} calls, ${spans} spans (load ${load()})`);
    await agent.stop();
    agent = undefined;
  }
  const rb = median(base), rw = median(withLumen.map((x) => x.rate));
  console.log(`\ngRPC overhead (Go server and client, unary, ${opt.concurrency} concurrent calls on one connection, ${seconds}s runs, ${opt.rounds} rounds alternating, medians), load average now ${load()}`);
  console.table([{
    'target / load': 'go grpc / unary saturating',
    'calls/s without': rb.toFixed(0),
    'calls/s with': rw.toFixed(0),
    ratio: (rw / rb).toFixed(3),
    'agent CPU-s / 10k calls': median(withLumen.map((x) => x.cpuPer10k)).toFixed(3),
    'spans / calls': median(withLumen.map((x) => x.spansPerCall)).toFixed(4),
    drops: withLumen.reduce((a, x) => a + x.drops, 0),
  }]);
} finally {
  await cleanUp(() => agent?.stop(), stopAllProcs, () => rmSync(dir, { recursive: true, force: true }));
}
