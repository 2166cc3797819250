/**
 * The lean response path (bpf/include/ks_http1.h ks_lean_headers: a server's response head is not scanned, its
 * end is the next request or the close) against the exact path, on the same traffic at the same time: two copies
 * of kernel_socket.bpf.o, one with lean_responses 1 and one with 0, attached side by side to a Node server and
 * nginx. Every request must give the same span from both (method, path, status, body sizes, times within the
 * two programs' own clock reads), and the lean copy must really have taken its fast path. A third copy walks every
 * call with bpf_loop alone (walk_direct 0): the exact copy's direct walk of one- and two-segment calls (nginx's
 * headers + body writev) must give the same spans. Ports 20220-20221.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { bpfObjectPath, forEachRecord, openObject } from '../../../src/bpf/index.js';
import type { LoadedObject } from '../../../src/bpf/object.js';
import { MonotonicClock } from '../../../src/capture/clock.js';
import { RING_WAKEUP_EVERY } from '../../../src/capture/machine.js';
import { KS_F_RESP_OPEN, KS_OFF, decodeRecord } from '../../../src/capture/record.js';
import { recordToSpan } from '../../../src/capture/spans.js';
import type { Span } from '../../../src/model/span.js';
import { sampleService } from '../../../test/support/sample-spans.js';
import { PidBitmap } from '../../../src/discovery/pid-bitmap.js';
import { captureHooks } from '../programs.js';
import { sleep, startServer, stopAllProcs, type Server } from './support.js';

const NODE_PORT = 20220;
const NGINX_PORT = 20221;

interface Copy { obj: LoadedObject; spans: Span[]; lean: number; stop: () => void }
const clock = new MonotonicClock();
const service = sampleService('lean-test', 1);
let servers: Server[] = [];
let copies: Copy[] = [];

function load(lean: number, pids: number[], walkDirect = 1): Copy {
  const obj = openObject(bpfObjectPath('kernel_socket'), {
    rodata: { self_tgid: process.pid, lumen_rb_wakeup_every: RING_WAKEUP_EVERY, capture_bytes: 256, lean_responses: lean, walk_direct: walkDirect },
  });
  const copy: Copy = { obj, spans: [], lean: 0, stop: () => {} };
  const sub = obj.ringBuffer('ks_events', { pollTimeoutMs: 20 }).subscribe((batch) => {
    forEachRecord(batch, (view, off, len) => {
      const r = decodeRecord(view, batch, off, len);
      if (!r || r.proto !== 0 || !servers.some((s) => s.pids.includes(r.tgid))) return;
      if (view.getUint8(off + KS_OFF.flags) & KS_F_RESP_OPEN) copy.lean++;
      const span = recordToSpan(r, service, clock);
      if (typeof span === 'string') return;
      copy.spans.push(span);
    });
  });
  copy.stop = () => { sub.unsubscribe(); obj.close(); };
  copies.push(copy); // stopped by after() whatever happens next
  const allow = new PidBitmap(obj.map('ks_pids'));
  for (const p of pids) allow.set(p, true);
  for (const p of captureHooks(obj.programs)) obj.attach(p);
  return copy;
}

/** Sends `requests` on one keep-alive connection, each after the previous answer (or all in one write when
 * `pipelined`), reads until `answers` responses are in, then closes. */
async function exchange(port: number, requests: string[], answers: number, pipelined = false): Promise<string> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  let got = '';
  let lastData = Date.now();
  sock.on('data', (d) => { got += d.toString('latin1'); lastData = Date.now(); });
  /** n status lines in, then 60 ms without more bytes (a chunked end, a large body's last part). */
  const until = (n: number) => new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const tick = () => {
      const quiet = Date.now() - lastData > 60;
      if ((got.match(/HTTP\/1\.1 \d\d\d/g) ?? []).length >= n && quiet) return resolve();
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${n} answers on ${port}: ${got.slice(0, 300)}`));
      setTimeout(tick, 10);
    };
    tick();
  });
  if (pipelined) {
    sock.write(requests.join(''));
    await until(answers);
  } else {
    let expected = 0;
    for (const r of requests) {
      sock.write(r);
      expected += (r.match(/ HTTP\/1\.1\r\n/g) ?? []).length;
      await until(expected);
    }
  }
  sock.destroy();
  return got;
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const head = (path: string) => `HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
const post = (path: string, body: string) => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

before(async () => {
  servers = [await startServer('node', NODE_PORT), await startServer('nginx', NGINX_PORT)];
  // nginx's workers (its master's children) may not all be forked when its port answers
  for (let i = 0; i < 100 && servers[1]!.pids.length < 2; i++) {
    await sleep(50);
    const m = servers[1]!.proc.pid;
    (servers[1]!.pids as number[]).splice(0, Infinity, ...readFileSync(`/proc/${m}/task/${m}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  }
  const pids = servers.flatMap((s) => s.pids);
  assert.equal(pids.length, 3, 'the Node server and two nginx workers');
  load(1, pids);
  load(0, pids);
  load(0, pids, 0); // the bpf_loop walk alone: the reference of the direct walk (one or two segments per call)
});

after(async () => {
  for (const c of copies) c.stop();
  // nginx's master on SIGTERM stops its workers (a SIGKILL would leave them running, holding our pipes)
  for (const s of servers) await s.proc.kill('SIGTERM');
  await stopAllProcs();
});

test('lean responses give the exact path\'s spans, request by request', async () => {
  const longHeader = `X-Long: ${'v'.repeat(1500)}\r\n`; // a request head past the scan window; its response is short
  await exchange(NODE_PORT, [
    get('/hello'), get('/status/204'), head('/hello'), get('/chunked'), post('/echo', 'x'.repeat(3000)),
    get('/status/304'), get('/status/500'), get('/hello?id=7', longHeader), post('/reject', 'y'.repeat(100)), get('/hello'),
  ], 10);
  await exchange(NODE_PORT, [get('/hello'), get('/status/404'), get('/hello')], 3, true);
  // past the connection's 4 slots: 2 requests lost (counted), then one more on the same connection
  await exchange(NODE_PORT, [Array.from({ length: 6 }, (_, i) => get(`/hello?pipe=${i}`)).join(''), get('/hello?after')], 7);
  await exchange(NGINX_PORT, [get('/hello.txt'), get('/big.bin'), head('/hello.txt'), get('/status/404'), get('/status/500'), get('/missing')], 6);
  await exchange(NGINX_PORT, [get('/hello.txt'), get('/hello.txt')], 2, true);
  for (let i = 0; i < 20; i++) await exchange(NGINX_PORT, [get(`/hello.txt?i=${i}`)], 1);
  await sleep(400);

  const [lean, exact, looped] = copies as [Copy, Copy, Copy];
  assert.ok(exact.spans.length >= 40, `the exact copy saw ${exact.spans.length} requests`);
  assert.ok(lean.lean >= 30, `the lean copy took its fast path ${lean.lean} times`);
  assertSameSpans(lean.spans, exact.spans, 'lean');
  // the direct walk (nginx's headers + body writev, every one-segment read and write) against the bpf_loop walk
  assertSameSpans(exact.spans, looped.spans, 'direct walk');
});

/** The same requests, each with the same fields and times within the copies' own clock reads. */
function assertSameSpans(fast: Span[], reference: Span[], name: string): void {
  const fastSpans = byRequest(fast);
  const refSpans = byRequest(reference);
  assert.deepEqual([...fastSpans.keys()].sort(), [...refSpans.keys()].sort(), `${name}: the same requests`);
  for (const [k, e] of refSpans) {
    const l = fastSpans.get(k)!;
    const what = `${name}: ${e.http!.method} ${e.http!.path} (${k})`;
    assert.deepEqual(
      { method: l.http!.method, path: l.http!.path, status: l.http!.status, req: l.http!.requestBodySize, resp: l.http!.responseBodySize, kind: l.kind },
      { method: e.http!.method, path: e.http!.path, status: e.http!.status, req: e.http!.requestBodySize, resp: e.http!.responseBodySize, kind: e.kind },
      what);
    // each copy reads the clock itself in the same hooks: microseconds apart, never a different write
    for (const t of ['startUnixNano', 'endUnixNano'] as const) {
      const d = Number(l[t] - e[t]);
      assert.ok(Math.abs(d) < 1_000_000, `${what}: ${t} differs by ${d} ns`);
    }
  }
}

/** Spans keyed by their connection (the client's port) and their order on it. */
function byRequest(spans: Span[]): Map<string, Span> {
  const out = new Map<string, Span>();
  const sorted = [...spans].sort((a, b) => (a.startUnixNano < b.startUnixNano ? -1 : 1));
  const next = new Map<string, number>();
  for (const s of sorted) {
    const conn = `${s.connection.hostPort}<-${s.connection.peerPort}`;
    const i = next.get(conn) ?? 0;
    next.set(conn, i + 1);
    out.set(`${conn} #${i}`, s);
  }
  return out;
}
