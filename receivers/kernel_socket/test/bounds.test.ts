/**
 * The capture bounds, driven with real traffic against a real Node http server: more pipelined requests than a
 * connection has slots, more keep-alive connections than max_pending_requests, and a server that answers a POST
 * before reading its body. Every request is a span or counted under a reason — none vanishes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { nodeServerFixture, sleep, type Agent, type Server } from './support.js';

const PORT = 19680;
let agent: Agent;
let server: Server;

// 64 pending-request slots for the whole host (the schema's minimum): far fewer than the connections below.
nodeServerFixture({ max_pending_requests: 64, request_timeout: '5s' }, PORT, (a, s) => { agent = a; server = s; });

const discarded = (reason: string) => agent.counter('lumen_kernel_socket_discarded_total', { reason });
const ours = (query: string) => agent.spans.filter((s) => s.service.name === server.serviceName && s.http?.query === query);

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(PORT, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with everything received once `count` complete responses (Content-Length framed) have arrived. */
function responses(s: Socket, count: number, timeoutMs = 10_000): Promise<string> {
  let got = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${complete(got)} of ${count} responses after ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      if (complete(got) >= count) {
        clearTimeout(timer);
        s.off('data', onData);
        resolve(got);
      }
    };
    s.on('data', onData);
  });
}

/** Complete responses in `text`. */
function complete(text: string): number {
  let n = 0;
  let at = 0;
  for (;;) {
    const head = text.indexOf('\r\n\r\n', at);
    if (head < 0) return n;
    const cl = /content-length: *(\d+)/i.exec(text.slice(at, head));
    const end = head + 4 + (cl ? Number(cl[1]) : 0);
    if (end > text.length) return n;
    n++;
    at = end;
  }
}

/** Waits until the probes' counters have been published (the receiver polls them every maintenance round). */
async function settle(ok: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok() && Date.now() < until) await sleep(100);
}

test('11 pipelined requests in one write: 4 spans (the slots of a connection) and 7 counted as pipeline_overflow, and the connection still works', async () => {
  const before = discarded('pipeline_overflow');
  const s = await open();
  const req = (i: number) => `GET /hello?pipe11=${i} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const all = Array.from({ length: 11 }, (_, i) => req(i)).join('');
  const reply = responses(s, 11);
  s.write(all);
  assert.equal(complete(await reply), 11, 'the server answered all 11');
  // the same connection afterwards: seen again
  const next = responses(s, 1);
  s.write('GET /hello?pipe11=after HTTP/1.1\r\nHost: x\r\n\r\n');
  await next;
  await agent.waitSpans((x) => x.http?.query === 'pipe11=after', 1, 5000);
  s.destroy();
  await settle(() => discarded('pipeline_overflow') - before >= 7);
  const traced = Array.from({ length: 11 }, (_, i) => ours(`pipe11=${i}`).length).reduce((a, b) => a + b, 0);
  assert.equal(traced, 4, 'one span per slot');
  assert.equal(discarded('pipeline_overflow') - before, 7, 'each lost request counted once');
});

test('100 keep-alive connections, 5 requests each, with max_pending_requests 64: every request is a span or counted', async () => {
  const before = discarded('pending_requests_full') + discarded('pipeline_overflow');
  const sockets = await Promise.all(Array.from({ length: 100 }, () => open()));
  const ROUNDS = 5;
  // all connections open at once, each asking its requests one after the other
  await Promise.all(sockets.map(async (s, c) => {
    for (let i = 0; i < ROUNDS; i++) {
      const reply = responses(s, 1);
      s.write(`GET /hello?many=${c}-${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await reply;
    }
  }));
  const total = sockets.length * ROUNDS;
  const spans = () => agent.spans.filter((x) => x.service.name === server.serviceName && x.http?.query?.startsWith('many=')).length;
  const lost = () => discarded('pending_requests_full') + discarded('pipeline_overflow') - before;
  await settle(() => spans() + lost() >= total, 8000);
  for (const s of sockets) s.destroy();
  assert.ok(lost() > 0, `the bound was hit (${spans()} spans)`);
  assert.equal(spans() + lost(), total, `${spans()} spans + ${lost()} counted as lost = every request`);
  assert.ok(agent.spans.filter((x) => x.http?.query?.startsWith('many=')).every((x) => x.http?.status === 200));
});

test('a POST answered (413) before its body is read: the declared body size, and the next request on the connection is seen', async () => {
  const nonHttp = discarded('non_http');
  const s = await open();
  s.setNoDelay(true);
  const BODY = 100_000;
  const reply = responses(s, 1);
  s.write(`POST /reject?early=1 HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY}\r\n\r\n`);
  assert.match(await reply, /^HTTP\/1\.1 413 /);
  // the body only now: Node reads and drops it after its answer, so the connection stays usable
  s.write(Buffer.alloc(BODY, 'a'));
  await sleep(200);
  const next = responses(s, 1);
  s.write('GET /hello?early=2 HTTP/1.1\r\nHost: x\r\n\r\n');
  await next;
  s.destroy();
  const [rejected] = await agent.waitSpans((x) => x.http?.query === 'early=1', 1, 5000);
  assert.equal(rejected!.http?.status, 413);
  assert.equal(rejected!.http?.requestBodySize, BODY, 'what the request declared, though the server had read none of it');
  const [after] = await agent.waitSpans((x) => x.http?.query === 'early=2', 1, 5000);
  assert.equal(after!.http?.status, 200);
  assert.equal(after!.http?.requestBodySize, 0);
  assert.equal(discarded('non_http'), nonHttp, 'the late body was followed, not taken for non-HTTP data');
});
