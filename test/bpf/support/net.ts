import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function trySh(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    /* cleanup of something that may not exist */
  }
}

/** A veth pair: `host` stays in this netns (10.213.x.1/30), `peer` lives in netns `ns` (10.213.x.2/30). */
export interface Veth { ns: string; host: string; peer: string; hostIp: string; peerIp: string; remove(): void }

export function createVeth(tag: string, subnet: number): Veth {
  const ns = `lumenbpf_${tag}`;
  const host = `lbpf${tag}0`;
  const peer = `lbpf${tag}1`;
  const hostIp = `10.213.${subnet}.1`;
  const peerIp = `10.213.${subnet}.2`;
  const remove = () => {
    trySh('ip', ['link', 'del', host]);
    trySh('ip', ['netns', 'del', ns]);
  };
  remove();
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', peer]);
    sh('ip', ['link', 'set', peer, 'netns', ns]);
    sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', host]);
    sh('ip', ['link', 'set', host, 'up']);
    sh('ip', ['-n', ns, 'addr', 'add', `${peerIp}/30`, 'dev', peer]);
    sh('ip', ['-n', ns, 'link', 'set', peer, 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, host, peer, hostIp, peerIp, remove };
}

/** A python3 child that prints "ready", then runs `body` once per "go" line on stdin and prints "done". */
export class PyChild {
  readonly proc: ChildProcess;
  private readonly lines: AsyncIterableIterator<string>;

  constructor(body: string, cmdPrefix: string[] = []) {
    const script = `import os, sys\nprint("ready", flush=True)\nfor line in sys.stdin:\n    ${body}\n    print("done", flush=True)\n`;
    const argv = [...cmdPrefix, 'python3', '-c', script];
    this.proc = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();
  }

  get pid(): number {
    return this.proc.pid!;
  }

  async expect(word: string): Promise<void> {
    const r = await this.lines.next();
    if (r.done || r.value !== word) throw new Error(`python child: expected "${word}", got ${r.done ? 'EOF' : JSON.stringify(r.value)}`);
  }

  async go(): Promise<void> {
    this.proc.stdin!.write('go\n');
    await this.expect('done');
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.stdin!.end();
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    await once(this.proc, 'exit');
    clearTimeout(t);
  }
}
