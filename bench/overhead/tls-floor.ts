/**
 * What the uprobe traps of TLS capture cost nginx by themselves, with nothing done in the probes:
 *   node --import tsx bench/overhead/tls-floor.ts [--seconds 6] [--rounds 2]
 * nginx with TLS (1 worker) saturated by wrk over HTTPS (2 threads, 50 keep-alive connections), in these modes:
 * no probes; empty uprobes (bpf/bench_floor.bpf.c) at exactly the points tls_uprobe probes (its own plan for
 * libssl.so.3: OpenSSL's internal read/write), entry only and entry + return (the return is what tls_uprobe needs:
 * SSL_read's plaintext exists only when it returns); the real agent with tls_uprobe; with kernel_socket; with
 * both. Per mode: req/s, the ratio to no probes, and nginx's own CPU µs per request.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bpfObjectPath, openObject } from '../../src/bpf/index.js';
import type { BpfLink } from '../../src/bpf/types.js';
import { cleanupAll, makeCerts, sleep, startNginxTls } from '../../receivers/tls_uprobe/test/servers.js';
import { findTlsFunctions } from '../../receivers/tls_uprobe/functions.js';
import { probePlan } from '../../receivers/tls_uprobe/plan.js';
import { AgentProcess, processCpuSeconds } from './agent.js';
import { median } from './stats.js';
import { wrk } from './wrk.js';

const { values: opt } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, rounds: { type: 'string', default: '2' } } });
const LOAD = { threads: 2, connections: 50, seconds: Number(opt.seconds) };
const PORT = 19872;
const LIBSSL = '/usr/lib/x86_64-linux-gnu/libssl.so.3';
const MODES = ['none', 'entry traps', 'entry+return traps', 'agent tls_uprobe', 'agent kernel_socket', 'agent both'] as const;
const AGENT_RECEIVERS: Record<string, string[]> = {
  'agent tls_uprobe': ['tls_uprobe'], 'agent kernel_socket': ['kernel_socket'], 'agent both': ['kernel_socket', 'tls_uprobe'],
};
const plan = probePlan(await findTlsFunctions(LIBSSL, true));
const cpu = (pids: number[]) => pids.reduce((t, p) => t + processCpuSeconds(p), 0);

const dir = mkdtempSync(join(tmpdir(), 'lumen-tls-floor-'));
const nginx = await startNginxTls(PORT, makeCerts(), 1, 'hello world\n');
const url = `https://127.0.0.1:${PORT}/index.html`;
const rps = new Map<string, number[]>();
const us = new Map<string, number[]>();
try {
  await wrk(url, { ...LOAD, seconds: 2 });
  for (let round = 1; round <= Number(opt.rounds); round++) {
    for (const mode of MODES) {
      let stop = async () => {};
      if (mode === 'entry traps' || mode === 'entry+return traps') {
        const obj = openObject(bpfObjectPath('bench_floor'));
        const links: BpfLink[] = [];
        for (const pid of nginx.pids()) {
          for (const p of plan.points) {
            if (p.retprobe && mode === 'entry traps') continue;
            links.push(obj.attachUprobe(p.retprobe ? 'floor_uretprobe' : 'floor_uprobe', { binary: LIBSSL, offset: p.offset, pid, retprobe: p.retprobe }));
          }
        }
        stop = async () => { for (const l of links) l.close(); obj.close(); };
      } else if (mode.startsWith('agent')) {
        const receivers = AGENT_RECEIVERS[mode]!;
        const agent = await AgentProcess.start(dir, String(PORT), '127.0.0.1:19873', false, [], receivers);
        if (receivers.includes('tls_uprobe')) for (let i = 0; i < 400 && !nginx.pids().every((pid) => agent.log().includes(`pid ${pid} (`)); i++) await sleep(50);
        else await sleep(1500);
        stop = () => agent.stop();
      }
      const c0 = cpu(nginx.pids());
      const r = await wrk(url, LOAD);
      const perReq = ((cpu(nginx.pids()) - c0) * 1e6) / r.requests;
      rps.set(mode, [...(rps.get(mode) ?? []), r.rps]);
      us.set(mode, [...(us.get(mode) ?? []), perReq]);
      process.stderr.write(`round ${round} ${mode}: ${r.rps.toFixed(0)} req/s, nginx ${perReq.toFixed(1)} µs/request\n`);
      await stop();
    }
  }
} finally {
  await cleanupAll();
}
const base = median(rps.get('none')!);
console.log(`\nTLS trap floor: nginx TLS, wrk -t2 -c50 -d${opt.seconds}s saturating, ${opt.rounds} rounds (medians)`);
console.table(MODES.map((m) => ({ mode: m, 'req/s': median(rps.get(m)!).toFixed(0), ratio: (median(rps.get(m)!) / base).toFixed(3), 'nginx µs/request': median(us.get(m)!).toFixed(1) })));
process.exit(0);
