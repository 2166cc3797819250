/**
 * h2c by HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2) through the connection machine: the request sent with the
 * Upgrade is answered 101 and then, as stream 1, over HTTP/2; the kernel follows the connection into HTTP/2
 * (bpf/include/ks_http2.h KS_H2_UPGRADING) and src/capture/h2c-upgrade.ts joins the two halves into one span.
 * Real programs: a Go server on golang.org/x/net/http2/h2c (Debian's golang-golang-x-net-dev), curl --http2 and
 * the JDK 17 java.net.http.HttpClient (HTTP_2 to an http:// URL) as clients; both ends checked. Also Python
 * httpx (h2) by prior knowledge to the same server, and a WebSocket-style upgrade that must stay HTTP/1's 101.
 * Ports 20850-20859.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Span } from '../../../src/model/span.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import { goHttp2Program } from './grpc-go.js';
import { PROGRAMS, startProc, startTrackedAgent, stopAllProcs, tempDir, waitForPort, type Agent } from './support.js';

const MARKER = 'lumen-h2c-upgrade-test';
const PORT = 20850, WS_PORT = 20851, PY_PORT = 20852;

let tracked: Awaited<ReturnType<typeof startTrackedAgent>> | undefined;
let agent: Agent;
after(() => cleanUp(
  () => agent?.stop(),
  stopAllProcs,
  async () => { if (tracked) assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel'); },
));

const show = (s: Span) => `${s.kind} ${s.protocol} pid=${s.service.process.pid} ${JSON.stringify(s.http)} ${JSON.stringify(s.attributes)}`;

/** The spans of `pid` on the test port once `n` have come (and a second more: an extra one would be bogus). */
async function spansOf(pid: number, n: number, port = PORT): Promise<Span[]> {
  const mine = (s: Span) => s.service.process.pid === pid && (s.connection.hostPort === port || s.connection.peerPort === port);
  await agent.waitSpans(mine, n, 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${agent.spans.filter(mine).map(show).join('\n')}`);
  });
  await new Promise((r) => setTimeout(r, 1000));
  return agent.spans.filter(mine).sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
}

/** Each request one span: the upgrade request (stream 1) with its HTTP/2 answer, the others as streams. */
function expectCalls(spans: Span[], kind: 'server' | 'client', paths: readonly string[], port = PORT): void {
  assert.equal(spans.length, paths.length, spans.map(show).join('\n'));
  for (const [i, s] of spans.entries()) {
    const path = paths[i]!;
    const status = path === '/missing' ? 404 : 200;
    assert.equal(s.kind, kind, show(s));
    assert.equal(s.protocol, 'http', show(s));
    assert.equal(s.http?.method, 'GET', show(s));
    assert.equal(s.http?.path, path, show(s));
    assert.equal(s.http?.status, status, show(s)); // never the 101
    assert.equal(s.http?.protocolVersion, '2', show(s));
    assert.equal(s.http?.host, `127.0.0.1:${port}`, show(s));
    assert.equal(s.http?.responseBodySize, status === 404 ? 3 : `hello h2c ${path}\n`.length, show(s));
    assert.equal(s.attributes['lumen.http2.headers_unknown'], undefined, show(s));
    assert.ok(s.endUnixNano > s.startUnixNano, show(s));
  }
}

test('h2c Upgrade: curl --http2 and the JDK HttpClient against Go x/net/http2/h2c — the upgrade request and the streams after it, one span each, both ends', async () => {
  tracked = await startTrackedAgent({ request_timeout: '5s' }, { instrument: [{ cmd_args: `*${MARKER}*` }], command_line: 'full' });
  agent = tracked.agent;
  const server = startProc(goHttp2Program('h2cgo'), [String(PORT), MARKER]);
  await waitForPort(PORT);
  await agent.waitAdded(server.pid, 15_000);

  // curl: the first URL is sent with Upgrade: h2c, the second reuses the upgraded connection as stream 3
  const curlPaths = ['/curl/upgrade', '/missing'] as const;
  const curl = startProc('sh', ['-c', `read _ && exec curl -s --http2 -H 'x-mark: ${MARKER}' -w '%{http_code} %{http_version}\\n' ${curlPaths.map((p) => `-o /dev/null 'http://127.0.0.1:${PORT}${p}'`).join(' ')}`, MARKER], { stdin: true });
  await agent.waitAdded(curl.pid, 15_000);
  curl.child.stdin!.end('go\n');
  assert.equal(await curl.exited(), 0, curl.stderr());
  assert.equal(curl.stdout(), '200 2\n404 2\n');
  const curlSpans = await spansOf(curl.pid, 2);
  expectCalls(curlSpans, 'client', curlPaths);

  // the JDK: Upgrade on its first request, then streams 3 and 5 of the same connection
  const javaPaths = ['/java/upgrade', '/java/2', '/missing'] as const;
  const java = startProc('java', ['-XX:TieredStopAtLevel=1', join(PROGRAMS, 'java', 'H2cClient.java'), String(PORT), MARKER, ...javaPaths], { stdin: true });
  await agent.waitAdded(java.pid, 30_000);
  java.child.stdin!.end('go\n');
  assert.equal(await java.exited(), 0, java.stderr());
  assert.equal(java.stdout(), '200 HTTP_2\n200 HTTP_2\n404 HTTP_2\nDONE\n');
  const javaSpans = await spansOf(java.pid, 3);
  expectCalls(javaSpans, 'client', javaPaths);

  const serverSpans = await spansOf(server.pid, 5);
  // the server's spans of each client's connection (its port is the client span's own)
  for (const [client, paths] of [[curlSpans, curlPaths], [javaSpans, javaPaths]] as const) {
    expectCalls(serverSpans.filter((s) => s.connection.peerPort === client[0]!.connection.hostPort), 'server', paths);
  }
  await server.kill();
});

/** Python httpx (Debian's python3-httpx + python3-h2): HTTP/2 over cleartext by prior knowledge (httpx does no Upgrade). */
const HTTPX_SCRIPT = `
import sys, httpx
port, paths = sys.argv[1], sys.argv[3:]
sys.stdin.readline()
with httpx.Client(http1=False, http2=True) as c:
    for p in paths:
        r = c.get('http://127.0.0.1:' + port + p)
        print(r.status_code, r.http_version)
print('DONE')
`;

test('Python httpx over h2c prior knowledge to the same Go server: one span per request, both ends', async () => {
  const server = startProc(goHttp2Program('h2cgo'), [String(PY_PORT), MARKER]);
  await waitForPort(PY_PORT);
  await agent.waitAdded(server.pid, 15_000);
  const paths = ['/py/1', '/missing'] as const;
  const script = join(tempDir('lumen-httpx-'), 'client.py');
  writeFileSync(script, HTTPX_SCRIPT);
  // Debian's python3 (its python3-httpx), not one earlier on PATH
  const py = startProc('/usr/bin/python3', [script, String(PY_PORT), MARKER, ...paths], { stdin: true });
  await agent.waitAdded(py.pid, 15_000);
  py.child.stdin!.end('go\n');
  assert.equal(await py.exited(), 0, py.stderr());
  assert.equal(py.stdout(), '200 HTTP/2\n404 HTTP/2\nDONE\n');
  expectCalls(await spansOf(py.pid, 2, PY_PORT), 'client', paths, PY_PORT);
  expectCalls(await spansOf(server.pid, 2, PY_PORT), 'server', paths, PY_PORT);
  await server.kill();
});

/** A WebSocket-style upgrade in one Node process (server and client): 101, then frames in both directions. */
const WS_SCRIPT = `
const http = require('node:http'), net = require('node:net');
const port = Number(process.argv[2]);
const server = http.createServer((req, res) => res.end('plain'));
server.on('upgrade', (req, sock) => {
  sock.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n');
  sock.on('data', (d) => sock.write(Buffer.concat([Buffer.from([0x81, d.length]), d])));
});
server.listen(port, '127.0.0.1', () => process.stdin.once('data', () => {
  const c = net.connect(port, '127.0.0.1', () => c.write('GET /ws HTTP/1.1\\r\\nHost: x\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n'));
  let n = 0;
  c.on('data', () => { if (++n <= 5) setTimeout(() => c.write(Buffer.from('GET /not-a-request HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n')), 20); else { console.log('DONE'); c.destroy(); setTimeout(() => process.exit(0), 300); } });
}));
`;

test('an Upgrade to anything else (WebSocket): the 101 stays an HTTP/1 span and the frames after it make no span', async () => {
  const script = join(tempDir('lumen-ws-'), 'ws.cjs'); // a file: the discovery glob matches one-line command lines
  writeFileSync(script, WS_SCRIPT);
  const p = startProc('node', [script, String(WS_PORT), MARKER], { stdin: true });
  await waitForPort(WS_PORT);
  await agent.waitAdded(p.pid, 15_000);
  p.child.stdin!.write('go\n');
  assert.equal(await p.exited(), 0, p.stderr());
  assert.match(p.stdout(), /DONE/);
  const mine = (s: Span) => s.service.process.pid === p.pid;
  await agent.waitSpans(mine, 2, 20_000);
  // the frames carry an HTTP/1 request line: were it taken for a request, its span would come by request_timeout
  await new Promise((r) => setTimeout(r, 6000));
  const spans = agent.spans.filter(mine);
  assert.deepEqual(spans.map((s) => `${s.kind} ${s.http?.method} ${s.http?.path} ${s.http?.status}`).sort(), ['client GET /ws 101', 'server GET /ws 101'], spans.map(show).join('\n'));
});
