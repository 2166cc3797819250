import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface Target {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

async function waitForPort(port: number): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** nginx (one worker, access log off, keep-alive) serving a 12-byte file. */
export async function startNginx(dir: string, port: number): Promise<Target> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, '..'), 0o755); // workers run as nobody
  mkdirSync(join(dir, 'www'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, 'www', 'small.txt'), 'hello world\n');
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/tmp_body;
  proxy_temp_path ${dir}/tmp_proxy;
  fastcgi_temp_path ${dir}/tmp_fcgi;
  uwsgi_temp_path ${dir}/tmp_uwsgi;
  scgi_temp_path ${dir}/tmp_scgi;
  server { listen 127.0.0.1:${port}; root ${dir}/www; }
}
`);
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
