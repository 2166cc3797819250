import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on Linux x86-64

/** The fields of a /proc stat file from field 3 on (after the command name, which may hold spaces): f[0] is field 3. */
export function procStatFields(path: string): string[] {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (fields 14 and 15) of procStatFields' fields, in seconds. */
export function statCpuSeconds(f: readonly string[]): number {
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** utime + stime of a process (all its threads), in seconds, from /proc/PID/stat. */
export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(procStatFields(`/proc/${pid}/stat`));
}

/**
 * utime + stime of this process's children that were waited for (cutime + cstime of /proc/self/stat): around a wrk
 * run in which no other child exits, the delta is wrk's own CPU.
 */
export function reapedChildrenCpuSeconds(): number {
  const f = procStatFields('/proc/self/stat');
  return (Number(f[13]) + Number(f[14])) / CLK_TCK; // fields 16 and 17
}

/** utime + stime of several processes (e.g. nginx's master and workers); one that exited counts 0. */
export function processesCpuSeconds(pids: readonly number[]): number {
  let t = 0;
  for (const pid of pids) {
    try { t += processCpuSeconds(pid); } catch { /* gone */ }
  }
  return t;
}

/**
 * Seconds the threads of a process spent runnable but waiting for a CPU (the second field of
 * /proc/PID/task/TID/schedstat): how much other work — another process, the agent — delayed it.
 */
export function processRunqueueSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    } catch { /* the thread ended */ }
  }
  return ns / 1e9;
}

/** The node options `npm start` and the container run the agent with (scripts/start.sh); --node-args=--max-semi-space-size=N overrides. */
export const AGENT_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=8'];

/** A `lumen run` process (the real CLI) whose CPU and memory are read from /proc/PID. */

export class AgentProcess {
  private constructor(readonly child: ChildProcess, readonly metricsEndpoint: string, private stderr: () => string) {}

  /**
   * Starts the CLI with a pipelines.yaml like the default one (print_traces to /dev/null, Prometheus), its
   * discovery limited to `ports`. `dist`: run bin/lumen.js (compiled) instead of the sources through tsx;
   * `nodeArgs` go to node (e.g. --cpu-prof); `receivers`: the receiver ids in both pipelines (each with {});
   * `instrument`: the discovery entry instead of the ports (e.g. `exe_path: "*\/pgbench"`).
   */
  static async start(dir: string, ports: string, metricsEndpoint: string, dist: boolean, nodeArgs: string[] = [], receivers: string[] = ['kernel_socket'],
    instrument = `open_ports: "${ports}"`): Promise<AgentProcess> {
    return AgentProcess.startWith(dir, `
discovery:
  instrument:
    - ${instrument}
receivers:
${receivers.map((r) => `  ${r}: {}`).join('\n')}
processors:
  routes: { unmatched: heuristic }
exporters:
  print_traces: { format: text }
  prometheus: { endpoint: "${metricsEndpoint}" }
service:
  telemetry: { logs: { level: info } }
  pipelines:
    traces: { receivers: [${receivers.join(', ')}], processors: [routes], exporters: [print_traces] }
    metrics: { receivers: [${receivers.join(', ')}], processors: [routes], exporters: [prometheus] }
`, metricsEndpoint, dist, nodeArgs);
  }

  /**
   * Starts the CLI (`cli`: a script in place of bin/lumen.js) on the given pipelines.yaml text (written into `dir`) and waits for "lumen started".
   * `wrap`: a command that execs its arguments (nice, chrt, taskset), so the child's pid is still the agent's.
   */
  static async startWith(dir: string, yaml: string, metricsEndpoint: string, dist: boolean, nodeArgs: string[] = [], cli?: string, wrap: string[] = []): Promise<AgentProcess> {
    const cfg = join(dir, 'pipelines.yaml');
    writeFileSync(cfg, yaml);
    const node = nodeArgs.some((a) => a.startsWith('--max-semi-space-size')) ? nodeArgs : [...AGENT_NODE_OPTIONS, ...nodeArgs];
    const args = [...node, ...(dist ? [cli ?? join(ROOT, 'bin/lumen.js'), 'run', '-c', cfg] : ['--import', 'tsx', join(ROOT, 'test/support/lumen-cli.ts'), 'run', '-c', cfg])];
    const child = wrap.length ? spawn(wrap[0]!, [...wrap.slice(1), process.execPath, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => { err += String(d); });
    const agent = new AgentProcess(child, metricsEndpoint, () => err);
    const until = Date.now() + 60_000;
    while (!err.includes('lumen started')) {
      if (child.exitCode !== null) throw new Error(`lumen exited ${child.exitCode}:\n${err}`);
      if (Date.now() > until) throw new Error(`lumen did not start:\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return agent;
  }

  /** utime + stime of the agent process, in seconds. */
  cpuSeconds(): number {
    return processCpuSeconds(this.child.pid!);
  }

  /** VmRSS and VmHWM (peak) in MiB. */
  memory(): { rssMiB: number; peakMiB: number } {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  }

  /** One of the agent's own metrics (counter or gauge, summed over series) from its Prometheus endpoint. */
  async counter(name: string): Promise<number> {
    const text = await (await fetch(`http://${this.metricsEndpoint}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await done;
    clearTimeout(t);
  }

  log(): string {
    return this.stderr();
  }
}
