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
import { MIX_REPLY_JS, assertIdsInOneSeries, startExactAndKernel, assertSameSeries, hostlessSender, inParallel, mixedCalls, promCounter, scrapeSeries, sender, seriesTotal, settledSeries } from '../../../test/support/red-series.js';
import type { CliRun } from '../../../test/support/cli-process.js';
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
${MIX_REPLY_JS}
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
  ({ exact, kernel: agg } = await startExactAndKernel(dir, agentYaml, { exact: PROM_EXACT, kernel: PROM_AGG }));
  assert.match(agg.stderr, /kernel_aggregation="on \(ids collapsed\)"/);
  assert.match(exact.stderr, /kernel_aggregation="off: kernel_aggregation: off"/);
});

after(async () => {
  for (const a of [exact, agg]) a?.child.kill('SIGTERM');
  await Promise.all([exact, agg].map((a) => a?.exited));
  await stopAllProcs();
});

const send = sender(request, new HttpAgent({ keepAlive: true, maxSockets: 16 }));
const sendNoHost = hostlessSender((port, ready) => connect(port, '127.0.0.1', ready));


test('equivalence: the same series and values through the kernel aggregation and the exact path', async () => {
  const before = await promCounter(PROM_AGG, 'lumen_kernel_socket_aggregated_requests_total');
  const calls = mixedCalls(send, sendNoHost, MIX, 5);
  const CALLS = 12;
  for (let i = 0; i < CALLS; i++) calls.push(() => send(MIX, 'GET', `/call/${i}?status=${i % 3 ? 200 : 503}&size=${i * 300}`));
  await inParallel(calls.length, 8, (i) => calls[i]!());
  const n = calls.length;
  const [e, a] = await Promise.all([settledSeries(PROM_EXACT, MIX, n), settledSeries(PROM_AGG, MIX, n), settledSeries(PROM_EXACT, INNER, CALLS, 'client'), settledSeries(PROM_AGG, INNER, CALLS, 'client')]);
  await sleep(1200); // one more kernel read: nothing late may change the picture
  const both = async (prom: number) => new Map([...await scrapeSeries(prom, MIX), ...await scrapeSeries(prom, INNER, 'client')]);
  const [e2, a2] = await Promise.all([both(PROM_EXACT), both(PROM_AGG)]);
  assert.deepEqual([seriesTotal(e), seriesTotal(a)], [n, n]);
  assert.deepEqual([seriesTotal(e2), seriesTotal(a2)], [n + CALLS, n + CALLS]);
  assert.ok([...e2.keys()].some((k) => k.startsWith('http_client_request_duration_seconds_count{') && k.includes('http_response_status_code="503"')));
  assertSameSeries(e2, a2);
  assert.ok([...e2.keys()].some((k) => k.includes('http_route="/users/*/orders/*"')));
  const aggregated = (await promCounter(PROM_AGG, 'lumen_kernel_socket_aggregated_requests_total')) - before;
  // the inner server's own server spans count too: aggregated = MIX's n − 5, the client calls, their server ends
  assert.equal(aggregated, n - 5 + 2 * CALLS, 'all but the five HTTP/1.0 requests without Host went through the kernel series');
});

test('10,000 requests with ids in their paths: one route series, its count the requests sent, all aggregated in the kernel', () =>
  assertIdsInOneSeries({ send, port: IDS, n: 10_000, width: 16, exact: PROM_EXACT, kernel: PROM_AGG,
    aggregated: 'lumen_kernel_socket_aggregated_requests_total', records: 'lumen_kernel_socket_bpf_records_total' }));

test('overflow: templates past kernel_aggregation_series come through ring records, counted, none lost', async () => {
  const fullBefore = await promCounter(PROM_AGG, 'lumen_kernel_socket_aggregation_fallback_total', 'budget_full');
  const T = 100;
  const per = 3;
  await inParallel(T * per, 8, (i) => send(MANY, 'GET', `/catalog/section-${String.fromCharCode(97 + (i % T) % 26)}${Math.floor((i % T) / 26)}x/list`));
  const [e, a] = await Promise.all([settledSeries(PROM_EXACT, MANY, T * per), settledSeries(PROM_AGG, MANY, T * per)]);
  assert.equal(seriesTotal(a), T * per);
  assert.equal(seriesTotal(e), T * per);
  const full = (await promCounter(PROM_AGG, 'lumen_kernel_socket_aggregation_fallback_total', 'budget_full')) - fullBefore;
  assert.ok(full >= (T - BUDGET) * per, `${full} requests fell back for a full budget`);
  assert.ok(full < T * per, 'the templates that fit were aggregated');
});
