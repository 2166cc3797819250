/**
 * HTTP/2 and gRPC through the connection machine (bpf/include/ks_http2.h → src/protocols/http2): real servers
 * and clients — Node @grpc/grpc-js, Go gRPC built from Debian's golang-google-grpc-dev, nginx h2c with curl
 * --http2-prior-knowledge (TLS: receivers/tls_uprobe/test/http2.test.ts). Every call is one span with the
 * right method, status and sizes, seen from both ends; 1,000 concurrent streams on one connection; a connection
 * older than the agent. Ports 20800-20849.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '../../../src/model/span.js';
import { spanBatch } from '../../../src/model/batch.js';
import { MetricAggregator } from '../../../src/metrics/index.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import { grpcGo } from './grpc-go.js';
import { PROGRAMS, startProc, startTrackedAgent, stopAllProcs, tempDir, waitForPort, writeNginxConf, type Agent, type Proc } from './support.js';

const MARKER = 'lumen-h2-test';
const GRPC_NODE = 20800, GRPC_GO = 20801, NGINX_H2C = 20802, GRPC_MANY = 20803, GRPC_EARLY = 20804;

let tracked: Awaited<ReturnType<typeof startTrackedAgent>> | undefined;
let agent: Agent;
const startAgent = async () => {
  tracked = await startTrackedAgent({ request_timeout: '5s' }, { instrument: [{ cmd_args: `*${MARKER}*` }, { open_ports: `${NGINX_H2C}` }], command_line: 'full' });
  agent = tracked.agent;
};
after(() => cleanUp(
  () => agent?.stop(),
  stopAllProcs,
  async () => { if (tracked) assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel'); },
));

const grpcJs = join(PROGRAMS, 'http2', 'grpc.mjs');
const show = (s: Span) => `${s.kind} ${s.protocol} ${s.name} pid=${s.service.process.pid} ${JSON.stringify(s.attributes)} ${s.http ? JSON.stringify(s.http) : ''}`;

async function server(cmd: string, args: string[], port: number): Promise<Proc> {
  if (!tracked) await startAgent(); // the first test starts it late, after its connection is up
  const p = startProc(cmd, args);
  await waitForPort(port);
  await agent.waitAdded(p.pid, 15_000);
  return p;
}

/** Lets a stdin-waiting client go once instrumented; waits until it printed `phases` DONE lines. */
async function client(p: Proc, phases = 1): Promise<Proc> {
  await agent.waitAdded(p.pid, 15_000);
  p.child.stdin!.write('go\n');
  for (let i = 0; i < 600 && p.stdout().split('DONE').length - 1 < phases; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(p.stdout().split('DONE').length - 1, phases, `${p.stdout()}\n${p.stderr()}`);
  return p;
}

function counters(): string {
  return agent.metrics.collect().filter((m) => m.name.startsWith('lumen_kernel_socket') && m.value > 0).map((m) => `${m.name}${JSON.stringify(m.labels)}=${m.value}`).join(' ');
}

async function spansOf(pred: (s: Span) => boolean, n: number, settle = 1000): Promise<Span[]> {
  await agent.waitSpans(pred, n, 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\nspans: ${agent.spans.filter(pred).slice(0, 20).map(show).join('\n')}\ncounters: ${counters()}`);
  });
  await new Promise((r) => setTimeout(r, settle)); // nothing more may come (an extra span is a bogus one)
  return agent.spans.filter(pred).sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
}
const ofPid = (pid: number) => (s: Span) => s.service.process.pid === pid;

function expectGrpc(s: Span, kind: string, method: string, status: string, reqBytes?: number, respBytes?: number): void {
  assert.equal(s.kind, kind, show(s));
  assert.equal(s.protocol, 'grpc', show(s));
  assert.equal(s.name, method, show(s));
  assert.equal(s.attributes['rpc.system.name'], 'grpc', show(s));
  assert.equal(s.attributes['rpc.method'], method, show(s));
  assert.equal(s.attributes['rpc.response.status_code'], status, show(s));
  if (reqBytes !== undefined) assert.equal(s.attributes['rpc.request.body.size'], reqBytes, show(s));
  if (respBytes !== undefined) assert.equal(s.attributes['rpc.response.body.size'], respBytes, show(s));
  assert.equal(s.attributes['lumen.http2.headers_unknown'], undefined, show(s));
  assert.ok(s.endUnixNano > s.startUnixNano, `has a duration: ${show(s)}`);
}

/** The three calls of the `basic` scenario, as both ends must report them. gRPC frames each message with a
 * 5-byte prefix: 10 bytes → 15 on the wire, the reply (twice the request) 25. */
async function expectBasic(clientPid: number, serverPid: number): Promise<void> {
  const want = [
    ['helloworld.Greeter/SayHello', 'OK', 15, 25],
    ['routeguide.RouteGuide/ListFeatures', 'OK', 10, 3 * 5 + 100 + 101 + 102],
    ['lumen.test.Directory/Lookup', 'NOT_FOUND', 11, 0],
  ] as const;
  for (const [pid, kind] of [[clientPid, 'client'], [serverPid, 'server']] as const) {
    const spans = await spansOf(ofPid(pid), 3);
    assert.equal(spans.length, 3, spans.map(show).join('\n'));
    for (const [i, [m, st, rq, rs]] of want.entries()) expectGrpc(spans[i]!, kind, m, st, rq, rs);
    assert.equal(spans[2]!.attributes['rpc.grpc.status_code'], 5);
    assert.equal(spans[2]!.attributes['error.type'], kind === 'client' ? 'NOT_FOUND' : undefined, 'NOT_FOUND is a client error, not a server one');
    // the metrics the exporters publish from these spans: rpc_{server,client}_call_duration_seconds per method and status
    const metrics = new MetricAggregator();
    metrics.consume(spanBatch(spans));
    const rpc = metrics.collect().find((m) => m.def.promName === `rpc_${kind}_call_duration_seconds`);
    assert.ok(rpc, `rpc_${kind}_call_duration_seconds`);
    const series = rpc.series.map((x) => Object.fromEntries(x.names.map((n, i) => [n, x.values[i]]).concat([['count', x.count]])));
    for (const [m, st] of want.map(([m, st]) => [m, st])) {
      assert.ok(series.some((x) => x['rpc.method'] === m && x['rpc.response.status_code'] === st && x['rpc.system.name'] === 'grpc' && x['count'] === 1), `${m} ${st} in ${JSON.stringify(series)}`);
    }
  }
}

test('a gRPC connection opened before the agent started: later calls reported with what is known, flagged, never guessed', async () => {
  const srv = startProc('node', [grpcJs, 'server', String(GRPC_EARLY), MARKER]);
  await waitForPort(GRPC_EARLY);
  const cli = startProc('node', [grpcJs, 'client', String(GRPC_EARLY), 'preexisting', MARKER], { stdin: true });
  cli.child.stdin!.write('go\n');
  for (let i = 0; i < 100 && !cli.stdout().includes('DONE before'); i++) await new Promise((r) => setTimeout(r, 100));
  assert.match(cli.stdout(), /DONE before \{"code":0,"bytes":14\}/, cli.stderr());
  await startAgent(); // the connection is established and its HPACK tables filled before this
  await agent.waitAdded(srv.pid, 15_000);
  await client(cli, 2);
  assert.match(cli.stdout(), /DONE after \[\{"code":0,"bytes":22\},\{"code":5\},\{"code":0,"messages":3\}\]/);
  const methods = ['helloworld.Greeter/SayHello', 'lumen.test.Directory/Lookup', 'routeguide.RouteGuide/ListFeatures'];
  for (const [pid, kind] of [[cli.pid, 'client'], [srv.pid, 'server']] as const) {
    const spans = await spansOf(ofPid(pid), 3);
    assert.equal(spans.length, 3, `${kind}: one span per call after the start, none for the call before: ${spans.map(show).join('\n')}`);
    for (const [i, s] of spans.entries()) {
      assert.equal(s.kind, kind, show(s));
      // what was decoded is right; what referred to entries from before the agent is flagged, not filled in
      if (s.protocol === 'grpc') {
        assert.equal(s.name, methods[i], show(s));
        if (s.attributes['rpc.response.status_code'] !== undefined) assert.equal(s.attributes['rpc.response.status_code'], i === 1 ? 'NOT_FOUND' : 'OK', show(s));
      } else {
        assert.ok(Number(s.attributes['lumen.http2.headers_unknown']) > 0, `an HTTP/2 span without the gRPC method says fields were unknown: ${show(s)}`);
        assert.ok(s.http?.path === '' || s.http?.path === `/${methods[i]}`, show(s));
      }
    }
    assert.ok(spans.some((s) => Number(s.attributes['lumen.http2.headers_unknown']) > 0), `fields referring to the earlier table are flagged: ${spans.map(show).join('\n')}`);
  }
  await cli.kill();
  await srv.kill();
});

test('Node @grpc/grpc-js: unary, server-streaming and an error, one span per call at both ends', async () => {
  const srv = await server('node', [grpcJs, 'server', String(GRPC_NODE), MARKER], GRPC_NODE);
  const cli = await client(startProc('node', [grpcJs, 'client', String(GRPC_NODE), 'basic', MARKER], { stdin: true }));
  assert.match(cli.stdout(), /DONE basic \[\{"code":0,"bytes":20\},\{"code":0,"messages":3\},\{"code":5\}\]/, cli.stderr());
  await expectBasic(cli.pid, srv.pid);
  await cli.kill();
  await srv.kill();
});

test('Go gRPC (Debian golang-google-grpc-dev): unary, server-streaming and an error, one span per call at both ends', async () => {
  const bin = grpcGo();
  const srv = await server(bin, ['server', String(GRPC_GO), MARKER], GRPC_GO);
  const cli = await client(startProc(bin, ['client', String(GRPC_GO), 'basic', MARKER], { stdin: true }));
  assert.match(cli.stdout(), /DONE basic \[\{"bytes":20,"code":0\},\{"code":0,"messages":3\},\{"code":5\}\]/, cli.stderr());
  await expectBasic(cli.pid, srv.pid);
  await cli.kill();
  await srv.kill();
});

test('1,000 concurrent gRPC streams on one connection: every call one span, attributed to the right call', async () => {
  const srv = await server('node', [grpcJs, 'server', String(GRPC_MANY), MARKER], GRPC_MANY);
  const cli = await client(startProc('node', [grpcJs, 'client', String(GRPC_MANY), 'many', MARKER], { stdin: true }));
  assert.match(cli.stdout(), /DONE many \{"ok":1000\}/, cli.stderr());
  for (const [pid, kind] of [[cli.pid, 'client'], [srv.pid, 'server']] as const) {
    const spans = await spansOf(ofPid(pid), 1001, 1500);
    assert.equal(spans.length, 1001, kind);
    const ports = new Set(spans.map((s) => (kind === 'client' ? s.connection.hostPort : s.connection.peerPort)));
    assert.equal(ports.size, 1, 'one connection');
    // request i carried 2 + i % 50 bytes and its reply twice that: each span's sizes belong to one call
    const bySize = new Map<number, number>();
    for (const s of spans) {
      expectGrpc(s, kind, 'helloworld.Greeter/SayHello', 'OK');
      const rq = Number(s.attributes['rpc.request.body.size']) - 5;
      assert.equal(Number(s.attributes['rpc.response.body.size']) - 5, 2 * rq, show(s));
      bySize.set(rq, (bySize.get(rq) ?? 0) + 1);
    }
    for (let n = 2; n < 52; n++) assert.equal(bySize.get(n), 20, `calls with ${n}-byte requests (${kind})`);
    assert.equal(bySize.get(1), 1, 'the warm-up call');
  }
  await cli.kill();
  await srv.kill();
});

test('nginx h2c (prior knowledge) to curl --http2-prior-knowledge: one server and one client span per request', async () => {
  const dir = tempDir('nginx-h2c');
  chmodSync(dir, 0o755); // workers run as nobody
  writeFileSync(join(dir, 'index.html'), 'hello over h2c\n');
  const conf = writeNginxConf(dir, {
    connections: 64,
    server: `    listen 127.0.0.1:${NGINX_H2C} http2;
    root ${dir};
    location /status/ { return 404; }`,
  });
  if (!tracked) await startAgent();
  const nginx = startProc('/usr/sbin/nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')]);
  await waitForPort(NGINX_H2C);
  await agent.waitAdded(nginx.pid, 15_000);
  const workers = () => execFileSync('pgrep', ['-P', String(nginx.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
  for (const w of workers()) await agent.waitAdded(w, 15_000);
  // one curl per request: curl 7.88 does not reuse an h2c prior-knowledge connection for a second URL
  const paths = ['/index.html', '/status/missing', '/index.html?i=2'];
  const curls: number[] = [];
  for (const path of paths) {
    const curl = startProc('sh', ['-c', `read _ && exec curl -s --http2-prior-knowledge -H 'x-mark: ${MARKER}' -o /dev/null -w '%{http_code} %{http_version}' 'http://127.0.0.1:${NGINX_H2C}${path}'`, MARKER], { stdin: true });
    await agent.waitAdded(curl.pid, 15_000);
    curl.child.stdin!.end('go\n');
    assert.equal(await curl.exited(), 0, curl.stderr());
    assert.equal(curl.stdout(), `${path.includes('missing') ? 404 : 200} 2`);
    curls.push(curl.pid);
  }
  const mine = (s: Span) => s.connection.hostPort === NGINX_H2C || s.connection.peerPort === NGINX_H2C;
  const spans = await spansOf(mine, 6);
  assert.equal(spans.length, 6, spans.map(show).join('\n'));
  for (const kind of ['server', 'client'] as const) {
    const side = spans.filter((s) => s.kind === kind);
    assert.equal(side.length, 3, spans.map(show).join('\n'));
    for (const [i, s] of side.entries()) {
      assert.ok(kind === 'client' ? s.service.process.pid === curls[i] : workers().includes(s.service.process.pid), show(s));
      assert.equal(s.protocol, 'http');
      assert.equal(s.http?.protocolVersion, '2');
      assert.equal(s.http?.method, 'GET');
      assert.equal(s.http?.path, paths[i]!.split('?')[0]);
      assert.equal(s.http?.status, i === 1 ? 404 : 200);
      if (i !== 1) assert.equal(s.http?.responseBodySize, 'hello over h2c\n'.length);
    }
    assert.equal(side[2]!.http?.query, 'i=2');
  }
  await nginx.kill();
});
