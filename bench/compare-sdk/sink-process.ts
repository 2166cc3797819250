import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;
interface Counts { requests: number; spans: number; points: number; errors: number }

/** bench/pipeline/sink.ts (the OTLP/HTTP collector: counts spans on the wire, checks a sample with the real .proto) as a child process. */
export class Sink {
  private constructor(private readonly child: ChildProcess, private readonly lines: Interface) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(port: number): Promise<Sink> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/pipeline/sink.ts'), String(port)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      child.once('exit', (c) => reject(new Error(`sink exited ${c}`)));
    });
    if (first !== 'ready') throw new Error(`sink said ${first}`);
    return new Sink(child, lines);
  }

  /** The counts once everything received so far is decoded. */
  counts(): Promise<Counts> {
    const answer = new Promise<Counts>((resolve) => this.lines.once('line', (l) => resolve(JSON.parse(l) as Counts)));
    this.child.stdin!.write('\n');
    return answer;
  }

  /** The counts once no span has arrived for `quietMs` (the exporters flush every second), at most 15 s. */
  async settled(quietMs = 1500): Promise<Counts> {
    let last = await this.counts();
    let since = Date.now();
    const until = Date.now() + 15_000;
    while (Date.now() - since < quietMs && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 250));
      const c = await this.counts();
      if (c.spans !== last.spans || c.requests !== last.requests) since = Date.now();
      last = c;
    }
    return last;
  }

  async stop(): Promise<void> {
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    await done;
  }
}

/** The exporters and service sections of a pipelines.yaml sending kernel_socket's spans to the sink over OTLP http/protobuf (flushed every second). */
export function otlpToSink(sinkPort: number, cpuPriority = ''): string {
  return `
exporters:
  otlp: { endpoint: "http://127.0.0.1:${sinkPort}", protocol: http/protobuf, batch: { timeout: 1s } }
service:
  telemetry: { logs: { level: info } }${cpuPriority ? `\n  cpu_priority: ${cpuPriority}` : ''}
  pipelines:
    traces: { receivers: [kernel_socket], exporters: [otlp] }
`;
}
