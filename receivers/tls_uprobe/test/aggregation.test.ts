/**
 * Kernel-side RED aggregation of HTTPS (tls_uprobe's connection machine writes its finished requests through the
 * same ks_emit as kernel_socket's, bpf/include/ks_agg.h) against the exact path, end to end: two real `lumen run`
 * agents with the same metrics-only pipeline (tls_uprobe → routes → prometheus), one with kernel_aggregation: off,
 * one with auto, watch the same real Node HTTPS servers (OpenSSL under uprobes); the test scrapes both.
 *  1. equivalence: methods, statuses, body sizes, durations in several buckets, query strings, a HEAD, a curl
 *     (libssl) calling the second server (client series), HTTP/1.0 requests without Host (left to the ring, unfit)
 *     → the same server and client series (url_scheme="https"), counts and buckets equal, sums within clock
 *     tolerance; the kernel aggregated every request but the Host-less ones;
 *  2. 2,000 requests with ids in their paths → one route series counting 2,000, no ring record.
 * Ports 20430-20434.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, Agent as HttpsAgent } from 'node:https';
import { connect } from 'node:tls';
import { MIX_REPLY_JS, assertIdsInOneSeries, startExactAndKernel, assertSameSeries, hostlessSender, inParallel, mixedCalls, promCounter, scrapeSeries, sender, seriesTotal, settledSeries } from '../../../test/support/red-series.js';
import type { CliRun } from '../../../test/support/cli-process.js';
import { cleanupAll, curlClient, curlConfig, go, makeCerts, run, sleep, tempDir, waitForPort, type Proc } from './servers.js';

const MIX = 20430, INNER = 20431, IDS = 20434; // servers (curl calls INNER: client series)
const MARK = `lumen-tls-agg-${process.pid}`;
const PROM_EXACT = 20432, PROM_AGG = 20433;

const serverJs = (key: string, cert: string) => `
const https = require('https'), fs = require('fs');
const tls = { key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) };
for (const port of process.argv.slice(1).map(Number)) {
  https.createServer(tls, (req, res) => {
    req.resume();
    req.on('end', () => {
      const u = new URL(req.url, 'https://x');
${MIX_REPLY_JS}
    });
  }).listen(port, '127.0.0.1');
}`;

function agentYaml(mode: 'auto' | 'off', prom: number): string {
  return `
discovery:
  instrument:
    - open_ports: "${MIX},${INNER},${IDS}"
    - cmd_args: "*${MARK}*"
receivers:
  tls_uprobe: { kernel_aggregation: ${mode} }
processors:
  routes: {}
exporters:
  prometheus: { endpoint: "127.0.0.1:${prom}" }
service:
  telemetry: { logs: { level: info, format: text }, metrics: { enabled: true } }
  pipelines:
    metrics: { receivers: [tls_uprobe], processors: [routes], exporters: [prometheus] }
`;
}

let exact: CliRun;
let agg: CliRun;
let curl: Proc;

/** Resolves once both agents have put TLS probes on pid. */
const probed = (pid: number) => Promise.all([exact, agg].map((a) => a.waitFor((r) => r.stderr.includes(`pid ${pid} (`) && r.stderr.includes('TLS probes on'), 30_000)));

before(async () => {
  const certs = makeCerts();
  const srv = run(process.execPath, ['-e', serverJs(certs.key, certs.cert), String(MIX), String(INNER), String(IDS)]);
  for (const p of [MIX, INNER, IDS]) await waitForPort(p, srv);
  const dir = tempDir('tls-agg');
  ({ exact, kernel: agg } = await startExactAndKernel(dir, agentYaml, { exact: PROM_EXACT, kernel: PROM_AGG }));
  assert.match(agg.stderr, /tls_uprobe receiver started.*kernel_aggregation="on \(ids collapsed\)"/);
  assert.match(exact.stderr, /kernel_aggregation="off: kernel_aggregation: off"/);
  // both agents have probed the server and the client (uprobes attach after discovery finds them); curl
  // (socket BIOs) makes the client calls: a Node client inside a Node server is not reliably tied to its socket
  // (receivers/tls_uprobe/README.md, "Which connection")
  curl = curlClient(MARK);
  await probed(srv.pid);
  await probed(curl.pid);
});

after(async () => {
  for (const a of [exact, agg]) a?.child.kill('SIGTERM');
  await Promise.all([exact, agg].map((a) => a?.exited));
  await cleanupAll();
});

const send = sender(request, new HttpsAgent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false }));
const sendNoHost = hostlessSender((port, ready) => connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, ready));


test('HTTPS equivalence: the same series and values through the kernel aggregation and the exact path', async () => {
  const NO_HOST = 4;
  const calls = mixedCalls(send, sendNoHost, MIX, NO_HOST);
  const CALLS = 12;
  calls.push(async () => {
    go(curl, curlConfig(INNER, Array.from({ length: CALLS }, (_, i) => `/inner/${i}?status=${i % 3 ? 200 : 503}&size=${i * 300}`)));
    await curl.exited;
  });
  const [aggBefore, unfitBefore] = [await promCounter(PROM_AGG, 'lumen_tls_aggregated_requests_total'), await promCounter(PROM_AGG, 'lumen_tls_aggregation_fallback_total', 'unfit')];
  await inParallel(calls.length, 6, (i) => calls[i]!());
  const n = calls.length - 1;
  await Promise.all([settledSeries(PROM_EXACT, MIX, n), settledSeries(PROM_AGG, MIX, n), settledSeries(PROM_EXACT, INNER, CALLS, 'client'), settledSeries(PROM_AGG, INNER, CALLS, 'client')]);
  await sleep(1200); // one more kernel read: nothing late may change the picture
  const both = async (prom: number) => new Map([...await scrapeSeries(prom, MIX), ...await scrapeSeries(prom, INNER, 'client')]);
  const [e, a] = await Promise.all([both(PROM_EXACT), both(PROM_AGG)]);
  assert.deepEqual([seriesTotal(e), seriesTotal(a)], [n + CALLS, n + CALLS]);
  assert.ok([...e.keys()].some((k) => k.startsWith('http_client_request_duration_seconds_count{') && k.includes('http_response_status_code="503"')));
  assert.ok([...e.keys()].every((k) => k.includes('url_scheme="https"')), 'HTTPS series');
  assertSameSeries(e, a);
  assert.ok([...e.keys()].some((k) => k.includes('http_route="/users/*/orders/*"')));
  // MIX's requests but the Host-less ones, curl's calls, and their INNER server ends
  assert.equal(await promCounter(PROM_AGG, 'lumen_tls_aggregated_requests_total') - aggBefore, n - NO_HOST + 2 * CALLS, 'aggregated in the kernel');
  assert.equal(await promCounter(PROM_AGG, 'lumen_tls_aggregation_fallback_total', 'unfit') - unfitBefore, NO_HOST, 'HTTP/1.0 without Host: left to the ring, counted');
  assert.equal(await promCounter(PROM_EXACT, 'lumen_tls_aggregated_requests_total'), 0, 'the exact agent aggregates nothing');
});

test('HTTPS: 2,000 requests with ids in their paths: one route series counting 2,000, no ring record', () =>
  assertIdsInOneSeries({ send, port: IDS, n: 2_000, width: 8, exact: PROM_EXACT, kernel: PROM_AGG,
    aggregated: 'lumen_tls_aggregated_requests_total', records: 'lumen_tls_records_total' }));
