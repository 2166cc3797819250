/**
 * Bad and unusual input against a real Node http server: random bytes, TLS records, truncated and oversized
 * headers, a slowloris client, a server killed mid-request, fd reuse after close, pipelining, requests split
 * across reads, IPv6. No crash, no bogus span, a counter for everything discarded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Span } from '../../../src/model/span.js';
import {
  describe, instrumented, sleep, startProc, startServer, waitForPort, PROGRAMS, type Agent, type Server, nodeServerFixture,
} from './support.js';
import { join } from 'node:path';

const run = promisify(execFile);
const PORT = 19640;
let agent: Agent;
let server: Server;

nodeServerFixture({ request_timeout: '2s' }, PORT, (a, s) => { agent = a; server = s; });

function open(port = PORT, host = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Writes, then collects what the server sends until it closes or `ms` pass. */
async function exchange(s: Socket, data: Buffer | string, ms = 500): Promise<string> {
  let got = '';
  s.on('data', (d) => { got += d.toString('latin1'); });
  s.on('error', () => {});
  s.write(data);
  await Promise.race([new Promise((r) => s.once('close', r)), sleep(ms)]);
  return got;
}

const byPath = (path: string) => (s: Span) => s.service.name === server.serviceName && s.http?.path === path;
const discarded = (reason: string) => agent.counter('lumen_kernel_socket_discarded_total', { reason });

/** A valid request still works: the agent did not stop or get confused. */
async function stillWorks(tag: string): Promise<void> {
  const { stdout } = await run('curl', ['-s', `http://127.0.0.1:${PORT}/hello?after=${tag}`]);
  assert.equal(stdout, 'hello world');
  await agent.waitSpans((s) => s.http?.query === `after=${tag}`, 1, 5000);
}

test('random bytes and TLS records: no span, connections counted as not HTTP', async () => {
  const spansBefore = agent.spans.length;
  const before = discarded('non_http_connection');
  for (let i = 0; i < 10; i++) {
    const s = await open();
    let junk = randomBytes(1 + Math.floor(Math.random() * 4000));
    while (/^[A-Z]/.test(junk.toString('latin1', 0, 1))) junk = randomBytes(junk.length); // never a method's first letter
    await exchange(s, junk, 200);
    s.destroy();
  }
  for (let i = 0; i < 3; i++) {
    await new Promise<void>((resolve) => {
      const t = tlsConnect({ host: '127.0.0.1', port: PORT, rejectUnauthorized: false, servername: 'x' });
      t.on('error', () => resolve());
      t.on('close', () => resolve());
      setTimeout(() => { t.destroy(); resolve(); }, 1000);
    });
  }
  await stillWorks('junk');
  const after = agent.spans.slice(spansBefore);
  assert.deepEqual(after.filter((s) => s.http?.query !== 'after=junk').map(describe), [], 'no span from junk');
  await waitCounter(() => discarded('non_http_connection') - before >= 13, 'non_http_connection counted');
});

test('truncated request head: reset gives no span (counted); a clean close gets the server\'s 400 as one span', async () => {
  const before = discarded('incomplete_request_closed');
  const s = await open();
  await exchange(s, 'GET /truncated HTTP/1.1\r\nHost: x\r\nX-Partial: abc', 300);
  s.resetAndDestroy();
  await stillWorks('trunc');
  assert.equal(agent.spans.filter(byPath('/truncated')).length, 0);
  await waitCounter(() => discarded('incomplete_request_closed') > before, 'incomplete_request_closed counted');

  const s2 = await open();
  let reply = '';
  s2.on('data', (d) => { reply += String(d); });
  s2.write('GET /truncated2 HTTP/1.1\r\nHost: x\r\nX-Partial: abc');
  await sleep(100);
  s2.end();
  await new Promise((r) => s2.once('close', r));
  assert.match(reply, /^HTTP\/1\.1 400/);
  const [sp] = await agent.waitSpans(byPath('/truncated2'), 1, 5000);
  assert.equal(sp!.http?.status, 400);
  await sleep(300);
  assert.equal(agent.spans.filter(byPath('/truncated2')).length, 1);
});

test('oversized header block: the 431 answer is one span, the header counted as truncated', async () => {
  const before = agent.counter('lumen_kernel_socket_header_truncated_total');
  const s = await open();
  const reply = await exchange(s, `GET /oversized HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`, 1000);
  s.destroy();
  assert.match(reply, /^HTTP\/1\.1 431/);
  await stillWorks('big');
  const spans = agent.spans.filter(byPath('/oversized'));
  assert.ok(spans.length <= 1, `at most one span: ${spans.map(describe)}`);
  for (const sp of spans) assert.equal(sp.http?.status, 431);
  await waitCounter(() => agent.counter('lumen_kernel_socket_header_truncated_total') > before, 'header_truncated counted');
});

test('slowloris: a head trickled and never finished gives no span; the sweeper discards it', async () => {
  const before = discarded('incomplete_request_timeout');
  const s = await open();
  s.on('error', () => {});
  s.write('GET /slowloris HTTP/1.1\r\nHost: x\r\n');
  for (let i = 0; i < 8; i++) {
    await sleep(250);
    s.write(`X-Slow-${i}: ${i}\r\n`);
  }
  await waitCounter(() => discarded('incomplete_request_timeout') > before, 'incomplete_request_timeout counted', 8000);
  s.destroy();
  await stillWorks('slow');
  assert.equal(agent.spans.filter(byPath('/slowloris')).length, 0);
});

test('a request never answered by a live server: one status-0 span after request_timeout, counted', async () => {
  const before = agent.counter('lumen_kernel_socket_incomplete_total', { reason: 'timeout' });
  const s = await open();
  s.on('error', () => {});
  s.write('GET /hang?live=1 HTTP/1.1\r\nHost: x\r\n\r\n');
  const t0 = Date.now();
  const [sp] = await agent.waitSpans((x) => x.http?.query === 'live=1', 1, 8000);
  const waited = Date.now() - t0;
  assert.ok(waited >= 1900, `reported after ${waited} ms, request_timeout is 2 s`);
  assert.equal(sp!.http?.status, 0);
  assert.equal(sp!.http?.path, '/hang');
  assert.equal(sp!.connection.peerPort, s.localPort);
  assert.equal(agent.counter('lumen_kernel_socket_incomplete_total', { reason: 'timeout' }) - before, 1);
  s.destroy();
  await sleep(500);
  assert.equal(agent.spans.filter((x) => x.http?.query === 'live=1').length, 1, 'closing later adds no second span');
});

test('server killed mid-request: one status-0 span for the request it never answered', async () => {
  const victim = await startServer('node', PORT + 1);
  await instrumented(agent, victim.pids);
  const s = await open(PORT + 1);
  s.on('error', () => {});
  s.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
  await sleep(300);
  await victim.proc.kill('SIGKILL');
  const pred = (sp: Span) => sp.service.name === victim.serviceName && sp.http?.path === '/hang';
  const [sp] = await agent.waitSpans(pred, 1, 10_000);
  assert.equal(sp!.http?.status, 0);
  assert.equal(sp!.kind, 'server');
  await sleep(500);
  assert.equal(agent.spans.filter(pred).length, 1);
  assert.ok(agent.counter('lumen_kernel_socket_incomplete_total') >= 1);
  s.destroy();
});

test('fd reuse after close: junk then HTTP on successive connections, each HTTP request one span', async () => {
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) {
    const s = await open();
    if (i % 2 === 0) {
      await exchange(s, randomBytes(64).fill(0x17, 0, 1), 200); // not HTTP: the fd is marked, then closed
    } else {
      ports.push(s.localPort!);
      const reply = await exchange(s, `GET /reuse?i=${i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 1000);
      assert.match(reply, /^HTTP\/1\.1 404/);
    }
    s.destroy();
    await sleep(50);
  }
  const spans = await agent.waitSpans(byPath('/reuse'), 3, 5000);
  await sleep(300);
  assert.equal(agent.spans.filter(byPath('/reuse')).length, 3);
  assert.deepEqual(spans.map((s) => s.connection.peerPort).sort(), ports.sort());
  assert.deepEqual(spans.map((s) => s.http?.status), [404, 404, 404]);
});

test('pipelining: three requests in one write are three spans, in order', async () => {
  const s = await open();
  const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const reply = await exchange(s, req('/pipe/1') + req('/status/404?pipe=2') + req('/pipe/3'), 1000);
  s.destroy();
  assert.equal(reply.match(/HTTP\/1\.1 /g)?.length, 3);
  const one = (await agent.waitSpans(byPath('/pipe/1'), 1, 5000))[0]!;
  const two = (await agent.waitSpans((x) => x.http?.query === 'pipe=2', 1, 5000))[0]!;
  const three = (await agent.waitSpans(byPath('/pipe/3'), 1, 5000))[0]!;
  assert.deepEqual([one.http?.status, two.http?.status, three.http?.status], [404, 404, 404]);
  assert.ok(one.endUnixNano <= two.endUnixNano && two.endUnixNano <= three.endUnixNano);
});

test('a request split across many reads (down to one byte) is one span', async () => {
  const s = await open();
  s.setNoDelay(true);
  s.on('data', () => {});
  for (const part of ['G', 'ET /sp', 'lit?x=1 HTTP/1.1\r\nHo', 'st: x\r\n', '\r\n']) {
    s.write(part);
    await sleep(40);
  }
  const [sp] = await agent.waitSpans(byPath('/split'), 1, 5000);
  assert.equal(sp!.http?.method, 'GET');
  assert.equal(sp!.http?.query, 'x=1');
  assert.equal(sp!.http?.status, 404);
  assert.equal(sp!.connection.peerPort, s.localPort);
  s.destroy();
});

test('IPv6 loopback on an unusual port: tuple in IPv6 form', async () => {
  const port = PORT + 3;
  const p = startProc(process.execPath, [join(PROGRAMS, 'server.mjs'), String(port), '::1'], { env: { OTEL_SERVICE_NAME: 'ks-v6' } });
  await waitForPort(port, 20_000, '::1');
  await agent.waitAdded(p.pid, 15_000);
  const { stdout } = await run('curl', ['-s', '-g', `http://[::1]:${port}/hello?v=6`]);
  assert.equal(stdout, 'hello world');
  const [sp] = await agent.waitSpans((s) => s.service.name === 'ks-v6', 1, 5000);
  assert.equal(sp!.connection.hostAddress, '::1');
  assert.equal(sp!.connection.peerAddress, '::1');
  assert.equal(sp!.connection.hostPort, port);
  assert.equal(sp!.http?.status, 200);
  await p.kill();
});

async function waitCounter(ok: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await sleep(100);
  }
}
