/**
 * Test support: network namespaces and veth pairs the tests create (names prefixed `nf_`, addresses
 * 10.201.x.x only inside them), a harness process running the real receiver inside a namespace, and
 * interface counters to compare against. Tests remove their pairs with removePair() from t.after(), and
 * register killLeftovers() as an `after` hook: a harness or background process still running when a test failed
 * would otherwise keep the test file alive (the harness waits for its stdin, which this process holds).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlowJson } from '../../../src/model/flow-json.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const TESTDATA = join(HERE, '..', 'testdata');

const running = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Kills every harness and background process still running (SIGKILL) and waits for them. */
export async function killLeftovers(): Promise<void> {
  await Promise.all([...running].map((c) => new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  })));
}

export function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export const inNs = (ns: string, cmd: string, args: string[], input?: string): string => sh('ip', ['netns', 'exec', ns, cmd, ...args], input);

export interface Pair {
  /** Namespaces a and b, joined by veth `va` (in a) — `vb` (in b). */
  a: string;
  b: string;
  va: string;
  vb: string;
  ipA: string;
  ipB: string;
  ip6A: string;
  ip6B: string;
}

/** Creates nf_<tag>a / nf_<tag>b joined by a veth pair, 10.201.<subnet>.1/.2 and fd00:201:<subnet>::1/::2. */
export function createPair(tag: string, subnet: number): Pair {
  const p: Pair = {
    a: `nf_${tag}a`, b: `nf_${tag}b`, va: `nf_${tag}va`, vb: `nf_${tag}vb`,
    ipA: `10.201.${subnet}.1`, ipB: `10.201.${subnet}.2`, ip6A: `fd00:201:${subnet}::1`, ip6B: `fd00:201:${subnet}::2`,
  };
  removePair(p);
  sh('ip', ['netns', 'add', p.a]);
  sh('ip', ['netns', 'add', p.b]);
  sh('ip', ['link', 'add', p.va, 'netns', p.a, 'type', 'veth', 'peer', 'name', p.vb, 'netns', p.b]);
  for (const [ns, dev, ip, ip6] of [[p.a, p.va, p.ipA, p.ip6A], [p.b, p.vb, p.ipB, p.ip6B]] as const) {
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
    sh('ip', ['-n', ns, '-6', 'addr', 'add', `${ip6}/64`, 'dev', dev, 'nodad']);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  return p;
}

/** Deletes both namespaces (their veth ends go with them). Safe when they do not exist. */
export function removePair(p: Pick<Pair, 'a' | 'b'>): void {
  for (const ns of [p.a, p.b]) {
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      // absent
    }
  }
}

export function mac(ns: string, dev: string): string {
  return inNs(ns, 'cat', [`/sys/class/net/${dev}/address`]).trim();
}

export interface Counters {
  rx_bytes: number;
  tx_bytes: number;
  rx_packets: number;
  tx_packets: number;
}

export function counters(ns: string, dev: string): Counters {
  const read = (n: string) => Number(inNs(ns, 'cat', [`/sys/class/net/${dev}/statistics/${n}`]).trim());
  return { rx_bytes: read('rx_bytes'), tx_bytes: read('tx_bytes'), rx_packets: read('rx_packets'), tx_packets: read('tx_packets') };
}

/** What the harness printed, parsed. */
export interface HarnessOutput {
  flows: FlowJson[];
  measurements: Array<{ metric: string; value: number; attributes: Record<string, string | number>; service?: string }>;
  telemetry: Record<string, number>;
  stderr: string;
}

export interface Harness {
  readonly process: ChildProcess;
  /** Stops the receiver (SIGTERM: it flushes every flow) and returns everything it printed. */
  stop(): Promise<HarnessOutput>;
}

/** Starts the receiver harness inside `ns` (or the current namespace when undefined) and waits until it is attached. */
export async function startHarness(ns: string | undefined, config: Record<string, unknown>): Promise<Harness> {
  const node = [process.execPath, '--import', 'tsx', join(HERE, 'harness.ts'), JSON.stringify(config)];
  const child = track(ns ? spawn('ip', ['netns', 'exec', ns, ...node], { stdio: ['pipe', 'pipe', 'pipe'] }) : spawn(node[0]!, node.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`harness not ready after 30s\n${stderr}`)), 30_000);
    const check = () => {
      if (stdout.includes('"ready":true')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`harness exited (${code}) before ready\n${stderr}`));
    });
  });
  let result: Promise<HarnessOutput> | undefined;
  return {
    process: child,
    stop() {
      result ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
        return parse(stdout, stderr);
      })();
      return result;
    },
  };
}

function parse(stdout: string, stderr: string): HarnessOutput {
  const out: HarnessOutput = { flows: [], measurements: [], telemetry: {}, stderr };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o['flow']) out.flows.push(o['flow'] as FlowJson);
    else if (o['measurement']) out.measurements.push(o['measurement'] as HarnessOutput['measurements'][number]);
    else if (o['telemetry']) out.telemetry = o['telemetry'] as Record<string, number>;
  }
  return out;
}

/** A background process inside a namespace, killed by stop() (and by killLeftovers() if the test failed). */
export function background(ns: string, cmd: string, args: string[]): { child: ChildProcess; stop(): void; output(): string } {
  const child = track(spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  return { child, stop: () => void child.kill('SIGKILL'), output: () => output };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sum of a field over flows matching a predicate. */
export function sum(flows: FlowJson[], pred: (f: FlowJson) => boolean, field: 'bytes' | 'packets' = 'bytes'): number {
  return flows.filter(pred).reduce((n, f) => n + f[field], 0);
}

/** Fails unless |actual - expected| <= tolerance * expected, with a message that shows both. */
export function within(actual: number, expected: number, tolerance: number, what: string): string {
  const diff = Math.abs(actual - expected);
  const text = `${what}: counted ${actual}, expected ${expected} (off by ${((diff / expected) * 100).toFixed(3)}%, allowed ${(tolerance * 100).toFixed(1)}%)`;
  if (!(expected > 0) || diff > tolerance * expected) throw new Error(text);
  return text;
}
