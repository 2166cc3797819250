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
import type { CliRun } from '../../../test/support/cli-process.js';
import { startOtlpCollector, type OtlpCollector, type ReceivedSpan } from '../../../test/support/otlp-collector.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import type { SamplerName } from '../../../processors/sampling/config.js';
import { sampleValue, sumSamples, waitForSum } from '../../../test/support/prometheus-text.js';
import { chosenRequests, getSent, getSentWithoutHost, hostlessRequests, processorKeeps } from '../../../test/support/traced-requests.js';
import { settledDelivery, startSampledPipelines } from '../../../test/support/sampled-pipelines.js';
import { startProc, stopAllProcs, tempDir, waitForPort } from './support.js';

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
  lumen = await startSampledPipelines(tempDir('combined'), { ports: [SERVER], sampler, ratio: RATIO, otlpHttp: OTLP_HTTP, prom: PROM });
}

const ruleKeeps = (sampler: SamplerName, traceId: string, flags?: number) => processorKeeps(sampler, RATIO, traceId, flags);

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
  await waitForSum(PROM, 'lumen_discovery_instrumented_processes', 1, () => `the server was not instrumented: ${lumen!.stderr.slice(-2000)}`);
  const sent = chosenRequests(run, PER_KIND);
  const fallback = hostlessRequests(run, F);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
  await Promise.all([...sent.map((r) => getSent(agent, SERVER, r)), ...fallback.map((r) => getSentWithoutHost(SERVER, r))]);
  agent.destroy();

  const route = (r: string) => [`http_route="${r}"`, `server_port="${SERVER}"`];
  const mine = (s: ReceivedSpan) => new RegExp(`^/${run}/(items|old)/`).test(String(s.attributes['url.path'] ?? ''));
  const { lines, spans } = await settledDelivery(PROM, collector, mine,
    (l) => sumSamples(l, 'http_server_request_duration_seconds_count', ...route(`/${run}/items/*`)) >= N);

  // Metrics: every request once.
  const series = lines.filter((l) => l.startsWith('http_server_request_duration_seconds_count{') && l.includes(`server_port="${SERVER}"`));
  const items = series.filter((l) => l.includes(`http_route="/${run}/items/*"`));
  assert.equal(items.length, 1, series.join('\n'));
  assert.equal(sampleValue(items[0]!), N, 'one route series counting every request once (sampled ones not again)');
  assert.equal(sumSamples(lines, 'http_server_request_duration_seconds_count', ...route(`/${run}/old/*`)), F, `fallback requests counted from their records: ${series.join('\n')}`);

  // Counters.
  const aggregated = sumSamples(lines, 'lumen_kernel_socket_aggregated_requests_total');
  const kept = sumSamples(lines, 'lumen_kernel_socket_sampling_total', 'result="kept"');
  const dropped = sumSamples(lines, 'lumen_kernel_socket_sampling_total', 'result="dropped"');
  const records = sumSamples(lines, 'lumen_kernel_socket_bpf_records_total');
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
