/**
 * Real clients (curl, Python urllib, Node fetch, Go http.Client, Java HttpClient) calling an instrumented Node
 * server: every call is exactly one client span with the right method, path, status and sizes, and it shares
 * its connection tuple (mirrored) with the server span it hit.
 */
import { test } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Span } from '../../../src/model/span.js';
import {
  CLIENT_MARKER, clientServiceName, describe, instrumented, runClient, sleep, startProc, type Agent, type ClientKind, type Server,
  nodeServerFixture,
} from './support.js';

let agent: Agent;
let server: Server;
/** How much earlier than the server's span a client span may end (see the enclosure check). */
const END_SLACK_NS = 200_000n;
const PORT = 19630;

nodeServerFixture({ request_timeout: '5s' }, PORT, (a, s) => { agent = a; server = s; });

const base = `http://127.0.0.1:${PORT}`;
const BODY = 'p'.repeat(300);

for (const kind of ['curl', 'python', 'node', 'go', 'java'] as ClientKind[]) {
  test(`${kind} client: one client span per call, tuple shared with the server span`, async () => {
    const tag = `c-${kind}`;
    const lines = [`GET ${base}/hello?who=${tag}`, `GET ${base}/status/404?who=${tag}`, `GET ${base}/hello?who=${tag}&n=2`];
    if (kind !== 'curl') lines.push(`POST ${base}/echo?who=${tag} ${BODY}`);
    const results = await runClient(agent, kind, lines);
    const mine = (s: Span) => s.http?.query.includes(`who=${tag}`) === true;
    const isClient = (s: Span) => mine(s) && s.kind === 'client';
    const isServer = (s: Span) => mine(s) && s.kind === 'server';
    await agent.waitSpans(isClient, lines.length, 10_000);
    await agent.waitSpans(isServer, lines.length, 10_000);
    await sleep(300);
    const clients = agent.spans.filter(isClient);
    const servers = agent.spans.filter(isServer);
    assert.equal(clients.length, lines.length, `client spans: ${clients.map(describe).join(' | ')}`);
    assert.equal(servers.length, lines.length, `server spans: ${servers.map(describe).join(' | ')}`);
    for (const [i, line] of lines.entries()) {
      const [method, url] = line.split(' ');
      const u = new URL(url!);
      const c = clients.find((s) => s.http?.path === u.pathname && s.http.query === u.search.slice(1) && s.http.method === method);
      assert.ok(c, `no client span for ${line}`);
      assert.equal(c.service.name, clientServiceName(kind));
      assert.equal(c.http?.status, results[i]!.status);
      assert.equal(c.http?.responseBodySize, results[i]!.bytes, `${line}: response body size`);
      assert.equal(c.http?.requestBodySize, method === 'POST' ? BODY.length : 0, `${line}: request body size`);
      assert.equal(c.connection.peerPort, PORT);
      assert.equal(c.connection.peerAddress, '127.0.0.1');
      const s = servers.find((x) => x.http?.path === u.pathname && x.http.query === u.search.slice(1));
      assert.ok(s, `no server span for ${line}`);
      assert.equal(s.service.name, server.serviceName);
      assert.deepEqual(
        { peer: `${s.connection.peerAddress}:${s.connection.peerPort}`, host: `${s.connection.hostAddress}:${s.connection.hostPort}` },
        { peer: `${c.connection.hostAddress}:${c.connection.hostPort}`, host: `${c.connection.peerAddress}:${c.connection.peerPort}` },
        'the server span sees the client span tuple mirrored');
      // The server's span ends when its last write syscall returns; on loopback the client, on the other CPU,
      // can already have read those bytes (its span's end) a few microseconds earlier. So: the client starts
      // first, and ends no more than END_SLACK_NS before the server.
      assert.ok(c.startUnixNano <= s.startUnixNano && c.endUnixNano + END_SLACK_NS >= s.endUnixNano,
        `client span ${c.startUnixNano}-${c.endUnixNano} should enclose server span ${s.startUnixNano}-${s.endUnixNano}`);
    }
  });
}

// A connection's end is its process's own close (or an abort), not a shutdown of the write side alone: a client
// that sends its request and then shuts down writing still reads the answer, and its span must have it.
test('a client that half-closes after its request (shutdown SHUT_WR) still gets one client span with the response', async () => {
  const code = [
    'import socket, sys',
    'sys.stdin.readline()',
    `s = socket.create_connection(("127.0.0.1", ${PORT}))`,
    's.sendall(b"GET /hello?who=halfclose HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")',
    's.shutdown(socket.SHUT_WR)',
    'data = b""',
    'while True:',
    '    d = s.recv(65536)',
    '    if not d: break',
    '    data += d',
    'print("STATUS", data.split(b" ")[1].decode(), flush=True)',
  ].join('\n');
  const script = join(mkdtempSync(join(tmpdir(), 'lumen-halfclose-')), 'halfclose.py');
  writeFileSync(script, code);
  const p = startProc('python3', [script, CLIENT_MARKER], { stdin: true, env: { OTEL_SERVICE_NAME: 'ks-client-halfclose' } });
  await agent.waitAdded(p.pid, 15_000);
  p.child.stdin!.end('go\n');
  assert.equal(await p.exited(), 0, p.stderr());
  assert.match(p.stdout(), /STATUS 200/);
  const isClient = (x: Span) => x.kind === 'client' && x.http?.query === 'who=halfclose';
  const [c] = await agent.waitSpans(isClient, 1, 10_000);
  await sleep(300);
  assert.equal(agent.spans.filter(isClient).length, 1);
  assert.equal(c!.http?.status, 200, describe(c!));
  assert.equal(c!.http?.responseBodySize, 11);
});
