/**
 * Kernel aggregation + kernel head sampling with context propagation on (`context_propagation: headers`), end to end:
 * a real `lumen run` with
 *   metrics: kernel_socket → routes → prometheus   (kernel series, bpf/include/ks_agg.h)
 *   traces:  kernel_socket → sampling → otlp        (head sampling in the kernel, bpf/include/ks_sample.h)
 * watching a Node front (programs/front.mjs) that calls a Node recorder (programs/recorder.mjs) for every request;
 * both instrumented, the sk_msg program injects a traceparent into every call (bpf/include/ks_tctx.h).
 * N requests to the front over one keep-alive connection (Node's single loop thread then serves one at a time, so
 * each call is made under the request that caused it): a third with a chosen trace id and flags 01, a third flags
 * 00, a third without traceparent; plus F HTTP/1.0 requests without Host, which the aggregation leaves to the ring
 * (their calls have a Host and are aggregated).
 *  - propagation and the kernel's decision agree: the recorder received one traceparent per call, the trace
 *    continued, flags 01 exactly for the traces whose spans arrive and 00 for the others;
 *  - Prometheus: every request counted once whatever the sampling — the front's server series, its client series
 *    and the recorder's server series each count N (+ F);
 *  - OTLP (the real protos): the front's server spans = exactly the chosen ids the processor's rule keeps, every
 *    root one it keeps; each kept request has exactly one client span under it and one recorder span under that,
 *    and no call of a dropped request arrives;
 *  - counters: aggregated 3N + 2F, kept + dropped = 3(N + F), ring records = kept + the fallbacks the rule drops.
 * Run with traceidratio and parentbased_traceidratio, and parentbased_traceidratio with kernel_aggregation_series: 1,
 * where most requests and calls fall back to ring records (budget_full) whatever the kernel decided: the calls of
 * dropped requests reach user space too (metrics need them), and the processor must drop them — their captured
 * request has no traceparent (the kernel injects it), so the record says the kernel sampled them out. Ports 20421 (front), 20422 (recorder), 20423-20424 (OTLP),
 * 20425 (Prometheus).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import type { CliRun } from '../../../test/support/cli-process.js';
import { startOtlpCollector, type OtlpCollector, type ReceivedSpan } from '../../../test/support/otlp-collector.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import type { SamplerName } from '../../../processors/sampling/config.js';
import { sumSamples, waitForSum } from '../../../test/support/prometheus-text.js';
import { chosenRequests, getSent, getSentWithoutHost, hostlessRequests, processorKeeps } from '../../../test/support/traced-requests.js';
import { settledDelivery, startSampledPipelines } from '../../../test/support/sampled-pipelines.js';
import { PROGRAMS, sleep, startProc, stopAllProcs, tempDir, type Proc } from './support.js';

const FRONT = 20421, RECORDER = 20422, OTLP_HTTP = 20423, OTLP_GRPC = 20424, PROM = 20425;
const PER_KIND = 60, N = 3 * PER_KIND, F = 6, RATIO = 0.3;
const SERVER_KIND = 2, CLIENT_KIND = 3;

let collector: OtlpCollector;
let lumen: CliRun | undefined;
let recorder: Proc;

before(async () => {
  collector = await startOtlpCollector({ grpcPort: OTLP_GRPC, httpPort: OTLP_HTTP });
});
after(() => cleanUp(async () => { lumen?.child.kill('SIGKILL'); }, stopAllProcs, () => collector?.stop()));

/** A front and recorder of their own for each run: calls on a keep-alive connection opened before the agent
 *  started are never injected (receivers/kernel_socket/README.md, context propagation). */
async function startServers(): Promise<Proc[]> {
  recorder = startProc(process.execPath, [join(PROGRAMS, 'recorder.mjs'), String(RECORDER)]);
  const front = startProc(process.execPath, [join(PROGRAMS, 'front.mjs'), String(FRONT), String(RECORDER)]);
  for (const p of [recorder, front]) while (!p.stdout().includes('listening')) await sleep(50);
  return [front, recorder];
}

async function startAgent(sampler: SamplerName, budget?: number): Promise<void> {
  lumen = await startSampledPipelines(tempDir('combined-prop'), {
    ports: [FRONT, RECORDER], sampler, ratio: RATIO, otlpHttp: OTLP_HTTP, prom: PROM,
    kernelSocket: `context_propagation: headers${budget ? `, kernel_aggregation_series: ${budget}` : ''}`,
  });
}

const ruleKeeps = (sampler: SamplerName, traceId: string, flags?: number) => processorKeeps(sampler, RATIO, traceId, flags);

for (const [sampler, run, budget] of [['traceidratio', 'pratio'], ['parentbased_traceidratio', 'pparent'], ['parentbased_traceidratio', 'pfull', 1]] as const) {
  test(`${sampler}${budget ? ' (series budget full)' : ''} with context propagation: injected flags = the kernel's decision, every request counted once, exactly the kept traces`, async () => {
    const servers = await startServers();
    await startAgent(sampler, budget);
    try {
      await check(sampler, run, budget !== undefined);
    } finally {
      lumen!.child.kill('SIGTERM');
      await lumen!.exited;
      lumen = undefined;
      for (const p of servers) await p.kill();
    }
  });
}

async function check(sampler: SamplerName, run: string, budgetFull: boolean): Promise<void> {
  assert.match(lumen!.stderr, /sampling="?in the kernel: (parent-based, roots )?ratio 0\.3, beside the kernel aggregation for metrics/);
  assert.match(lumen!.stderr, /kernel_aggregation="?on \(ids collapsed\)/);
  await waitForSum(PROM, 'lumen_discovery_instrumented_processes', 2, () => `front and recorder were not instrumented: ${lumen!.stderr.slice(-2000)}`);
  const sent = chosenRequests(run, PER_KIND);
  const fallback = hostlessRequests(run, F);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  for (const r of sent) await getSent(agent, FRONT, r);
  agent.destroy();
  for (const r of fallback) await getSentWithoutHost(FRONT, r);

  const mine = (s: ReceivedSpan) => new RegExp(`^/${run}/(items|old)/`).test(String(s.attributes['url.path'] ?? ''));
  const { lines, spans } = await settledDelivery(PROM, collector, mine,
    (l) => sumSamples(l, 'http_server_request_duration_seconds_count', `http_route="/${run}/items/*"`) >= 2 * N);

  // Metrics: every request counted once, on each side, whatever the sampling.
  for (const [name, port, what] of [
    ['http_server_request_duration_seconds_count', FRONT, "the front's requests"],
    ['http_client_request_duration_seconds_count', RECORDER, "the front's calls"],
    ['http_server_request_duration_seconds_count', RECORDER, "the recorder's requests"],
  ] as const) {
    const series = lines.filter((l) => l.startsWith(`${name}{`) && l.includes(`server_port="${port}"`));
    assert.equal(sumSamples(series, name, `http_route="/${run}/items/*"`), N, `${what}: ${series.join('\n')}`);
    assert.equal(sumSamples(series, name, `http_route="/${run}/old/*"`), F, `${what} (fallbacks): ${series.join('\n')}`);
  }

  // What the recorder received: the kernel's traceparent in every call, its flags the decision the spans show.
  const front = spans.filter((s) => s.kind === SERVER_KIND && s.attributes['server.port'] === FRONT);
  const keptTraces = new Set(front.map((s) => s.traceId));
  const seen = recorder.stdout().split('\n').filter((l) => l.startsWith(`/${run}/`));
  assert.equal(seen.length, N + F, 'one call per request');
  const byPath = new Map([...sent, ...fallback].map((r) => [r.path, r]));
  for (const line of seen) {
    const [path, tp] = line.split(' ');
    const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-(0[01])$/.exec(tp!);
    assert.ok(m, `${path}: injected ${tp}`);
    const r = byPath.get(path!)!;
    if (r.traceId) assert.equal(m[1], r.traceId, `${path}: the trace continues`);
    assert.equal(m[2], keptTraces.has(m[1]!) ? '01' : '00', `${path}: injected flags = the kernel's decision`);
  }

  // Counters.
  const aggregated = sumSamples(lines, 'lumen_kernel_socket_aggregated_requests_total');
  const kept = sumSamples(lines, 'lumen_kernel_socket_sampling_total', 'result="kept"');
  const dropped = sumSamples(lines, 'lumen_kernel_socket_sampling_total', 'result="dropped"');
  const records = sumSamples(lines, 'lumen_kernel_socket_bpf_records_total');
  assert.equal(kept + dropped, 3 * (N + F), `kept ${kept} + dropped ${dropped}`);
  if (budgetFull) {
    const full = sumSamples(lines, 'lumen_kernel_socket_aggregation_fallback_total', 'reason="budget_full"');
    const unfit = sumSamples(lines, 'lumen_kernel_socket_aggregation_fallback_total', 'reason="unfit"');
    assert.equal(aggregated + full + unfit, 3 * (N + F), 'every request aggregated or left to the ring');
    assert.ok(full >= N, `${full} requests past the budget`);
    assert.ok(records > kept, 'dropped requests sent for the metrics');
  } else {
    assert.equal(aggregated, 3 * N + 2 * F, 'every request with a Host aggregated: front, call, recorder');
    const fallbackDropped = fallback.filter((r) => !ruleKeeps(sampler, r.traceId!, r.flags)).length;
    assert.equal(records, kept + fallbackDropped, 'ring records: the sampled requests, and the front fallbacks the metrics need');
  }

  // Traces: exactly what the processor's rule keeps, each kept request with its call and the recorder's span.
  const chosen = [...sent, ...fallback].filter((r) => r.traceId);
  const want = chosen.filter((r) => ruleKeeps(sampler, r.traceId!, r.flags)).map((r) => r.traceId!).sort();
  const ids = new Set(chosen.map((r) => r.traceId!));
  assert.deepEqual(front.map((s) => s.traceId).filter((t) => ids.has(t)).sort(), want, 'chosen ids delivered = those the rule keeps');
  const roots = front.filter((s) => s.parentSpanId === '');
  for (const s of roots) assert.ok(ruleKeeps(sampler, s.traceId), `root ${s.traceId} kept by the rule`);
  assert.equal(front.length, want.length + roots.length);
  assert.ok(roots.length > PER_KIND * RATIO * 0.3 && roots.length < PER_KIND * RATIO * 2.2, `${roots.length} of ${PER_KIND} roots kept`);
  const clients = spans.filter((s) => s.kind === CLIENT_KIND);
  const back = spans.filter((s) => s.kind === SERVER_KIND && s.attributes['server.port'] === RECORDER);
  assert.equal(spans.length, 3 * front.length, `front ${front.length}, calls ${clients.length}, recorder ${back.length}: nothing of a dropped request`);
  const frontBySpan = new Map(front.map((s) => [s.spanId, s]));
  const clientBySpan = new Map(clients.map((s) => [s.spanId, s]));
  for (const c of clients) {
    const parent = frontBySpan.get(c.parentSpanId);
    assert.ok(parent, `call ${c.attributes['url.path']} under a kept front span`);
    assert.equal(parent.traceId, c.traceId);
    assert.equal(parent.attributes['url.path'], c.attributes['url.path'], 'the call under the request that made it');
  }
  for (const b of back) assert.equal(clientBySpan.get(b.parentSpanId)?.traceId, b.traceId, "the recorder's span under the call");
  assert.equal(new Set(clients.map((c) => c.parentSpanId)).size, front.length, 'one call under each kept request');
}
