/**
 * Head sampling in the kernel (kernel_socket.kernel_sampling, bpf/include/ks_sample.h): `lumen run` with a
 * traces-only pipeline `kernel_socket → sampling → otlp` in front of a Node server, N requests over keep-alive
 * connections — a third with a traceparent whose trace id this test chose and flags 01, a third the same with flags
 * 00, a third with none (the kernel makes their trace ids). Spans decoded from OTLP with the real protos.
 *
 *  - traceidratio in the kernel: the requests with chosen ids whose spans arrive are exactly those the processor's
 *    own rule (processors/sampling createSampler) keeps, whatever their flags; every root that arrives is one the
 *    rule keeps; traceparents user space reads but the kernel does not (trailing spaces, version 01, the header
 *    twice) reach user space and the processor decides them on their ids; lumen_kernel_socket_sampling_total kept + dropped = N, and the ring buffer saw only the kept ones
 *    (lumen_kernel_socket_bpf_records_total = kept = spans delivered);
 *  - parentbased_traceidratio in the kernel with context propagation, in front of a Node front that calls a recorder
 *    for every request: flags 01 → kept, 00 → dropped, roots by ratio; the front's client calls are kept exactly
 *    with their server request, and the traceparent the kernel injected into each call carries the decision (01/00);
 *  - the same traceidratio with kernel_sampling: false (the exact path): every request reaches the ring, and the
 *    chosen-id spans delivered are the same set as in the kernel run.
 * Ports 20401 (server), 20402-20403 (OTLP), 20404 (Prometheus, internal metrics through a replay-fed pipeline),
 * 20405 (front), 20406 (recorder).
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnLumen, type CliRun } from '../../../test/support/cli-process.js';
import { startOtlpCollector, type OtlpCollector, type ReceivedSpan } from '../../../test/support/otlp-collector.js';
import { cleanUp } from '../../../test/support/cleanup.js';
import type { SamplerName } from '../../../processors/sampling/config.js';
import { pipelinesYaml } from '../../../test/support/pipelines-yaml.js';
import { scrapeSum, waitForSum } from '../../../test/support/prometheus-text.js';
import { processorKeeps as keeps, type Sent as ChosenSent } from '../../../test/support/traced-requests.js';
import { PROGRAMS, sleep, startProc, startServer, stopAllProcs, tempDir, type Proc } from './support.js';

const SERVER = 20401, OTLP_HTTP = 20402, OTLP_GRPC = 20403, METRICS = 20404, FRONT = 20405, RECORDER = 20406;
const PER_KIND = 150, N = 3 * PER_KIND, RATIO = 0.3;

let collector: OtlpCollector;
let lumen: CliRun | undefined;
let dir: string;
let recorder: Proc;

before(async () => {
  dir = tempDir('sampling');
  writeFileSync(join(dir, 'empty.jsonl'), '');
  await startServer('node', SERVER);
  recorder = startProc(process.execPath, [join(PROGRAMS, 'recorder.mjs'), String(RECORDER)]);
  const front = startProc(process.execPath, [join(PROGRAMS, 'front.mjs'), String(FRONT), String(RECORDER)]);
  for (const p of [recorder, front]) while (!p.stdout().includes('listening')) await sleep(50);
  collector = await startOtlpCollector({ grpcPort: OTLP_GRPC, httpPort: OTLP_HTTP });
});
after(() => cleanUp(async () => { lumen?.child.kill('SIGKILL'); }, stopAllProcs, () => collector?.stop()));

/** odd: a traceparent user space reads but the kernel leaves to it (trailing spaces, version 01 with a fifth
 *  field, the header twice — user space takes the last) */
interface Sent extends ChosenSent { odd?: 'spaces' | 'v01' | 'twice' }
const ODD = 10;
const ODD_IDS = Array.from({ length: 3 * ODD }, () => randomBytes(16).toString('hex'));

/** Chosen trace ids, the same in every run: flags 01 for the first PER_KIND, 00 for the others. */
const CHOSEN = Array.from({ length: 2 * PER_KIND }, () => randomBytes(16).toString('hex'));

/** The requests of one run: the chosen trace ids and PER_KIND roots, each with a path naming the run. */
function requests(run: string, odd: boolean): Sent[] {
  const out: Sent[] = [];
  if (odd) {
    for (const kind of ['spaces', 'v01', 'twice'] as const) {
      for (let i = 0; i < ODD; i++) out.push({ path: `/${run}/${kind}${i}`, traceId: ODD_IDS[i * 3 + (kind === 'v01' ? 1 : kind === 'twice' ? 2 : 0)], flags: 1, odd: kind });
    }
  }
  for (let i = 0; i < PER_KIND; i++) {
    out.push({ path: `/${run}/s${i}`, traceId: CHOSEN[i], flags: 1 });
    out.push({ path: `/${run}/u${i}`, traceId: CHOSEN[PER_KIND + i], flags: 0 });
    out.push({ path: `/${run}/r${i}` });
  }
  return out;
}

/** `sockets`: 1 for the front: Node's one loop thread then serves one request at a time, so each call is made
 *  under the request that caused it (with several in flight the kernel may take another's — see the README). */
async function send(all: Sent[], port: number, sockets: number): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  await Promise.all(all.map((r) => new Promise<void>((resolve, reject) => {
    const tp = (v: string) => `${v}-${r.traceId}-${randomBytes(8).toString('hex')}-0${r.flags}`;
    const headers: Record<string, string | string[]> = {};
    if (r.odd === 'spaces') headers.traceparent = `${tp('00')}  `;
    else if (r.odd === 'v01') headers.traceparent = `${tp('01')}-what-comes-next`;
    else if (r.odd === 'twice') headers.traceparent = [`00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`, tp('00')];
    else if (r.traceId) headers.traceparent = tp('00');
    http.get({ host: '127.0.0.1', port, path: r.path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode! < 500 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    }).on('error', reject);
  })));
  agent.destroy();
}

async function runAgent(name: string, sampler: SamplerName, kernel: boolean, propagate = false, odd = false): Promise<{ sent: Sent[]; spans: ReceivedSpan[]; kept: number; dropped: number; records: number }> {
  const port = propagate ? FRONT : SERVER;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, pipelinesYaml({
    instrument: `open_ports: "${port}"`,
    receivers: {
      kernel_socket: `kernel_sampling: ${kernel}, context_propagation: ${propagate ? 'headers' : 'disabled'}`,
      replay: `path: "${join(dir, 'empty.jsonl')}"`,
    },
    processors: { sampling: `sampler: ${sampler}, ratio: ${RATIO}` },
    otlpHttp: OTLP_HTTP, prom: METRICS,
    pipelines: {
      traces: 'receivers: [kernel_socket], processors: [sampling], exporters: [otlp]',
      metrics: 'receivers: [replay], exporters: [prometheus]',
    },
  }));
  lumen = spawnLumen(['run', '-c', file]);
  try {
    await lumen.waitFor((r) => r.stderr.includes('lumen started'), 60_000);
    assert.match(lumen.stderr, kernel ? /sampling="?in the kernel/ : /sampling="?in user space \(kernel_sampling: false\)/);
    await waitForSum(METRICS, 'lumen_discovery_instrumented_processes', 1, () => `the server was not instrumented: ${lumen!.stderr.slice(-2000)}`);
    const sent = requests(name, odd);
    const n = sent.length;
    await send(sent, port, propagate ? 1 : 6);
    const mine = (s: ReceivedSpan) => String(s.attributes['url.path'] ?? '').startsWith(`/${name}/`);
    // Wait until the counters say every request was seen, then until the delivered spans stop changing.
    let kept = 0, dropped = 0, records = 0, spans: ReceivedSpan[] = [], last = -1, stable = 0;
    const deadline = Date.now() + 30_000;
    for (;;) {
      await sleep(400);
      kept = await scrapeSum(METRICS, 'lumen_kernel_socket_sampling_total', 'result="kept"');
      dropped = await scrapeSum(METRICS, 'lumen_kernel_socket_sampling_total', 'result="dropped"');
      records = await scrapeSum(METRICS, 'lumen_kernel_socket_bpf_records_total');
      await collector.decoded();
      spans = collector.spans().filter(mine);
      const total = (kernel ? kept + dropped : records) / (propagate ? 2 : 1);
      stable = spans.length === last ? stable + 1 : 0;
      if ((total >= n && spans.length > 0 && stable >= 2) || Date.now() > deadline) break;
      last = spans.length;
    }
    return { sent, spans, kept, dropped, records };
  } finally {
    lumen.child.kill('SIGTERM');
    await lumen.exited;
    lumen = undefined;
  }
}

/** The processor's own decision for a request with this traceparent (its span: that trace id, a parent, these flags). */
const processorKeeps = (sampler: SamplerName, traceId: string, flags: number) => keeps(sampler, RATIO, traceId, flags);

function keyOf(s: ReceivedSpan): string {
  return s.traceId;
}

function chosenKept(r: { sent: Sent[]; spans: ReceivedSpan[] }): Set<string> {
  const chosen = new Set(r.sent.filter((x) => x.traceId).map((x) => x.traceId!));
  return new Set(r.spans.map(keyOf).filter((t) => chosen.has(t)));
}

let ratioInKernel: Set<string> | undefined;

test('traceidratio in the kernel: exactly the spans the processor keeps; counters add up; the ring saw only them', async () => {
  const r = await runAgent('kratio', 'traceidratio', true, false, true);
  assert.equal(r.kept + r.dropped, N + 3 * ODD, `kept ${r.kept} + dropped ${r.dropped}`);
  assert.equal(r.records, r.kept, 'only the sampled requests went through the ring buffer');
  const oddDropped = r.sent.filter((x) => x.odd && !processorKeeps('traceidratio', x.traceId!, 1)).length;
  assert.equal(r.spans.length, r.kept - oddDropped, 'every record the kernel decided became a delivered span; the odd ones the processor decided');
  assert.ok(!r.spans.some((s) => s.traceId === '1'.repeat(32)), 'of two traceparent headers, the last one (as user space reads them)');
  const want = new Set(r.sent.filter((x) => x.traceId && processorKeeps('traceidratio', x.traceId, x.flags!)).map((x) => x.traceId!));
  assert.deepEqual([...chosenKept(r)].sort(), [...want].sort(), 'the chosen ids delivered = those the processor rule keeps');
  const roots = r.spans.filter((s) => s.parentSpanId === '');
  for (const s of roots) assert.ok(processorKeeps('traceidratio', s.traceId, 0), `root ${s.traceId} kept by the rule`);
  assert.ok(roots.length > PER_KIND * RATIO * 0.4 && roots.length < PER_KIND * RATIO * 1.9, `${roots.length} of ${PER_KIND} roots kept at ratio ${RATIO}`);
  ratioInKernel = chosenKept(r);
});

test('parentbased_traceidratio in the kernel with propagation: parent flags honoured, calls follow, injected flags say it', async () => {
  const r = await runAgent('kparent', 'parentbased_traceidratio', true, true);
  assert.equal(r.kept + r.dropped, 2 * N, 'each request and its call decided once');
  assert.equal(r.records, r.kept);
  const servers = r.spans.filter((s) => s.kind === 2), clients = r.spans.filter((s) => s.kind === 3);
  const byTrace = new Map(r.sent.filter((x) => x.traceId).map((x) => [x.traceId!, x.flags!]));
  const delivered = servers.filter((s) => byTrace.has(s.traceId));
  assert.equal(delivered.filter((s) => byTrace.get(s.traceId) === 1).length, PER_KIND, 'every sampled=1 request kept');
  assert.equal(delivered.filter((s) => byTrace.get(s.traceId) === 0).length, 0, 'no sampled=0 request kept');
  const roots = servers.filter((s) => s.parentSpanId === '');
  assert.equal(servers.length, PER_KIND + roots.length);
  for (const s of roots) assert.ok(processorKeeps('traceidratio', s.traceId, 0));
  const serverBySpan = new Map(servers.map((s) => [s.spanId, s]));
  assert.equal(clients.length, servers.length, 'a call is kept exactly when its request is');
  for (const c of clients) assert.equal(serverBySpan.get(c.parentSpanId)?.traceId, c.traceId, 'the call under its kept request');
  // What the recorder received: the kernel's traceparent, its flags the request's decision.
  const keptTraces = new Set(servers.map((s) => s.traceId));
  const seen = recorder.stdout().split('\n').filter((l) => l.startsWith('/kparent/'));
  assert.equal(seen.length, N);
  for (const line of seen) {
    const [path, tp] = line.split(' ');
    const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-(0[01])$/.exec(tp!);
    assert.ok(m, `${path}: injected ${tp}`);
    const sent = r.sent.find((x) => x.path === path)!;
    if (sent.traceId) assert.equal(m[1], sent.traceId, 'the trace continues');
    assert.equal(m[2], keptTraces.has(m[1]!) ? '01' : '00', `${path}: flags = the decision`);
  }
});

test('kernel_sampling: false samples in user space: every request through the ring, the same spans kept', async () => {
  assert.ok(ratioInKernel, 'runs after the kernel traceidratio test');
  const r = await runAgent('uratio', 'traceidratio', false, false, true);
  assert.equal(r.kept + r.dropped, 0, 'the kernel does not sample');
  assert.ok(r.records >= N + 3 * ODD, `${r.records} records for ${N + 3 * ODD} requests`);
  assert.deepEqual([...chosenKept(r)].sort(), [...ratioInKernel].sort(), 'the same chosen ids kept in user space as in the kernel');
  assert.ok(ratioInKernel.size > 0 && ratioInKernel.size < 2 * PER_KIND, 'some kept, some not');
});
