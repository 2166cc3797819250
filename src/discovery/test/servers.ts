/**
 * Real servers for discovery tests (ports 19500-19599), each started by the test and killed in cleanup.
 * Programs from Debian packages / runtimes: python3 -m http.server, nginx, node, a Go net/http binary built
 * here, Java's com.sun.net.httpserver run as a single-file program.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Server {
  readonly pid: number;
  readonly port: number;
  /** All pids of the server (nginx: master and workers). */
  pids(): number[];
  stop(): Promise<void>;
}

const procs = new Set<ChildProcess>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `lumen-disc-${prefix}-`));
  dirs.add(d);
  return d;
}

/** Kills everything this module started and removes its temp dirs (for t.after / process exit). */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...procs].map((p) => stopChild(p)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

export async function startChild(cmd: string, args: string[], port: number, env: Record<string, string> = {}, cwd?: string): Promise<Server> {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  procs.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  child.on('exit', () => procs.delete(child));
  try {
    await waitForPort(port, 30_000, () => child.exitCode !== null);
  } catch (e) {
    await stopChild(child);
    throw new Error(`${cmd} ${args.join(' ')} did not listen on ${port}: ${(e as Error).message}\n${stderr}`);
  }
  return {
    pid: child.pid!,
    port,
    pids: () => [child.pid!, ...childrenOf(child.pid!)],
    stop: () => stopChild(child),
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await done;
  clearTimeout(timer);
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function waitForPort(port: number, timeoutMs: number, failed: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failed()) throw new Error('process exited');
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`timeout after ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startPython(port: number, env: Record<string, string> = {}): Promise<Server> {
  return startChild('/usr/bin/python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1'], port, env, tempDir('py'));
}

export function startNode(port: number, env: Record<string, string> = {}): Promise<Server> {
  const code = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  return startChild('/usr/bin/node', ['-e', code], port, env);
}

/** nginx with master + 2 workers, everything (pid, logs, temp paths) in its own prefix directory. */
export async function startNginx(port: number, env: Record<string, string> = {}): Promise<Server> {
  const dir = tempDir('nginx');
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, t));
  writeFileSync(join(dir, 'index.html'), 'hello\n');
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
master_process on;
worker_processes 2;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${port}; root ${dir}; }
}
`);
  const s = await startChild('/usr/sbin/nginx', ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`], port, env);
  for (let i = 0; i < 100 && childrenOf(s.pid).length < 2; i++) await sleep(20);
  return s;
}

let goBinary: string | undefined;

/** A Go net/http server, built once per test run with the installed Go toolchain. */
export async function startGo(port: number, env: Record<string, string> = {}): Promise<Server> {
  if (!goBinary) {
    const dir = tempDir('go');
    writeFileSync(join(dir, 'main.go'), `package main

import (
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	http.ListenAndServe("127.0.0.1:"+os.Args[1], nil)
}
`);
    writeFileSync(join(dir, 'go.mod'), 'module lumendisc\n\ngo 1.19\n');
    execFileSync('go', ['build', '-o', join(dir, 'gosrv'), '.'], {
      cwd: dir, env: { ...process.env, GOPROXY: 'off', CGO_ENABLED: '0' }, stdio: 'pipe',
    });
    goBinary = join(dir, 'gosrv');
  }
  return startChild(goBinary, [String(port)], port, env);
}

/** Java's built-in com.sun.net.httpserver, run as a single-file source program (JDK 11+). */
export function startJava(port: number, env: Record<string, string> = {}): Promise<Server> {
  const dir = tempDir('java');
  writeFileSync(join(dir, 'Main.java'), `
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;

public class Main {
  public static void main(String[] args) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 0);
    s.createContext("/", x -> { byte[] b = "ok".getBytes(); x.sendResponseHeaders(200, b.length); x.getResponseBody().write(b); x.close(); });
    s.start();
  }
}
`);
  return startChild('/usr/lib/jvm/java-17-openjdk-amd64/bin/java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', join(dir, 'Main.java'), String(port)], port, env, dir);
}

/** rustc from a rustup toolchain, when this machine has one (Rust is not a Debian dependency of Lumen). */
export function rustc(): string | undefined {
  for (const p of [`${process.env['HOME'] ?? '/root'}/.cargo/bin/rustc`, '/usr/bin/rustc']) {
    try {
      execFileSync(p, ['--version'], { stdio: 'pipe' });
      return p;
    } catch { /* not there */ }
  }
  return undefined;
}

/** A std-only Rust TCP server answering one HTTP/1.0 response per connection. */
export function startRust(port: number): Promise<Server> {
  const compiler = rustc();
  if (!compiler) throw new Error('rustc not installed');
  const dir = tempDir('rust');
  writeFileSync(join(dir, 'main.rs'), `use std::io::Write;
use std::net::TcpListener;
fn main() {
    let port = std::env::args().nth(1).unwrap();
    let l = TcpListener::bind(format!("127.0.0.1:{}", port)).unwrap();
    for s in l.incoming() { if let Ok(mut s) = s { let _ = s.write_all(b"HTTP/1.0 200 OK\\r\\n\\r\\nok"); } }
}
`);
  execFileSync(compiler, ['-O', '-o', join(dir, 'rustsrv'), join(dir, 'main.rs')], { stdio: 'pipe' });
  return startChild(join(dir, 'rustsrv'), [String(port)], port);
}

/** Ruby (Debian's ruby3.1) with a socket-level HTTP responder. */
export function startRuby(port: number): Promise<Server> {
  const code = `require "socket"; s = TCPServer.new("127.0.0.1", ${port}); loop { c = s.accept; c.write("HTTP/1.0 200 OK\\r\\n\\r\\nok"); c.close }`;
  return startChild('/usr/bin/ruby', ['-e', code], port);
}

/** PHP's built-in web server (php -S). */
export function startPhp(port: number): Promise<Server> {
  const dir = tempDir('php');
  writeFileSync(join(dir, 'index.php'), '<?php echo "ok";');
  return startChild('/usr/bin/php', ['-S', `127.0.0.1:${port}`, '-t', dir], port);
}
