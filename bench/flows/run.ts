/**
 * network_flow overhead, side by side in one run (the machine is shared: compare the ratios, rerun to see noise).
 *   node --import tsx bench/flows/run.ts [seconds=5] [rounds=3]
 * Two namespaces joined by a veth pair (nf_bna / nf_bnb, 10.201.9.0/24), iperf3 between them:
 *   - bulk TCP throughput (iperf3 -t seconds), and
 *   - small-packet UDP (64-byte datagrams, iperf3 -u -b 0): packets per second,
 * each without the receiver, with `source: socket_filter` and with `source: tc` (the receiver runs in the client's
 * namespace on its veth), modes interleaved per round, medians reported. Also: the kernel program's own cost per
 * packet (bpftool run_time_ns / run_cnt with kernel.bpf_stats_enabled, restored afterwards) and the CPU the programs
 * take during the TCP run (a figure the neighbours on a shared machine do not distort much), the packets the
 * receiver counted per second, and the receiver process's CPU.
 */
import { readFileSync } from 'node:fs';
import { background, createPair, inNs, removePair, sh, sleep, startHarness, type Harness } from '../../receivers/network_flow/test/netns.js';

const seconds = Number(process.argv[2] ?? 5);
const rounds = Number(process.argv[3] ?? 3);
const PORT = 19720;
type Mode = 'baseline' | 'socket_filter' | 'tc';
const MODES: Mode[] = ['baseline', 'socket_filter', 'tc'];

interface Sample {
  tcpGbps: number;
  udpPps: number;
  countedPps?: number;
  bpfNsPerPkt?: number;
  agentCpuPct?: number;
  /** CPU the flow programs used during the TCP run, % of one CPU (bpf_stats run_time_ns / wall time). */
  bpfTcpCpuPct?: number;
  bpfTcpRunsPerS?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

function iperf(args: string[]): Record<string, any> {
  return JSON.parse(inNs(p.a, 'iperf3', ['-c', p.ipB, '-p', String(PORT), '-J', '-t', String(seconds), ...args])) as Record<string, any>;
}

/** run_time_ns and run_cnt of the flow programs (kernel.bpf_stats_enabled must be 1). */
function progStats(): { ns: number; cnt: number } {
  const progs = JSON.parse(sh('bpftool', ['prog', 'show', '-j'])) as Array<{ name?: string; run_time_ns?: number; run_cnt?: number }>;
  let ns = 0;
  let cnt = 0;
  for (const pr of progs) {
    if (!pr.name || !/^nf_(socket|tc_ingress|tc_egress)$/.test(pr.name)) continue;
    ns += pr.run_time_ns ?? 0;
    cnt += pr.run_cnt ?? 0;
  }
  return { ns, cnt };
}

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function runMode(mode: Mode): Promise<Sample> {
  let h: Harness | undefined;
  if (mode !== 'baseline') h = await startHarness(p.a, { source: mode, interfaces: [p.va] });
  try {
    const pid = h?.process.pid;
    const c0 = pid ? cpuTicks(pid) : 0;
    const t0 = progStats();
    const tcp = iperf([]);
    const t1 = progStats();
    const c1 = pid ? cpuTicks(pid) : 0;
    const s0 = progStats();
    const udp = iperf(['-u', '-b', '0', '-l', '64']);
    const s1 = progStats();
    const sample: Sample = {
      tcpGbps: tcp['end']['sum_received']['bits_per_second'] / 1e9,
      udpPps: udp['end']['sum']['packets'] / udp['end']['sum']['seconds'],
    };
    if (h) {
      const out = await h.stop();
      const udpFlow = out.flows.filter((f) => f.transport === 'udp' && f.dstPort === PORT).reduce((n, f) => n + f.packets, 0);
      sample.countedPps = udpFlow / udp['end']['sum']['seconds'];
      sample.bpfNsPerPkt = s1.cnt > s0.cnt ? (s1.ns - s0.ns) / (s1.cnt - s0.cnt) : NaN;
      sample.agentCpuPct = ((c1 - c0) / 100 / seconds) * 100;
      const tcpSeconds = tcp['end']['sum_received']['seconds'] as number;
      sample.bpfTcpCpuPct = ((t1.ns - t0.ns) / 1e9 / tcpSeconds) * 100;
      sample.bpfTcpRunsPerS = (t1.cnt - t0.cnt) / tcpSeconds;
    }
    return sample;
  } finally {
    await h?.stop();
  }
}

const p = createPair('bn', 9);
const statsBefore = sh('sysctl', ['-n', 'kernel.bpf_stats_enabled']).trim();
const server = background(p.b, 'iperf3', ['-s', '-p', String(PORT)]);
try {
  sh('sysctl', ['-q', '-w', 'kernel.bpf_stats_enabled=1']);
  await sleep(500);
  console.log(`network_flow bench: ${rounds} rounds × ${MODES.length} modes, ${seconds}s per iperf3 run; veth between two namespaces; ` +
    `${sh('nproc', []).trim()} vCPUs, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  const samples = new Map<Mode, Sample[]>(MODES.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round so drift on the shared machine does not favour one mode.
    const order = MODES.map((_, i) => MODES[(i + r) % MODES.length]!);
    for (const mode of order) {
      const s = await runMode(mode);
      samples.get(mode)!.push(s);
      console.log(`  round ${r + 1} ${mode.padEnd(13)} tcp ${s.tcpGbps.toFixed(2)} Gbit/s  udp ${(s.udpPps / 1000).toFixed(0)} kpkt/s` +
        (s.bpfNsPerPkt !== undefined ? `  bpf in tcp run ${(s.bpfTcpRunsPerS! / 1000).toFixed(0)}k runs/s = ${s.bpfTcpCpuPct!.toFixed(2)}% cpu  bpf ${s.bpfNsPerPkt.toFixed(0)} ns/pkt  counted ${(s.countedPps! / 1000).toFixed(0)} kpkt/s  agent cpu ${s.agentCpuPct!.toFixed(1)}%` : ''));
    }
  }
  const base = samples.get('baseline')!;
  // Ratios are medians of per-round ratios (each mode against the baseline of the same round), which cancels
  // part of the drift a shared machine adds between rounds; the absolute columns are medians of the samples.
  const paired = (mode: Mode, f: (x: Sample) => number) => median(samples.get(mode)!.map((x, i) => f(x) / f(base[i]!)));
  console.log('\nmode           TCP Gbit/s  ratio   UDP kpkt/s  ratio   BPF ns/pkt  counted kpkt/s  agent CPU (TCP run)  BPF CPU (TCP run)');
  for (const mode of MODES) {
    const s = samples.get(mode)!;
    const tcp = median(s.map((x) => x.tcpGbps));
    const udp = median(s.map((x) => x.udpPps));
    const tcpRatio = paired(mode, (x) => x.tcpGbps);
    const udpRatio = paired(mode, (x) => x.udpPps);
    const ns = median(s.map((x) => x.bpfNsPerPkt ?? NaN));
    const counted = median(s.map((x) => x.countedPps ?? NaN));
    const cpu = median(s.map((x) => x.agentCpuPct ?? NaN));
    const bpfCpu = median(s.map((x) => x.bpfTcpCpuPct ?? NaN));
    console.log(`${mode.padEnd(14)} ${tcp.toFixed(2).padStart(10)}  ${tcpRatio.toFixed(3)}  ${(udp / 1000).toFixed(0).padStart(10)}  ${udpRatio.toFixed(3)}  ` +
      `${Number.isNaN(ns) ? '         -' : ns.toFixed(0).padStart(10)}  ${Number.isNaN(counted) ? '             -' : (counted / 1000).toFixed(0).padStart(14)}  ` +
      `${(Number.isNaN(cpu) ? '-' : `${cpu.toFixed(1)}%`).padStart(19)}  ${(Number.isNaN(bpfCpu) ? '-' : `${bpfCpu.toFixed(2)}%`).padStart(17)}`);
  }
} finally {
  server.stop();
  sh('sysctl', ['-q', '-w', `kernel.bpf_stats_enabled=${statsBefore}`]);
  removePair(p);
}
