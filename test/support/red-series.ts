/**
 * Reading two agents' Prometheus endpoints side by side, for the kernel aggregation's equivalence tests
 * (receivers/kernel_socket/test/aggregation.test.ts, receivers/tls_uprobe/test/aggregation.test.ts).
 */
import assert from 'node:assert/strict';
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLumen, type CliRun } from './cli-process.js';
import { scrapeSum } from './prometheus-text.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The HTTP server (or client) series lines of one server.port (name{labels} → value), without instance/job. */
export async function scrapeSeries(prom: number, port: number, kind = 'server'): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${prom}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`http_${kind}_`) || !line.includes(`server_port="${port}"`)) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp).replace(/,?instance="[^"]*"|,?job="[^"]*"/g, ''), Number(line.slice(sp + 1)));
  }
  return out;
}

/** The sum of a counter's lines (those with `reason` when given). */
export const promCounter = (prom: number, name: string, reason?: string): Promise<number> =>
  scrapeSum(prom, name, ...(reason ? [`reason="${reason}"`] : []));

/** Requests counted in the duration histograms of these series. */
export const seriesTotal = (m: Map<string, number>) =>
  [...m].filter(([k]) => /^http_(server|client)_request_duration_seconds_count/.test(k)).reduce((a, [, v]) => a + v, 0);

/** Scrapes until the duration counts of `port` add up to `n` (the kernel series are read once a second). */
export async function settledSeries(prom: number, port: number, n: number, kind = 'server'): Promise<Map<string, number>> {
  let m = new Map<string, number>();
  for (let i = 0; i < 80; i++) {
    m = await scrapeSeries(prom, port, kind);
    if (seriesTotal(m) >= n) return m;
    await sleep(250);
  }
  assert.fail(`port ${port}: ${seriesTotal(m)} requests in the ${kind} series of :${prom}, sent ${n}`);
}

/** The exact path's series = the kernel's: the same keys, counts and buckets equal, duration sums within clock
 *  tolerance (each side reads the clock itself), size sums equal. */
export function assertSameSeries(exact: Map<string, number>, kernel: Map<string, number>): void {
  assert.deepEqual([...kernel.keys()].sort(), [...exact.keys()].sort(), 'the same series');
  for (const [k, v] of exact) {
    const w = kernel.get(k)!;
    if (k.includes('_sum{')) {
      const tolerance = /^http_(server|client)_request_duration/.test(k) ? 2e-4 * (exact.get(k.replace('_sum{', '_count{')) ?? 1) : 0;
      assert.ok(Math.abs(v - w) <= tolerance, `${k}: exact ${v}, kernel ${w}`);
    } else {
      assert.equal(w, v, k);
    }
  }
}

/** Runs one(0..n-1) with `width` in flight. */
export async function inParallel(n: number, width: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await one(next++);
  }));
}

/** send(port, method, path, body?) → status, over `request` (node:http's or node:https's) with `agent`. */
export function sender(request: (o: RequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest, agent: Agent) {
  return (port: number, method: string, path: string, body?: Buffer): Promise<number> => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-length': body.length } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** sendNoHost(port, path): an HTTP/1.0 GET without Host on a connection of its own (`open`: TCP or TLS), which
 *  the kernel aggregation leaves to a ring record (unfit). */
export function hostlessSender(open: (port: number, ready: () => void) => Duplex) {
  return (port: number, path: string): Promise<void> => new Promise((resolve, reject) => {
    const s = open(port, () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    s.on('data', () => {});
    s.on('end', () => { s.destroy(); resolve(); });
    s.on('error', reject);
  });
}

type Send = (port: number, method: string, path: string, body?: Buffer) => Promise<number>;

/** The equivalence tests' mix for `port`: GETs with ids and query strings and response sizes, handlers sleeping
 *  into several duration buckets, POST bodies of 0-5000 bytes with 201, 404s, DELETE 500s, HEADs, and `noHost`
 *  HTTP/1.0 requests without Host (left to the ring). */
export function mixedCalls(send: Send, sendNoHost: (port: number, path: string) => Promise<void>, port: number, noHost: number): (() => Promise<unknown>)[] {
  const calls: (() => Promise<unknown>)[] = [];
  for (let i = 0; i < 40; i++) calls.push(() => send(port, 'GET', `/users/${i}/orders/${i * 7}?size=${i * 40}`));
  for (const ms of [2, 15, 35]) for (let i = 0; i < 5; i++) calls.push(() => send(port, 'GET', `/slow/${i}?sleep=${ms}`));
  for (const size of [0, 20, 100, 5000]) for (let i = 0; i < 3; i++) calls.push(() => send(port, 'POST', `/items?status=201`, Buffer.alloc(size, 120)));
  for (let i = 0; i < 4; i++) calls.push(() => send(port, 'GET', `/missing/${i}?status=404`));
  for (let i = 0; i < 3; i++) calls.push(() => send(port, 'DELETE', `/items/${i}?status=500`));
  for (let i = 0; i < 3; i++) calls.push(() => send(port, 'HEAD', `/items/${i}?size=900`));
  for (let i = 0; i < noHost; i++) calls.push(() => sendNoHost(port, `/old/${i}`));
  return calls;
}

/** n GETs to /users/<i>/orders/<j> on `port` → the kernel agent has one route series (ids collapsed) counting n,
 *  its `aggregated` counter grew by n and its ring-record counter `records` by 0; the exact agent counted n too. */
export async function assertIdsInOneSeries(o: { send: Send; port: number; n: number; width: number; exact: number; kernel: number; aggregated: string; records: string }): Promise<void> {
  const aggBefore = await promCounter(o.kernel, o.aggregated);
  const ringBefore = await promCounter(o.kernel, o.records);
  await inParallel(o.n, o.width, (i) => o.send(o.port, 'GET', `/users/${i}/orders/${(i * 31) % 977}`));
  const m = await settledSeries(o.kernel, o.port, o.n);
  const counts = [...m].filter(([k]) => k.startsWith('http_server_request_duration_seconds_count'));
  assert.equal(counts.length, 1, counts.map(([k]) => k).join('\n'));
  assert.match(counts[0]![0], /http_route="\/users\/\*\/orders\/\*"/);
  assert.equal(counts[0]![1], o.n);
  assert.equal((await promCounter(o.kernel, o.aggregated)) - aggBefore, o.n);
  assert.equal((await promCounter(o.kernel, o.records)) - ringBefore, 0, 'no ring record');
  assert.equal(seriesTotal(await settledSeries(o.exact, o.port, o.n)), o.n);
}

/** The answer of the test servers' handler (JavaScript source, `u` the request's URL): status ?status, ?size bytes
 *  of body (none for HEAD), after ?sleep ms. */
export const MIX_REPLY_JS = `
      const reply = () => {
        res.statusCode = Number(u.searchParams.get('status') ?? 200);
        res.end(req.method === 'HEAD' ? undefined : 'y'.repeat(Number(u.searchParams.get('size') ?? 3)));
      };
      const ms = Number(u.searchParams.get('sleep') ?? 0);
      if (ms) setTimeout(reply, ms); else reply();`;

/** Two `lumen run` agents from `yaml(mode, prometheus port)`: kernel_aggregation off (exact) and auto (kernel),
 *  once both have started. */
export async function startExactAndKernel(dir: string, yaml: (mode: 'off' | 'auto', prom: number) => string, proms: { exact: number; kernel: number }): Promise<{ exact: CliRun; kernel: CliRun }> {
  const spawn = (mode: 'off' | 'auto', prom: number) => {
    const f = join(dir, `${mode}.yaml`);
    writeFileSync(f, yaml(mode, prom));
    return spawnLumen(['run', '-c', f]);
  };
  const exact = spawn('off', proms.exact), kernel = spawn('auto', proms.kernel);
  await Promise.all([exact, kernel].map((a) => a.waitFor((r) => r.stderr.includes('lumen started'), 90_000)));
  return { exact, kernel };
}
