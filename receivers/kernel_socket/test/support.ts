/**
 * Test support for the kernel_socket receiver: the real agent side (discovery + receiver through the
 * factory) and real programs (servers and clients from Debian packages and runtimes), all cleaned up by
 * stopAll(). Ports: 19600-19699.
 */
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDiscovery, type DiscoveryConfig } from '../../../src/discovery/index.js';
import type { Discovery, DiscoveryEvent } from '../../../src/discovery/types.js';
import type { Span } from '../../../src/model/span.js';
import { componentContext } from '../../../src/component/index.js';
import { InternalMetrics } from '../../../src/telemetry/internal-metrics.js';
import { createMemoryLogger } from '../../../src/component/index.js';
import type { Receiver } from '../../../src/component/index.js';
import { kernelSocketReceiverFactory, type KernelSocketConfig } from '../index.js';
import { ownBpfIds } from '../../../test/bpf/support/kernel.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import { configFromYaml } from '../../../src/config/component-config.js';
import { waitForPort } from '../../../test/support/wait-for-port.js';
import { writeNginxConf } from '../../../test/support/nginx-conf.js';

/** Receiver options as pipelines.yaml writes them (durations as "1s", ports as "80,443"), validated and decoded like the agent does. */
export type KernelSocketYaml = { [K in keyof KernelSocketConfig]?: unknown };

export const PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs');
export const CLIENT_MARKER = 'lumen-ks-client';
const CACHE = join(tmpdir(), 'lumen-ks-cache');

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `lumen-ks-${prefix}-`));
  dirs.add(d);
  return d;
}

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  exited(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startProc(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: boolean } = {}): Proc {
  const child = spawn(cmd, args, {
    cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { err += String(d); });
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => { children.delete(child); resolve(code); });
  });
  return {
    child, pid: child.pid!, stdout: () => out, stderr: () => err, exited: () => exit,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(t);
    },
  };
}

/** Kills every process started here and removes the temp dirs. */
export async function stopAllProcs(): Promise<void> {
  await Promise.all([...children].map(async (c) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const done = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await done;
  }));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}


export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export { waitForPort, writeNginxConf };

/** Builds a Go program once per source content (go 1.19), cached under the temp dir. */
export function buildGo(name: 'goserver' | 'goclient'): string {
  const src = join(PROGRAMS, name, 'main.go');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 16);
  const out = join(CACHE, `${name}-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.tmp${process.pid}`;
  execFileSync('go', ['build', '-o', tmp, src], {
    env: { ...process.env, GO111MODULE: 'off', GOCACHE: join(CACHE, 'gocache'), GOFLAGS: '' }, stdio: 'pipe',
  });
  execFileSync('mv', [tmp, out]);
  return out;
}

// ---------------------------------------------------------------- servers


export type ServerKind = 'node' | 'go' | 'java' | 'python' | 'nginx';

export interface Server {
  readonly kind: ServerKind;
  readonly port: number;
  readonly proc: Proc;
  /** Pids that serve requests (nginx: the workers). */
  readonly pids: number[];
  readonly serviceName: string;
  /** The files python/nginx serve: name → content. */
  readonly files: Record<string, string>;
}

const STATIC_FILES: Record<string, string> = {
  'hello.txt': 'hello world',
  'big.bin': 'x'.repeat(200_000),
};

export async function startServer(kind: ServerKind, port: number): Promise<Server> {
  // nginx overwrites its environment with the process title (setproctitle), so discovery names it by executable.
  const serviceName = kind === 'nginx' ? 'nginx' : `ks-${kind}-${port}`;
  const env = { OTEL_SERVICE_NAME: serviceName };
  let proc: Proc;
  let files: Record<string, string> = {};
  switch (kind) {
    case 'node':
      proc = startProc(process.execPath, [join(PROGRAMS, 'server.mjs'), String(port)], { env });
      break;
    case 'go':
      proc = startProc(buildGo('goserver'), [String(port)], { env });
      break;
    case 'java':
      proc = startProc('java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', join(PROGRAMS, 'java', 'Main.java'), String(port)], { env });
      break;
    case 'python': {
      const dir = tempDir('py');
      for (const [n, c] of Object.entries(STATIC_FILES)) writeFileSync(join(dir, n), c);
      files = STATIC_FILES;
      proc = startProc('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir], { env });
      break;
    }
    case 'nginx': {
      const dir = tempDir('nginx');
      chmodSync(dir, 0o755); // workers run as nobody
      mkdirSync(join(dir, 'www'));
      mkdirSync(join(dir, 'logs'));
      for (const [n, c] of Object.entries(STATIC_FILES)) writeFileSync(join(dir, 'www', n), c);
      files = STATIC_FILES;
      writeNginxConf(dir, {
        workers: 2, connections: 1024, main: 'env OTEL_SERVICE_NAME;', http: 'sendfile on; keepalive_requests 100000;',
        server: `    listen 127.0.0.1:${port};
    root ${dir}/www;
    location /status/404 { return 404; }
    location /status/500 { return 500 "boom"; }`,
      });
      proc = startProc('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { env });
      break;
    }
  }
  try {
    await waitForPort(port, 60_000);
  } catch (e) {
    await proc.kill('SIGKILL');
    throw new Error(`${kind} server on ${port} did not start: ${(e as Error).message}\n${proc.stderr()}`);
  }
  const pids = kind === 'nginx' ? childPids(proc.pid) : [proc.pid];
  return { kind, port, proc, pids, serviceName, files };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------- clients

export type ClientKind = 'curl' | 'python' | 'node' | 'go' | 'java';

/** A client process started with its requests held back until the agent instruments it. */
export function spawnClient(kind: ClientKind): Proc {
  const o = { stdin: true, env: { OTEL_SERVICE_NAME: clientServiceName(kind) } };
  switch (kind) {
    case 'curl':
      return startProc('curl', ['-s', '-K', '-', '-A', CLIENT_MARKER], o);
    case 'python':
      return startProc('python3', [join(PROGRAMS, 'client.py'), CLIENT_MARKER], o);
    case 'node':
      return startProc(process.execPath, [join(PROGRAMS, 'client.mjs'), CLIENT_MARKER], o);
    case 'go':
      return startProc(buildGo('goclient'), [CLIENT_MARKER], o);
    case 'java':
      return startProc('java', ['-XX:TieredStopAtLevel=1', join(PROGRAMS, 'java', 'Client.java'), CLIENT_MARKER], o);
  }
}

export const clientServiceName = (kind: ClientKind) => `ks-client-${kind}`;

/** Request lines ("METHOD URL [BODY]") in the client's stdin format (curl: a config file). */
export function clientInput(kind: ClientKind, lines: string[]): string {
  if (kind !== 'curl') return lines.map((l) => `${l}\n`).join('');
  // One curl invocation: every URL reuses the connection; GET only.
  return lines.map((l) => `url = "${l.split(' ')[1]}"\noutput = "/dev/null"\nwrite-out = "STATUS %{http_code} %{size_download}\\n"\n`).join('');
}

// ---------------------------------------------------------------- the agent

export interface Agent {
  readonly discovery: Discovery;
  readonly receiver: Receiver;
  readonly metrics: InternalMetrics;
  readonly spans: Span[];
  readonly logs: ReturnType<typeof createMemoryLogger>['entries'];
  /** Resolves when the discovery has added this pid. */
  waitAdded(pid: number, timeoutMs?: number): Promise<void>;
  /** Waits until `pred` holds for at least `n` spans; returns them. */
  waitSpans(pred: (s: Span) => boolean, n: number, timeoutMs?: number): Promise<Span[]>;
  /** Sum of an internal counter's series matching `labels`. */
  counter(name: string, labels?: Record<string, string>): number;
  stop(): Promise<void>;
}

export const DEFAULT_DISCOVERY: Partial<DiscoveryConfig> = {
  instrument: [{ open_ports: '19600-19699' }, { cmd_args: `*${CLIENT_MARKER}*` }],
  command_line: 'full', // tests tell clients apart by their command line (exported only when asked)
};

export async function startAgent(config: KernelSocketYaml = {}, discoveryConfig = DEFAULT_DISCOVERY): Promise<Agent> {
  const { logger, entries } = createMemoryLogger();
  const metrics = new InternalMetrics();
  const hostName = hostname();
  const discovery = createDiscovery(discoveryConfig, { logger: logger.child({ component: 'discovery' }), telemetry: metrics.forComponent('discovery'), hostName });
  const added = new Set<number>();
  const addWaiters = new Set<() => void>();
  const dsub = discovery.events.subscribe((ev: DiscoveryEvent) => {
    if (ev.type === 'added') added.add(ev.process.info.pid);
    else added.delete(ev.pid);
    for (const w of addWaiters) w();
  });
  await discovery.start();
  const ctx = componentContext('kernel_socket', { logger, metrics, hostName, discovery: () => discovery });
  const factory = kernelSocketReceiverFactory;
  const receiver = factory.create(configFromYaml<KernelSocketConfig>(factory, config), ctx);
  const spans: Span[] = [];
  const spanWaiters = new Set<() => void>();
  const rsub = receiver.output.subscribe((b) => {
    if (b.kind !== 'spans') return;
    spans.push(...b.items);
    for (const w of spanWaiters) w();
  });
  try {
    await receiver.start();
  } catch (e) {
    rsub.unsubscribe();
    dsub.unsubscribe();
    await discovery.shutdown();
    throw e;
  }
  const waitFor = (waiters: Set<() => void>, check: () => boolean, timeoutMs: number, what: () => string) =>
    new Promise<void>((resolve, reject) => {
      const w = () => {
        if (!check()) return;
        waiters.delete(w);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => { waiters.delete(w); reject(new Error(`timed out after ${timeoutMs} ms: ${what()}`)); }, timeoutMs);
      waiters.add(w);
      w();
    });
  return {
    discovery, receiver, metrics, spans, logs: entries,
    waitAdded: (pid, timeoutMs = 10_000) => waitFor(addWaiters, () => added.has(pid), timeoutMs, () => `discovery to add pid ${pid} (added: ${[...added].join(',')})`),
    async waitSpans(pred, n, timeoutMs = 10_000) {
      await waitFor(spanWaiters, () => spans.filter(pred).length >= n, timeoutMs,
        () => `${n} matching spans (have ${spans.filter(pred).length} of ${spans.length}: ${spans.slice(-5).map(describe).join(' | ')})`);
      return spans.filter(pred);
    },
    counter(name, labels = {}) {
      return metrics.collect().filter((p) => p.name === name && Object.entries(labels).every(([k, v]) => p.labels[k] === v))
        .reduce((a, p) => a + p.value, 0);
    },
    async stop() {
      await cleanUp(() => receiver.shutdown(), () => rsub.unsubscribe(), () => dsub.unsubscribe(), () => discovery.shutdown());
    },
  };
}

export function describe(s: Span): string {
  const c = s.connection;
  return `${s.kind} ${s.service.name} ${s.http?.method} ${s.http?.path} ${s.http?.status} ${c.peerAddress}:${c.peerPort}->${c.hostAddress}:${c.hostPort}`;
}

/** Wait for a process (and its pids) to be instrumented. */
export async function instrumented(agent: Agent, pids: number[]): Promise<void> {
  for (const pid of pids) await agent.waitAdded(pid, 15_000);
}

/** Runs a client: waits until it is instrumented, feeds it the requests, returns its STATUS lines. */
export async function runClient(agent: Agent, kind: ClientKind, lines: string[], timeoutMs = 60_000): Promise<Array<{ status: number; bytes: number }>> {
  const p = spawnClient(kind);
  await agent.waitAdded(p.pid, 15_000);
  p.child.stdin!.end(clientInput(kind, lines));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([p.exited(), new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); })]);
  clearTimeout(timer);
  if (code === 'timeout') {
    await p.kill('SIGKILL');
    throw new Error(`${kind} client timed out\n${p.stderr()}`);
  }
  const out = p.stdout().trim().split('\n').filter((l) => l.startsWith('STATUS '))
    .map((l) => { const [, s, b] = l.split(' '); return { status: Number(s), bytes: Number(b) }; });
  if (out.length !== lines.length) throw new Error(`${kind} client: ${out.length} of ${lines.length} requests done (exit ${code})\n${p.stdout()}\n${p.stderr()}`);
  return out;
}

/** Ids of every BPF program loaded in the kernel now. */
function loadedProgramIds(): Set<number> {
  const out = execFileSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' });
  return new Set((JSON.parse(out) as Array<{ id: number }>).map((p) => p.id));
}

/**
 * Starts the agent and remembers the programs it loaded, by id from this process's own fds (another agent or
 * test on this host loads the same ks_ programs at the same time); `leftLoaded()` after stop() lists those
 * still in the kernel (programs are freed asynchronously, so it polls for up to 2 s).
 */
export async function startTrackedAgent(config: KernelSocketYaml = {}, discoveryConfig = DEFAULT_DISCOVERY) {
  const before = ownBpfIds().progs;
  const agent = await startAgent(config, discoveryConfig);
  const mine = [...ownBpfIds().progs].filter((id) => !before.has(id));
  assert.ok(mine.length > 0, 'the programs the agent loaded are found by our fds (else the leak check proves nothing)');
  return {
    agent,
    async leftLoaded(): Promise<number[]> {
      for (let i = 0; i < 20; i++) {
        const now = loadedProgramIds();
        const left = mine.filter((id) => now.has(id));
        if (left.length === 0) return [];
        await sleep(100);
      }
      const now = loadedProgramIds();
      return mine.filter((id) => now.has(id));
    },
  };
}

/**
 * The fixture several test files share, registered as their before/after hooks: a tracked agent with `config`
 * and a Node server on `port`, handed to `ready` once the server is instrumented; afterwards both are stopped
 * (whatever fails) and no program the agent loaded may be left loaded.
 */
export function nodeServerFixture(config: KernelSocketYaml, port: number, ready: (agent: Agent, server: Server) => void): void {
  let tracked: Awaited<ReturnType<typeof startTrackedAgent>> | undefined;
  before(async () => {
    tracked = await startTrackedAgent(config);
    const server = await startServer('node', port);
    await instrumented(tracked.agent, server.pids);
    ready(tracked.agent, server);
  });
  after(() => cleanUp(
    () => tracked?.agent.stop(),
    stopAllProcs,
    async () => { if (tracked) assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel'); },
  ));
}
