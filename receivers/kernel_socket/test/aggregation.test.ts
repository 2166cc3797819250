/**
 * Kernel-side RED aggregation (bpf/include/ks_agg.h, kernel_aggregation: auto) against the exact path, end to end:
 * two real `lumen run` agents with the same metrics-only pipeline (kernel_socket → routes → prometheus), one with
 * kernel_aggregation: off (every request a ring record, a span), one with auto (the kernel's series), watch the
 * same real Node servers; the test scrapes both Prometheus endpoints.
 *  1. equivalence: a mix of methods, statuses, body sizes, durations in several buckets, query strings, a HEAD,
 *     client calls the server makes, and requests aggregation leaves to the ring (HTTP/1.0 without Host) → the
 *     same server and client series, the same counts and bucket counts, sums within clock tolerance (each object
 *     reads the clock itself);
 *  2. 10,000 requests to /users/<n>/orders/<m> → one route series whose count is 10,000, all of them aggregated
 *     in the kernel (no ring record);
 *  3. overflow: more templates than kernel_aggregation_series → the extras come as ring records, counted, and
 *     every request is in the series.
 * Ports 20300-20308 (20210-20229 are the dashboards' and the lean test's).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent as HttpAgent } from 'node:http';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLumen, type CliRun } from '../../../test/support/cli-process.js';
import { sleep, startProc, stopAllProcs, tempDir, waitForPort } from './support.js';

const MIX = 20300; // equivalence
const IDS = 20304; // 10,000 requests with ids
const MANY = 20306; // overflow
const INNER = 20308; // called by the MIX server: client series
const PROM_EXACT = 20301;
const PROM_AGG = 20302;
const BUDGET = 48;

const SERVER = `
const http = require('http');
const agent = new http.Agent({ keepAlive: true });
for (const port of process.argv.slice(1).map(Number)) {
  http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const u = new URL(req.url, 'http://x');
      if (u.pathname.startsWith('/call/')) {
        // a client call of this (instrumented) server: its client spans and series
        http.get({ host: '127.0.0.1', port: ${INNER}, path: '/inner/' + u.pathname.slice(6) + u.search, agent }, (r) => {
          r.resume();
          r.on('end', () => res.end('called ' + r.statusCode));
        });
        return;
      }
      const reply = () => {
        res.statusCode = Number(u.searchParams.get('status') ?? 200);
        res.end(req.method === 'HEAD' ? undefined : 'y'.repeat(Number(u.searchParams.get('size') ?? 3)));
      };
      const ms = Number(u.searchParams.get('sleep') ?? 0);
      if (ms) setTimeout(reply, ms); else reply();
    });
  }).listen(port, '127.0.0.1');
}`;

let exact: CliRun;
let agg: CliRun;

function agentYaml(mode: 'auto' | 'off', prom: number): string {
  return `
discovery:
  instrument:
    - open_ports: "${MIX},${IDS},${MANY},${INNER}"
receivers:
  kernel_socket:
    kernel_aggregation: ${mode}
    kernel_aggregation_series: ${BUDGET}
processors:
  routes: {}
exporters:
  prometheus:
    endpoint: "127.0.0.1:${prom}"
service:
  telemetry:
    logs: { level: info, format: text }
    metrics: { enabled: true }
  pipelines:
    metrics:
      receivers: [kernel_socket]
      processors: [routes]
      exporters: [prometheus]
`;
}

before(async () => {
  startProc(process.execPath, ['-e', SERVER, String(MIX), String(IDS), String(MANY), String(INNER)]);
  await Promise.all([MIX, IDS, MANY, INNER].map((p) => waitForPort(p)));
  const dir = tempDir('agg');
  const files = (['off', 'auto'] as const).map((mode, i) => {
    const f = join(dir, `${mode}.yaml`);
    writeFileSync(f, agentYaml(mode, i === 0 ? PROM_EXACT : PROM_AGG));
    return f;
  });
  exact = spawnLumen(['run', '-c', files[0]!]);
  agg = spawnLumen(['run', '-c', files[1]!]);
  await Promise.all([exact, agg].map((a) => a.waitFor((r) => r.stderr.includes('lumen started'), 90_000)));
  assert.match(agg.stderr, /kernel_aggregation="on \(ids collapsed\)"/);
  assert.match(exact.stderr, /kernel_aggregation="off: kernel_aggregation: off"/);
});

after(async () => {
  for (const a of [exact, agg]) a?.child.kill('SIGTERM');
  await Promise.all([exact, agg].map((a) => a?.exited));
  await stopAllProcs();
});

const keepAlive = new HttpAgent({ keepAlive: true, maxSockets: 16 });

function send(port: number, method: string, path: string, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: keepAlive, headers: body ? { 'content-length': body.length } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** An HTTP/1.0 request without Host: server.address is then the local address, which the kernel does not key by. */
function sendNoHost(port: number, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    s.on('data', () => {});
    s.on('end', () => { s.destroy(); resolve(); });
    s.on('error', reject);
  });
}

async function inParallel(n: number, width: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await one(next++);
  }));
}

/** The HTTP server (or client) series lines of one server.port (name{labels} → value), without instance/job. */
async function scrape(prom: number, port: number, kind = 'server'): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${prom}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`http_${kind}_`) || !line.includes(`server_port="${port}"`)) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp).replace(/,?instance="[^"]*"|,?job="[^"]*"/g, ''), Number(line.slice(sp + 1)));
  }
  return out;
}

async function counter(prom: number, name: string, reason?: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${prom}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) && (!reason || l.includes(`reason="${reason}"`)))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const total = (m: Map<string, number>) => [...m].filter(([k]) => /^http_(server|client)_request_duration_seconds_count/.test(k)).reduce((a, [, v]) => a + v, 0);

/** Scrapes until the duration counts of `port` add up to `n` (the kernel series are read once a second). */
async function settled(prom: number, port: number, n: number, kind = 'server'): Promise<Map<string, number>> {
  let m = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    m = await scrape(prom, port, kind);
    if (total(m) >= n) return m;
    await sleep(250);
  }
  assert.fail(`port ${port}: ${total(m)} requests in the series of :${prom}, sent ${n}`);
}

test('equivalence: the same series and values through the kernel aggregation and the exact path', async () => {
  const before = await counter(PROM_AGG, 'lumen_kernel_socket_aggregated_requests_total');
  const calls: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < 40; i++) calls.push(() => send(MIX, 'GET', `/users/${i}/orders/${i * 7}?size=${i * 40}`));
  for (const ms of [2, 15, 35]) for (let i = 0; i < 5; i++) calls.push(() => send(MIX, 'GET', `/slow/${i}?sleep=${ms}`));
  for (const size of [0, 20, 100, 5000]) for (let i = 0; i < 3; i++) calls.push(() => send(MIX, 'POST', `/items?status=201`, Buffer.alloc(size, 120)));
  for (let i = 0; i < 4; i++) calls.push(() => send(MIX, 'GET', `/missing/${i}?status=404`));
  for (let i = 0; i < 3; i++) calls.push(() => send(MIX, 'DELETE', `/items/${i}?status=500`));
  for (let i = 0; i < 3; i++) calls.push(() => send(MIX, 'HEAD', `/items/${i}?size=900`));
  for (let i = 0; i < 5; i++) calls.push(() => sendNoHost(MIX, `/old/${i}`));
  const CALLS = 12;
  for (let i = 0; i < CALLS; i++) calls.push(() => send(MIX, 'GET', `/call/${i}?status=${i % 3 ? 200 : 503}&size=${i * 300}`));
  await inParallel(calls.length, 8, (i) => calls[i]!());
  const n = calls.length;
  const [e, a] = await Promise.all([settled(PROM_EXACT, MIX, n), settled(PROM_AGG, MIX, n), settled(PROM_EXACT, INNER, CALLS, 'client'), settled(PROM_AGG, INNER, CALLS, 'client')]);
  await sleep(1200); // one more kernel read: nothing late may change the picture
  const both = async (prom: number) => new Map([...await scrape(prom, MIX), ...await scrape(prom, INNER, 'client')]);
  const [e2, a2] = await Promise.all([both(PROM_EXACT), both(PROM_AGG)]);
  assert.deepEqual([total(e), total(a)], [n, n]);
  assert.deepEqual([total(e2), total(a2)], [n + CALLS, n + CALLS]);
  assert.ok([...e2.keys()].some((k) => k.startsWith('http_client_request_duration_seconds_count{') && k.includes('http_response_status_code="503"')));
  assert.deepEqual([...a2.keys()].sort(), [...e2.keys()].sort(), 'the same series');
  for (const [k, v] of e2) {
    const w = a2.get(k)!;
    if (k.includes('_sum{')) {
      const tolerance = /^http_(server|client)_request_duration/.test(k) ? 2e-4 * (e2.get(k.replace('_sum{', '_count{')) ?? 1) : 0;
      assert.ok(Math.abs(v - w) <= tolerance, `${k}: exact ${v}, kernel ${w}`);
    } else {
      assert.equal(w, v, k);
    }
  }
  assert.ok([...e2.keys()].some((k) => k.includes('http_route="/users/*/orders/*"')));
  const aggregated = (await counter(PROM_AGG, 'lumen_kernel_socket_aggregated_requests_total')) - before;
  // the inner server's own server spans count too: aggregated = MIX's n − 5, the client calls, their server ends
  assert.equal(aggregated, n - 5 + 2 * CALLS, 'all but the five HTTP/1.0 requests without Host went through the kernel series');
});

test('10,000 requests with ids in their paths: one route series, its count the requests sent, all aggregated in the kernel', async () => {
  const aggBefore = await counter(PROM_AGG, 'lumen_kernel_socket_aggregated_requests_total');
  const ringBefore = await counter(PROM_AGG, 'lumen_kernel_socket_bpf_records_total');
  const N = 10_000;
  await inParallel(N, 16, (i) => send(IDS, 'GET', `/users/${i}/orders/${(i * 31) % 977}`));
  const m = await settled(PROM_AGG, IDS, N);
  const counts = [...m].filter(([k]) => k.startsWith('http_server_request_duration_seconds_count'));
  assert.equal(counts.length, 1, counts.map(([k]) => k).join('\n'));
  assert.match(counts[0]![0], /http_route="\/users\/\*\/orders\/\*"/);
  assert.equal(counts[0]![1], N);
  assert.equal((await counter(PROM_AGG, 'lumen_kernel_socket_aggregated_requests_total')) - aggBefore, N);
  assert.equal((await counter(PROM_AGG, 'lumen_kernel_socket_bpf_records_total')) - ringBefore, 0, 'no ring record');
  assert.equal(total(await settled(PROM_EXACT, IDS, N)), N);
});

test('overflow: templates past kernel_aggregation_series come through ring records, counted, none lost', async () => {
  const fullBefore = await counter(PROM_AGG, 'lumen_kernel_socket_aggregation_fallback_total', 'budget_full');
  const T = 100;
  const per = 3;
  await inParallel(T * per, 8, (i) => send(MANY, 'GET', `/catalog/section-${String.fromCharCode(97 + (i % T) % 26)}${Math.floor((i % T) / 26)}x/list`));
  const [e, a] = await Promise.all([settled(PROM_EXACT, MANY, T * per), settled(PROM_AGG, MANY, T * per)]);
  assert.equal(total(a), T * per);
  assert.equal(total(e), T * per);
  const full = (await counter(PROM_AGG, 'lumen_kernel_socket_aggregation_fallback_total', 'budget_full')) - fullBefore;
  assert.ok(full >= (T - BUDGET) * per, `${full} requests fell back for a full budget`);
  assert.ok(full < T * per, 'the templates that fit were aggregated');
});
