/**
 * HTTPS overhead of the tls_uprobe receiver, side by side in one run (the machine is shared: compare ratios,
 * rerun to see the noise):
 *   node --import tsx bench/overhead/https.ts [seconds=10] [rounds=3] [connections=50] [file_bytes=15]
 * nginx (TLS, 1 worker, a file of file_bytes, keep-alive) is loaded with Debian's wrk (2 threads) in three modes,
 * interleaved per round, medians reported:
 *   - baseline: no Lumen;
 *   - tls_uprobe: the receiver (real Discovery selecting nginx by port) in this process;
 *   - tls_uprobe+kernel_socket: plus the kernel socket receiver, as a default agent runs both (it sees nginx's
 *     ciphertext and discards it).
 * Printed: requests/s and the ratio to baseline (target >= 0.95), p99 latency, nginx's own CPU per request (the
 * probes run in its context: uprobe traps and BPF), Lumen's CPU-seconds per 10,000 requests (this process's
 * user+system CPU during the run), its RSS, and spans seen vs requests completed.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Receiver } from '../../src/pipeline/component.js';
import { createDiscovery } from '../../src/discovery/index.js';
import { testContext } from '../../test/support/context.js';
import { tlsUprobeFactory } from '../../receivers/tls_uprobe/index.js';
import { kernelSocketReceiverFactory } from '../../receivers/kernel_socket/index.js';
import { cleanupAll, makeCerts, sleep, startNginxTls } from '../../receivers/tls_uprobe/test/servers.js';

const seconds = Number(process.argv[2] ?? 10);
const rounds = Number(process.argv[3] ?? 3);
const connections = Number(process.argv[4] ?? 50);
const fileBytes = Number(process.argv[5] ?? 15);
const PORT = 19870;
type Mode = 'baseline' | 'tls_uprobe' | 'tls_uprobe+kernel_socket';
const MODES: Mode[] = (process.env['BENCH_MODES']?.split(',') as Mode[] | undefined) ?? ['baseline', 'tls_uprobe', 'tls_uprobe+kernel_socket'];

interface Sample { rps: number; p99ms: number; requests: number; nginxUsPerReq: number; cpuPer10k?: number; rssMiB?: number; spans?: number }

/** wrk in a child process, asynchronously: this process's event loop keeps consuming the ring buffer meanwhile. */
async function wrk(nginxPids: number[]): Promise<{ rps: number; p99ms: number; requests: number; nginxUsPerReq: number }> {
  const t0 = cpuTicks(nginxPids);
  const child = spawn('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', `https://127.0.0.1:${PORT}/index.html`]);
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { out += String(d); });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  const ticks = cpuTicks(nginxPids) - t0;
  if (code !== 0) throw new Error(`wrk failed (${code}): ${out}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const m = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const p99ms = m ? Number(m[1]) * ({ us: 1e-3, ms: 1, s: 1000 }[m[2] as 'us' | 'ms' | 's']) : NaN;
  if (!Number.isFinite(rps) || !Number.isFinite(requests)) throw new Error(`cannot parse wrk output:\n${out}`);
  return { rps, p99ms, requests, nginxUsPerReq: (ticks * 10_000) / requests };
}

/** User+system CPU of processes, in clock ticks (1/100 s). */
function cpuTicks(pids: number[]): number {
  let t = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
      t += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return t;
}

async function runMode(mode: Mode, nginxPids: number[]): Promise<Sample> {
  if (mode === 'baseline') return await wrk(nginxPids);
  const base = testContext('bench');
  const discovery = createDiscovery({ instrument: [{ open_ports: String(PORT) }] }, { logger: base.logger, telemetry: base.telemetry, hostName: 'bench' });
  await discovery.start();
  const ctx = testContext('tls_uprobe', { discovery, metrics: base.metrics });
  const receivers: Receiver[] = [tlsUprobeFactory.create(tlsUprobeFactory.defaultConfig(), ctx)];
  if (mode === 'tls_uprobe+kernel_socket') {
    receivers.push(kernelSocketReceiverFactory.create(kernelSocketReceiverFactory.defaultConfig(), testContext('kernel_socket', { discovery, metrics: base.metrics })));
  }
  let spans = 0;
  const subs = receivers.map((r) => r.output.subscribe((b) => { if (b.kind === 'spans') spans += b.items.length; }));
  for (const r of receivers) await r.start();
  // every nginx process probed before the load starts
  for (let i = 0; i < 200 && !nginxPids.every((pid) => ctx.logs.some((l) => l.msg.includes(`pid ${pid} (`))); i++) await sleep(25);
  const profile = process.env['BENCH_CPU_PROFILE'] ? await startProfile() : undefined;
  const c0 = process.cpuUsage();
  const before = spans;
  const w = await wrk(nginxPids);
  const c = process.cpuUsage(c0);
  if (profile) await profile(`${process.env['BENCH_CPU_PROFILE']}.${mode}.cpuprofile`);
  await sleep(500); // the last records
  const seen = spans - before;
  const rssMiB = process.memoryUsage().rss / 2 ** 20;
  const counters = base.metrics.collect().filter((m) => m.name.startsWith('lumen_tls') && m.value > 0 && /drop|unbound|non_http|overflow|incomplete|unknown|malformed|unparsable/.test(m.name));
  if (counters.length) console.error(`  ${mode} counters: ${counters.map((m) => `${m.name}${JSON.stringify(m.labels)}=${m.value}`).join(' ')}`);
  for (const r of receivers) await r.shutdown();
  subs.forEach((s) => s.unsubscribe());
  await discovery.shutdown();
  return { ...w, cpuPer10k: ((c.user + c.system) / 1e6) / (w.requests / 10_000), rssMiB, spans: seen };
}

/**
 * BENCH_CPU_PROFILE=<prefix>: a V8 CPU profile of the measured run only, through the inspector (node --cpu-prof
 * would also profile start-up, whose SIGPROF signals keep interrupting the BPF verifier: EAGAIN).
 */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

async function main(): Promise<void> {
  const certs = makeCerts();
  const nginx = await startNginxTls(PORT, certs, 1, 'x'.repeat(Math.max(0, fileBytes - 1)) + '\n');
  const results = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
  try {
    await wrk(nginx.pids()); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const mode of MODES) {
        const s = await runMode(mode, nginx.pids());
        results.get(mode)!.push(s);
        console.error(`round ${r + 1} ${mode}: ${s.rps.toFixed(0)} req/s p99 ${s.p99ms.toFixed(2)} ms${s.spans !== undefined ? ` spans ${s.spans}/${s.requests}` : ''}`);
      }
    }
  } finally {
    await cleanupAll();
  }
  const base = median((results.get('baseline') ?? []).map((s) => s.rps));
  const rows = MODES.map((mode) => {
    const ss = results.get(mode)!;
    const rps = median(ss.map((s) => s.rps));
    return [mode, rps.toFixed(0), (rps / base).toFixed(3), median(ss.map((s) => s.p99ms)).toFixed(2), median(ss.map((s) => s.nginxUsPerReq)).toFixed(1),
      mode === 'baseline' ? '-' : median(ss.map((s) => s.cpuPer10k ?? NaN)).toFixed(3),
      mode === 'baseline' ? '-' : median(ss.map((s) => s.rssMiB ?? NaN)).toFixed(0),
      mode === 'baseline' ? '-' : ss.map((s) => `${s.spans}/${s.requests}`).join(' ')];
  });
  const head = ['mode', 'req/s', 'ratio', 'p99 ms', 'nginx CPU µs/req', 'Lumen CPU-s/10k req', 'RSS MiB', 'spans/requests per round'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  process.stdout.write(`nginx TLS (${fileBytes}-byte file), wrk -t2 -c${connections} -d${seconds}s, ${rounds} rounds (medians), load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}\n`);
  process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
