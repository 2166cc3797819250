import { spawn } from 'node:child_process';

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

/** Runs Debian's wrk with --latency and parses its summary. */
export async function wrk(url: string, opts: { threads: number; connections: number; seconds: number; script?: string }): Promise<WrkResult> {
  const args = [`-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', ...(opts.script ? ['-s', opts.script] : []), url];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += String(d); });
  child.stderr.on('data', (d) => { out += String(d); });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`wrk ${args.join(' ')} exited ${code}:\n${out}`);
  return parseWrk(out);
}

/** A wrk Lua script pacing each connection: `ms` milliseconds between a response and the next request. */
export function paceScript(ms: number): string {
  return `-- each connection waits ${ms} ms after a response before its next request\nfunction delay()\n  return ${ms}\nend\n`;
}

/** Parses wrk 4.x output ("N requests in 10.00s", "Requests/sec:", the --latency percentiles). */
export function parseWrk(out: string): WrkResult {
  const req = /(\d+) requests in ([\d.]+)(\w+)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(\w+)/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(\w+)/m.exec(out);
  if (!req || !rps || !p50 || !p99) throw new Error(`cannot parse wrk output:\n${out}`);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errors = (socketErrors ? socketErrors.slice(1).reduce((a, x) => a + Number(x), 0) : 0) + (non2xx ? Number(non2xx[1]) : 0);
  return {
    requests: Number(req[1]),
    seconds: toMs(Number(req[2]), req[3]!) / 1000,
    rps: Number(rps[1]),
    p50ms: toMs(Number(p50[1]), p50[2]!),
    p99ms: toMs(Number(p99[1]), p99[2]!),
    errors,
  };
}

function toMs(v: number, unit: string): number {
  switch (unit) {
    case 'us': return v / 1000;
    case 'ms': return v;
    case 's': return v * 1000;
    case 'm': return v * 60_000;
    default: throw new Error(`unknown wrk unit ${unit}`);
  }
}
