/**
 * Real servers (nginx, python http.server, Node http, Go net/http, Java com.sun.net.httpserver) driven by
 * curl: every request is exactly one server span with the right method, path, status, sizes, service and
 * connection tuple; a handler sleeping 50 ms gives a 50 ms span (±2 ms).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Span } from '../../../src/model/span.js';
import { spanDurationSeconds } from '../../../src/model/span.js';
import {
  describe, instrumented, sleep, startTrackedAgent, startServer, stopAllProcs,
  type Agent, type Server, type ServerKind,
} from './support.js';
import { cleanUp } from '../../../test/support/cleanup.js';

const run = promisify(execFile);
let agent: Agent;
let tracked: Awaited<ReturnType<typeof startTrackedAgent>>;

before(async () => {
  tracked = await startTrackedAgent({ request_timeout: '5s' });
  agent = tracked.agent;
});
after(() => cleanUp(
  () => agent?.stop(),
  stopAllProcs,
  async () => assert.deepEqual(await tracked.leftLoaded(), [], 'programs the agent loaded left in the kernel'),
));

interface CurlResult { localPort: number; status: number; size: number; /** ms from the request sent to the last response byte */ clientMs: number }

/** curl with one line of output per URL: local port, status, body size. */
async function curl(args: string[]): Promise<CurlResult[]> {
  const urls = args.filter((a) => a.startsWith('http://')).length;
  const out = Array.from({ length: urls }, () => ['-o', '/dev/null']).flat();
  const { stdout } = await run('curl', ['-s', ...out, '-w', '%{local_port} %{http_code} %{size_download} %{time_pretransfer} %{time_total}\n', ...args]);
  return stdout.trim().split('\n').map((l) => {
    const [p, s, z, pre, total] = l.split(' ').map(Number);
    return { localPort: p!, status: s!, size: z!, clientMs: (total! - pre!) * 1000 };
  });
}

/** Waits for the spans of `server` with this path, then checks no duplicates arrive. */
async function spansFor(server: Server, path: string, n: number): Promise<Span[]> {
  const pred = (s: Span) => s.service.name === server.serviceName && s.http?.path === path;
  await agent.waitSpans(pred, n, 10_000);
  await sleep(300);
  const got = agent.spans.filter(pred);
  assert.equal(got.length, n, `${server.kind} ${path}: expected ${n} spans, got ${got.map(describe).join(' | ')}`);
  return got;
}

function checkSpan(s: Span, server: Server, c: CurlResult, want: { method: string; status: number; reqBody: number; respBody: number }) {
  assert.equal(s.kind, 'server');
  assert.equal(s.protocol, 'http');
  assert.equal(s.service.name, server.serviceName);
  assert.ok(server.pids.includes(s.service.process.pid), `pid ${s.service.process.pid} not one of ${server.pids}`);
  assert.equal(s.http?.method, want.method);
  assert.equal(s.http?.status, want.status);
  assert.equal(s.http?.requestBodySize, want.reqBody, 'request body size');
  assert.equal(s.http?.responseBodySize, want.respBody, 'response body size');
  assert.equal(s.http?.scheme, 'http');
  assert.equal(s.connection.hostPort, server.port);
  assert.equal(s.connection.hostAddress, '127.0.0.1');
  assert.equal(s.connection.peerAddress, '127.0.0.1');
  assert.equal(s.connection.peerPort, c.localPort, 'peer port = curl local port');
  assert.ok(s.endUnixNano >= s.startUnixNano);
  const wallNow = BigInt(Date.now()) * 1_000_000n;
  assert.ok(wallNow - s.startUnixNano < 60_000_000_000n && s.startUnixNano <= wallNow, 'start is wall-clock time');
}

const dynamic: ServerKind[] = ['node', 'go', 'java'];

for (const kind of dynamic) {
  test(`${kind} server: GET, 404, POST body, chunked, keep-alive, 50 ms handler`, async () => {
    const port = 19610 + dynamic.indexOf(kind);
    const server = await startServer(kind, port);
    await instrumented(agent, server.pids);
    const base = `http://127.0.0.1:${port}`;

    const [hello] = await curl([`${base}/hello?name=x&token=secret`]);
    assert.equal(hello!.status, 200);
    const [h] = await spansFor(server, '/hello', 1);
    checkSpan(h!, server, hello!, { method: 'GET', status: 200, reqBody: 0, respBody: 11 });
    assert.equal(h!.http?.query, 'name=x&token=REDACTED');
    assert.equal(h!.http?.host, `127.0.0.1:${port}`);

    const [nf] = await curl([`${base}/status/404`]);
    const [n] = await spansFor(server, '/status/404', 1);
    checkSpan(n!, server, nf!, { method: 'GET', status: 404, reqBody: 0, respBody: nf!.size });

    const body = 'b'.repeat(1000);
    const [echo] = await curl(['-X', 'POST', '--data-binary', body, `${base}/echo`]);
    assert.equal(echo!.size, 1000);
    const [e] = await spansFor(server, '/echo', 1);
    checkSpan(e!, server, echo!, { method: 'POST', status: 200, reqBody: 1000, respBody: 1000 });

    // "Expect: 100-continue": an interim 100 response precedes the final one.
    const big = 'B'.repeat(5000);
    const [echo2] = await curl(['-X', 'POST', '-H', 'Expect: 100-continue', '--data-binary', big, `${base}/echo?big=1`]);
    assert.equal(echo2!.size, 5000);
    const e2 = (await spansFor(server, '/echo', 2)).find((x) => x.http?.query === 'big=1')!;
    checkSpan(e2, server, echo2!, { method: 'POST', status: 200, reqBody: 5000, respBody: 5000 });

    const [ch] = await curl([`${base}/chunked`]);
    const [c] = await spansFor(server, '/chunked', 1);
    assert.equal(ch!.size, 24);
    checkSpan(c!, server, ch!, { method: 'GET', status: 200, reqBody: 0, respBody: c!.http!.responseBodySize });
    assert.ok(c!.http!.responseBodySize >= 24, 'chunked body counts the chunks (with framing)');

    const ka = await curl([`${base}/status/201`, `${base}/status/202`, `${base}/status/203`]);
    assert.equal(new Set(ka.map((r) => r.localPort)).size, 1, 'curl reused one connection');
    for (const [i, st] of [201, 202, 203].entries()) {
      const [s] = await spansFor(server, `/status/${st}`, 1);
      checkSpan(s!, server, ka[i]!, { method: 'GET', status: st, reqBody: 0, respBody: ka[i]!.size });
    }

    // The first call of a handler pays class loading / JIT (Java: ~3 ms): warm it up, then measure.
    await curl([`${base}/sleep?ms=50`]);
    await spansFor(server, '/sleep', 1);
    const slept = await curl([`${base}/sleep?ms=50`, `${base}/sleep?ms=50`, `${base}/sleep?ms=50`]);
    const sl = (await spansFor(server, '/sleep', 4)).slice(1);
    const durations: number[] = [];
    for (const [i, s] of sl.entries()) {
      checkSpan(s, server, slept[i]!, { method: 'GET', status: 200, reqBody: 0, respBody: 5 });
      const ms = spanDurationSeconds(s) * 1000;
      const client = slept[i]!.clientMs;
      // Never shorter than the sleep, never longer than what the client waited.
      assert.ok(ms >= 48 && ms <= client + 0.5, `${kind} 50 ms handler: span ${ms.toFixed(3)} ms, curl saw ${client.toFixed(3)} ms`);
      durations.push(ms);
    }
    // Within 2 ms of the sleep. One request of three may be late on a loaded 2-vCPU machine (the server
    // itself is: a JVM safepoint, a descheduled thread), so the median is what must be within 2 ms.
    const median = [...durations].sort((a, b) => a - b)[1]!;
    assert.ok(Math.abs(median - 50) <= 2, `${kind} 50 ms handler: median span ${median.toFixed(3)} ms of ${durations.map((d) => d.toFixed(3)).join(', ')}`);
    await server.proc.kill();
  });
}

for (const kind of ['python', 'nginx'] as const) {
  test(`${kind} server: static file, 404, HEAD, large file${kind === 'nginx' ? ' (sendfile), keep-alive' : ''}`, async () => {
    const port = kind === 'python' ? 19620 : 19621;
    const server = await startServer(kind, port);
    await instrumented(agent, server.pids);
    const base = `http://127.0.0.1:${port}`;

    const [ok] = await curl([`${base}/hello.txt`]);
    assert.equal(ok!.status, 200);
    const [s] = await spansFor(server, '/hello.txt', 1);
    checkSpan(s!, server, ok!, { method: 'GET', status: 200, reqBody: 0, respBody: 11 });

    const [nf] = await curl([`${base}/missing.txt`]);
    const [n] = await spansFor(server, '/missing.txt', 1);
    checkSpan(n!, server, nf!, { method: 'GET', status: 404, reqBody: 0, respBody: nf!.size });

    const [hd] = await curl(['-I', `${base}/big.bin`]);
    assert.equal(hd!.status, 200);
    const [big] = await curl([`${base}/big.bin`]);
    assert.equal(big!.size, 200_000);
    const bigSpans = await spansFor(server, '/big.bin', 2);
    const head = bigSpans.find((x) => x.http?.method === 'HEAD')!;
    const get = bigSpans.find((x) => x.http?.method === 'GET')!;
    checkSpan(head, server, hd!, { method: 'HEAD', status: 200, reqBody: 0, respBody: 0 });
    checkSpan(get, server, big!, { method: 'GET', status: 200, reqBody: 0, respBody: 200_000 });

    if (kind === 'nginx') {
      const ka = await curl([`${base}/hello.txt?a=1`, `${base}/status/404`, `${base}/status/500`, `${base}/hello.txt?a=2`]);
      assert.equal(new Set(ka.map((r) => r.localPort)).size, 1, 'curl reused one connection');
      const hs = await spansFor(server, '/hello.txt', 3);
      assert.deepEqual(hs.map((x) => x.http?.query).sort(), ['', 'a=1', 'a=2']);
      const [e] = await spansFor(server, '/status/500', 1);
      checkSpan(e!, server, ka[2]!, { method: 'GET', status: 500, reqBody: 0, respBody: 4 });
    }
    await server.proc.kill();
  });
}
