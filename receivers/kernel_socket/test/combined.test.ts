/**
 * Kernel aggregation beside kernel head sampling on one kernel_socket receiver (the common production setup:
 * RED metrics of every request, sampled traces): a real `lumen run` with
 *   metrics: kernel_socket → routes → prometheus   (kernel series, bpf/include/ks_agg.h)
 *   traces:  kernel_socket → sampling → otlp        (head sampling in the kernel, bpf/include/ks_sample.h)
 * in front of a Node server. N requests with ids in their paths (a third with a chosen trace id, flags 01 and 00,
 * a third without traceparent), plus F HTTP/1.0 requests without Host, which the aggregation leaves to the ring.
 *  - Prometheus: one route series /<run>/items/* counting exactly N (a sampled request's ring record does not reach the
 *    metrics pipeline again), and the F fallback requests counted in theirs;
 *  - OTLP (the real protos): exactly the requests the sampling processor's rule keeps — the chosen ids it keeps and
 *    no other, every root one the rule keeps; fallback requests the kernel sent for the metrics are dropped by the
 *    processor by the same rule;
 *  - counters: aggregated N, sampled kept + dropped = N + F, ring records = kept + the F fallbacks not kept.
 * Run with traceidratio and with parentbased_traceidratio (flags 01 kept, 00 dropped, roots by ratio).
 * Ports 20450 (server), 20451-20452 (OTLP), 20453 (Prometheus) (21001-21004 are the databases test's).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLumen, type CliRun } from '../../../test/support/cli-process.js';
import { startOtlpCollector, type OtlpCollector, type ReceivedSpan } from '../../../test/support/otlp-collector.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import { createSampler } from '../../../processors/sampling/index.js';
import type { SamplerName } from '../../../processors/sampling/config.js';
import { sampleHttpSpan, sampleService } from '../../../test/support/sample-spans.js';
import { sleep, startProc, stopAllProcs, tempDir, waitForPort } from './support.js';

const SERVER = 20450, OTLP_HTTP = 20451, OTLP_GRPC = 20452, PROM = 20453;
const PER_KIND = 100, N = 3 * PER_KIND, F = 12, RATIO = 0.3;

const SERVER_JS = `
require('http').createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); })
  .listen(${SERVER}, '127.0.0.1');`;

let collector: OtlpCollector;
let lumen: CliRun | undefined;

before(async () => {
  startProc(process.execPath, ['-e', SERVER_JS]);
  await waitForPort(SERVER);
  collector = await startOtlpCollector({ grpcPort: OTLP_GRPC, httpPort: OTLP_HTTP });
});
after(() => cleanUp(async () => { lumen?.child.kill('SIGKILL'); }, stopAllProcs, () => collector?.stop()));

async function startAgent(sampler: SamplerName): Promise<void> {
  const file = join(tempDir('combined'), `${sampler}.yaml`);
  writeFileSync(file, `
discovery:
  instrument: [{ open_ports: "${SERVER}" }]
receivers:
  kernel_socket: {}
processors:
  routes: {}
  sampling: { sampler: ${sampler}, ratio: ${RATIO} }
exporters:
  otlp: { endpoint: "http://127.0.0.1:${OTLP_HTTP}", protocol: http/protobuf, batch: { timeout: 200ms } }
  prometheus: { endpoint: "127.0.0.1:${PROM}" }
service:
  telemetry: { metrics: { enabled: true } }
  pipelines:
    metrics: { receivers: [kernel_socket], processors: [routes], exporters: [prometheus] }
    traces: { receivers: [kernel_socket], processors: [sampling], exporters: [otlp] }
`);
  lumen = spawnLumen(['run', '-c', file]);
  await lumen.waitFor((r) => r.stderr.includes('lumen started'), 60_000);
}

async function scrape(): Promise<string[]> {
  return (await (await fetch(`http://127.0.0.1:${PROM}/metrics`)).text()).split('\n').filter((l) => l && !l.startsWith('#'));
}
const value = (l: string) => Number(l.slice(l.lastIndexOf(' ') + 1));
function sum(lines: string[], name: string, ...labels: string[]): number {
  return lines.filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.every((x) => l.includes(x))).reduce((a, l) => a + value(l), 0);
}

interface Sent { path: string; traceId?: string; flags?: number }

function get(agent: http.Agent, r: Sent): Promise<void> {
  const headers: Record<string, string> = {};
  if (r.traceId) headers.traceparent = `00-${r.traceId}-${randomBytes(8).toString('hex')}-0${r.flags}`;
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: SERVER, path: r.path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** HTTP/1.0 without Host: the kernel aggregation leaves it to a ring record ("unfit"). */
function getNoHost(r: Sent): Promise<void> {
  const tp = r.traceId ? `traceparent: 00-${r.traceId}-${randomBytes(8).toString('hex')}-0${r.flags}\r\n` : '';
  return new Promise((resolve, reject) => {
    const s = connect(SERVER, '127.0.0.1', () => s.write(`GET ${r.path} HTTP/1.0\r\n${tp}\r\n`));
    s.on('data', () => {});
    s.on('end', () => { s.destroy(); resolve(); });
    s.on('error', reject);
  });
}

/** The processor's own decision for a request with this traceparent (a root: no traceId). */
function ruleKeeps(sampler: SamplerName, traceId: string, flags?: number): boolean {
  const s = sampleHttpSpan(sampleService('x', 1));
  s.trace = { traceId, spanId: '00f067aa0ba902b7', parentSpanId: flags === undefined ? '' : 'b7ad6b7169203331', flags: flags ?? 0 };
  return createSampler(sampler, RATIO)(s);
}

for (const sampler of ['traceidratio', 'parentbased_traceidratio'] as const) {
  test(`${sampler}: kernel aggregation and kernel sampling together: metrics of every request once, exactly the sampled spans`, async () => {
    await startAgent(sampler);
    try {
      await check(sampler, sampler === 'traceidratio' ? 'ratio' : 'parent');
    } finally {
      lumen!.child.kill('SIGTERM');
      await lumen!.exited;
      lumen = undefined;
    }
  });
}

async function check(sampler: SamplerName, run: string): Promise<void> {
  assert.match(lumen!.stderr, /sampling="?in the kernel: (parent-based, roots )?ratio 0\.3, beside the kernel aggregation for metrics/);
  assert.match(lumen!.stderr, /kernel_aggregation="?on \(ids collapsed\)/);
  const until = Date.now() + 30_000;
  while (sum(await scrape(), 'lumen_discovery_instrumented_processes') < 1) {
    if (Date.now() > until) throw new Error(`the server was not instrumented: ${lumen!.stderr.slice(-2000)}`);
    await sleep(100);
  }
  const sent: Sent[] = [];
  for (let i = 0; i < PER_KIND; i++) {
    sent.push({ path: `/${run}/items/${3 * i}`, traceId: randomBytes(16).toString('hex'), flags: 1 });
    sent.push({ path: `/${run}/items/${3 * i + 1}`, traceId: randomBytes(16).toString('hex'), flags: 0 });
    sent.push({ path: `/${run}/items/${3 * i + 2}` });
  }
  const fallback: Sent[] = Array.from({ length: F }, (_, i) => ({ path: `/${run}/old/${i}`, traceId: randomBytes(16).toString('hex'), flags: i % 2 }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  await Promise.all([...sent.map((r) => get(agent, r)), ...fallback.map(getNoHost)]);
  agent.destroy();

  const route = (r: string) => [`http_route="${r}"`, `server_port="${SERVER}"`];
  let lines: string[] = [], spans: ReceivedSpan[] = [], last = -1, stable = 0;
  const mine = (s: ReceivedSpan) => new RegExp(`^/${run}/(items|old)/`).test(String(s.attributes['url.path'] ?? ''));
  const deadline = Date.now() + 20_000;
  for (;;) {
    await sleep(400);
    lines = await scrape();
    await collector.decoded();
    spans = collector.spans().filter(mine);
    const counted = sum(lines, 'http_server_request_duration_seconds_count', ...route(`/${run}/items/*`));
    stable = spans.length === last ? stable + 1 : 0;
    if ((counted >= N && stable >= 2) || Date.now() > deadline) break;
    last = spans.length;
  }
  await sleep(1200); // one more kernel read: nothing late may change the counts
  lines = await scrape();

  // Metrics: every request once.
  const series = lines.filter((l) => l.startsWith('http_server_request_duration_seconds_count{') && l.includes(`server_port="${SERVER}"`));
  const items = series.filter((l) => l.includes(`http_route="/${run}/items/*"`));
  assert.equal(items.length, 1, series.join('\n'));
  assert.equal(value(items[0]!), N, 'one route series counting every request once (sampled ones not again)');
  assert.equal(sum(lines, 'http_server_request_duration_seconds_count', ...route(`/${run}/old/*`)), F, `fallback requests counted from their records: ${series.join('\n')}`);

  // Counters.
  const aggregated = sum(lines, 'lumen_kernel_socket_aggregated_requests_total');
  const kept = sum(lines, 'lumen_kernel_socket_sampling_total', 'result="kept"');
  const dropped = sum(lines, 'lumen_kernel_socket_sampling_total', 'result="dropped"');
  const records = sum(lines, 'lumen_kernel_socket_bpf_records_total');
  assert.equal(aggregated, N, 'every request with Host aggregated');
  assert.equal(kept + dropped, N + F, `kept ${kept} + dropped ${dropped}`);
  const fallbackDropped = fallback.filter((r) => !ruleKeeps(sampler, r.traceId!, r.flags)).length;
  assert.equal(records, kept + fallbackDropped, 'ring records: the sampled requests, and the fallbacks the metrics need');

  // Traces: exactly what the processor's rule keeps.
  assert.equal(spans.length, kept, 'one span per request the kernel kept');
  const chosen = [...sent, ...fallback].filter((r) => r.traceId);
  const want = chosen.filter((r) => ruleKeeps(sampler, r.traceId!, r.flags)).map((r) => r.traceId!).sort();
  const ids = new Set(chosen.map((r) => r.traceId!));
  assert.deepEqual(spans.map((s) => s.traceId).filter((t) => ids.has(t)).sort(), want, 'chosen ids delivered = those the rule keeps');
  const roots = spans.filter((s) => s.parentSpanId === '');
  for (const s of roots) assert.ok(ruleKeeps(sampler, s.traceId), `root ${s.traceId} kept by the rule`);
  assert.equal(spans.length, want.length + roots.length);
  assert.ok(roots.length > PER_KIND * RATIO * 0.4 && roots.length < PER_KIND * RATIO * 1.9, `${roots.length} of ${PER_KIND} roots kept`);
  if (sampler === 'parentbased_traceidratio') {
    const flagged = new Map(chosen.map((r) => [r.traceId!, r.flags]));
    const delivered = spans.filter((x) => flagged.has(x.traceId));
    assert.equal(delivered.filter((x) => flagged.get(x.traceId) === 0).length, 0, 'no sampled=0 request kept');
    assert.equal(delivered.length, PER_KIND + F / 2, 'every sampled=1 request kept');
  }
}
