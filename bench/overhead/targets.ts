import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNginxConf } from '../../test/support/nginx-conf.js';
import { waitForPort } from '../../test/support/wait-for-port.js';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

/** nginx (one worker, access log off, keep-alive) serving a 12-byte file. */
export async function startNginx(dir: string, port: number): Promise<Target> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, '..'), 0o755); // workers run as nobody
  mkdirSync(join(dir, 'www'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'www', 'small.txt'), 'hello world\n');
  writeNginxConf(dir, { connections: 1024, http: 'keepalive_requests 1000000;', server: `listen 127.0.0.1:${port}; root ${dir}/www;` });
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'nginx small file', url: `http://127.0.0.1:${port}/small.txt`, child };
}

/** The Node http server of the kernel_socket tests (GET /hello → "hello world"). */
export async function startNode(port: number): Promise<Target> {
  const child = spawn(process.execPath, [join(ROOT, 'receivers/kernel_socket/test/programs/server.mjs'), String(port)], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'node http', url: `http://127.0.0.1:${port}/hello`, child };
}

export async function stopTarget(t: Target): Promise<void> {
  if (t.child.exitCode !== null || t.child.signalCode !== null) return;
  const done = new Promise((r) => t.child.once('exit', r));
  t.child.kill('SIGTERM');
  await done;
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the process has exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}
