/**
 * Real TLS programs for the tls_uprobe tests (ports 19800-19899), each started by a test and stopped in its
 * cleanup: nginx (libssl.so.3), `openssl s_server -www`, a Node `https` server, Python's http.server wrapped
 * with `ssl`, and clients (curl, Python urllib/http.client, Node https). Certificates are made by openssl in
 * a temporary directory.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Proc {
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | string>;
  stop(): Promise<void>;
}

const procs = new Set<Proc>();
const dirs = new Set<string>();

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `lumen-tls-${prefix}-`));
  dirs.add(d);
  return d;
}

/** Stops everything this module started and removes its directories. */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...procs].map((p) => p.stop()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; stdin?: boolean } = {}): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => { out += String(d); });
  child.stderr!.on('data', (d) => { out += String(d); });
  const exited = new Promise<number | string>((r) => child.once('exit', (code, sig) => r(code ?? sig ?? -1)));
  const p: Proc = {
    pid: child.pid!, child, output: () => out, exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      procs.delete(p);
    },
  };
  procs.add(p);
  void exited.then(() => procs.delete(p));
  return p;
}

export async function waitForPort(port: number, p?: Proc, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p && p.child.exitCode !== null) throw new Error(`process exited before listening on ${port}:\n${p.output()}`);
    if (await new Promise<boolean>((res) => { const s = connect({ host: '127.0.0.1', port }, () => { s.destroy(); res(true); }); s.on('error', () => res(false)); })) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port} after ${timeoutMs} ms${p ? `:\n${p.output()}` : ''}`);
}

export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface Certs { readonly dir: string; readonly cert: string; readonly key: string }

/** A self-signed certificate for 127.0.0.1 / localhost, made by openssl. */
export function makeCerts(): Certs {
  const dir = tempDir('certs');
  const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'pipe' });
  return { dir, cert, key };
}

export interface Server { readonly proc: Proc; readonly port: number; pids(): number[] }

/** nginx: master + `workers` workers, TLS on `port` (`http2`: with ALPN h2), a static file at /index.html (`body`), keep-alive. */
export async function startNginxTls(port: number, certs: Certs, workers = 1, body = 'hello over tls\n', http2 = false): Promise<Server> {
  const dir = tempDir('nginx');
  chmodSync(dir, 0o755); // workers run as an unprivileged user
  for (const t of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, t));
  writeFileSync(join(dir, 'index.html'), body);
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
master_process on;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl${http2 ? ' http2' : ''};
    ssl_certificate ${certs.cert};
    ssl_certificate_key ${certs.key};
    root ${dir};
    location /status/ { return 404; }
  }
}
`);
  const proc = run('/usr/sbin/nginx', ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`]);
  await waitForPort(port, proc);
  for (let i = 0; i < 100 && childrenOf(proc.pid).length < workers; i++) await sleep(20);
  return { proc, port, pids: () => [proc.pid, ...childrenOf(proc.pid)] };
}

export async function startOpensslServer(port: number, certs: Certs): Promise<Server> {
  const proc = run('openssl', ['s_server', '-www', '-accept', `127.0.0.1:${port}`, '-cert', certs.cert, '-key', certs.key, '-quiet'], { stdin: true });
  await waitForPort(port, proc);
  return { proc, port, pids: () => [proc.pid] };
}

/**
 * A Node https server: 200 "node <url> <body bytes>"; `/status/<code>` that status; `/slow` after 300 ms; `/hang` never.
 * It prints "got <url>" for `/slow` and `/hang`, so a test can act once the request is in the server (see `received`).
 */
export async function startNodeHttps(port: number, certs: Certs): Promise<Server> {
  const code = `
const https = require('https'), fs = require('fs');
https.createServer({ key: fs.readFileSync(${JSON.stringify(certs.key)}), cert: fs.readFileSync(${JSON.stringify(certs.cert)}) }, (req, res) => {
  const m = /^\\/status\\/(\\d+)/.exec(req.url);
  if (m) { res.statusCode = +m[1]; res.end('status'); return; }
  if (req.url === '/slow' || req.url === '/hang') console.log('got ' + req.url);
  if (req.url === '/slow') { setTimeout(() => res.end('slow'), 300); return; }
  if (req.url === '/hang') return;
  let n = 0; req.on('data', (d) => { n += d.length; }); req.on('end', () => res.end('node ' + req.url + ' ' + n));
}).listen(${port}, '127.0.0.1');`;
  const proc = run(process.execPath, ['-e', code]);
  await waitForPort(port, proc);
  return { proc, port, pids: () => [proc.pid] };
}

/** Resolves once `server` has printed that it holds a request for `path` (a fixed sleep is too short on a loaded machine). */
export async function received(server: Server, path: string, timeoutMs = 15_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(20)) {
    if (server.proc.output().includes(`got ${path}\n`)) return;
  }
  throw new Error(`the server did not receive ${path} within ${timeoutMs} ms:\n${server.proc.output()}`);
}

/** Python's http.server (threaded) wrapped with ssl; `/status/<code>` answers that status. */
export async function startPythonHttps(port: number, certs: Certs): Promise<Server> {
  const code = `
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_GET(self):
        st = int(self.path.split('/')[2]) if self.path.startswith('/status/') else 200
        body = ('python ' + self.path).encode()
        self.send_response(st); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        n = int(self.headers.get('Content-Length', '0')); self.rfile.read(n)
        body = b'posted'
        self.send_response(201); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer(('127.0.0.1', ${port}), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(${JSON.stringify(certs.cert)}, ${JSON.stringify(certs.key)})
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()`;
  const proc = run('python3', ['-c', code]);
  await waitForPort(port, proc);
  return { proc, port, pids: () => [proc.pid] };
}

/**
 * A client that waits for "go\n" on stdin before sending (so the test can attach first), then requests
 * `paths` over one keep-alive connection and exits. `mark` goes into its command line (discovery selects it).
 */
export function pythonClient(port: number, paths: string[], mark: string): Proc {
  const code = `
import ssl, sys, urllib.request
ctx = ssl._create_unverified_context()
sys.stdin.readline()
opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=ctx))
for p in ${JSON.stringify(paths)}:
    try:
        opener.open('https://127.0.0.1:${port}' + p).read()
    except urllib.error.HTTPError as e:
        e.read()
print('done')`;
  return run('python3', [script('client.py', code), mark], { stdin: true });
}

export function nodeClient(port: number, paths: string[], mark: string): Proc {
  const code = `
const https = require('https');
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
process.stdin.once('data', async () => {
  for (const p of ${JSON.stringify(paths)}) {
    await new Promise((res, rej) => https.get({ host: '127.0.0.1', port: ${port}, path: p, agent }, (r) => { r.resume(); r.on('end', res); }).on('error', rej));
  }
  agent.destroy(); console.log('done'); process.exit(0);
});`;
  return run(process.execPath, [script('client.js', code), mark], { stdin: true });
}

/** curl reading its URLs from a config on stdin (-K -): it starts, maps libssl, and waits for the list. */
export function curlClient(mark: string, extra: string[] = []): Proc {
  return run('curl', ['-sk', '--http1.1', '-H', `X-Lumen-Mark: ${mark}`, ...extra, '-K', '-'], { stdin: true });
}

/** curl POSTing what it reads on stdin (it waits for EOF) to `url`, discarding the answer. */
export function curlPost(mark: string, url: string, extra: string[] = []): Proc {
  return run('curl', ['-sk', '--http1.1', '-o', '/dev/null', '-H', `X-Lumen-Mark: ${mark}`, ...extra, '--data-binary', '@-', url], { stdin: true });
}

export function curlConfig(port: number, paths: string[]): string {
  return paths.map((p) => `url = "https://127.0.0.1:${port}${p}"\noutput = "/dev/null"\n`).join('');
}

/** Writes a program to a file of its own (discovery matches command lines; a newline in argv defeats globs). */
export function script(name: string, code: string): string {
  const f = join(tempDir('script'), name);
  writeFileSync(f, code);
  return f;
}

/** Lets a stdin-waiting client go. */
export function go(p: Proc, text = 'go\n'): void {
  p.child.stdin!.end(text);
}
