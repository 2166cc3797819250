/**
 * Context propagation across hosts (kernel_socket.context_propagation: headers): two network namespaces made
 * here ("host A" and "host B", joined by a veth pair) and one `lumen run` that only sees spans — no trace_join,
 * so nothing links them but the traceparent header the sk_msg program injects on the wire.
 *
 *  - chain: curl → front (Python, host A) → recorder (host B): for every request the three spans share one trace
 *    id, the front's client span is a child of its server span (the kernel's thread → served-request context),
 *    and the recorder's server span a child of that client span (from the injected header), decoded from OTLP
 *    with the real protobuf definitions;
 *  - bytes: a Node load client on host A sends 10,000 requests to the recorder (raw TCP; it writes every byte it
 *    receives to a file) over 8 keep-alive connections: single requests, pipelined bursts of 4 in one write,
 *    100-byte and 1 MiB bodies (whose bytes look like requests; a 1 MiB body ends its write: a request pipelined
 *    behind it in the same write may find the send buffer full and is then sent without a header, counted as
 *    no_room — see bpf/include/ks_propagate.h), every 25th request with its own traceparent.
 *    The recorder must receive exactly the bytes sent, plus one "traceparent: 00-<trace>-<span>-01\r\n" right
 *    after each request line — none where the request had one — and the injected ids must be the client spans'.
 *  - the three-language chain of test/trace-chain.test.ts spread over both hosts: curl → Java (host A) → Node
 *    (host B) → Python (host A), 50 requests at a time: every request one trace of five spans, each server span the
 *    child of the client span that called it across hosts (header), each client span the child of the request its
 *    process serves (the kernel's thread context — Node's single loop thread included).
 * Ports (root namespace) 20470-20472; in the namespaces 20621-20625. The discovery marker is this run's own: another
 * run of this file on the host (another engineer's) must not be instrumented by this agent, nor its spans counted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnLumen, type CliRun } from './support/cli-process.js';
import { startOtlpCollector, type OtlpCollector, type ReceivedSpan } from './support/otlp-collector.js';
import { cleanUp } from './support/cleanup.js';
import { pipelinesYaml } from './support/pipelines-yaml.js';
import { scrapeLines, sumSamples, waitForSum } from './support/prometheus-text.js';
import { sleep, startProc, stopAllProcs, tempDir, type Proc } from '../receivers/kernel_socket/test/support.js';

const OTLP_HTTP = 20470, OTLP_GRPC = 20471, METRICS = 20472, RECORDER = 20621, FRONT = 20622;
const PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs', 'propagation');
const REQUESTS = 10_000, CONNS = 8, CHAIN = 20;
const JAVA = 20623, NODE = 20624, PYTHON = 20625, LANG_REQUESTS = 300, LANG_CONCURRENCY = 50;
const CHAIN_PROGRAMS = join(dirname(fileURLToPath(import.meta.url)), 'programs', 'chain');
const tag = process.pid % 100_000;
const MARKER = `lumen-propagation-${tag}-e2e`;
const NS_A = `lpa${tag}`, NS_B = `lpb${tag}`, IF_A = `lpva${tag}`, IF_B = `lpvb${tag}`;
const IP_A = '10.199.88.1', IP_B = '10.199.88.2';
const TRACEPARENT = /^traceparent: 00-([0-9a-f]{32})-([0-9a-f]{16})-01\r\n/;

let collector: OtlpCollector | undefined;
let lumen: CliRun | undefined;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

function teardown(): void {
  for (const ns of [NS_A, NS_B]) try { ip('netns', 'del', ns); } catch { /* not there */ }
}

after(() => cleanUp(
  async () => { lumen?.child.kill('SIGKILL'); },
  stopAllProcs,
  teardown,
  () => collector?.stop(),
));

function inNs(ns: string, cmd: string, args: string[], opts: { env?: Record<string, string>; stdin?: boolean } = {}): Proc {
  return startProc('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

async function waitOutput(p: Proc, text: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!p.stdout().includes(text)) {
    if (Date.now() > until) throw new Error(`no "${text}" after ${ms} ms: ${p.stderr()}`);
    await sleep(50);
  }
}

/**
 * Checks what the recorder received on one connection against what the client sent: each request's bytes in
 * order, with exactly one traceparent line after the request line unless the request had its own. Returns the
 * injected (trace id, span id) pairs.
 */
function compareConnection(sent: Buffer, bounds: Array<[number, number]>, received: Buffer): { ids: string[]; own: number } {
  const ids: string[] = [];
  let own = 0;
  let at = 0;
  for (const [start, end] of bounds) {
    const req = sent.subarray(start, end);
    const lineEnd = req.indexOf('\r\n') + 2;
    const head = req.subarray(0, req.indexOf('\r\n\r\n') + 4).toString('latin1');
    assert.ok(received.subarray(at, at + lineEnd).equals(req.subarray(0, lineEnd)), `request line at ${start} intact`);
    at += lineEnd;
    if (/\r\ntraceparent:/i.test(head)) {
      own++;
    } else {
      const m = TRACEPARENT.exec(received.subarray(at, at + 70).toString('latin1'));
      assert.ok(m, `one traceparent after the request line of the request at ${start}: ${JSON.stringify(received.subarray(at, at + 80).toString('latin1'))}`);
      ids.push(`${m[1]}-${m[2]}`);
      at += 70;
    }
    const rest = req.subarray(lineEnd);
    assert.ok(received.subarray(at, at + rest.length).equals(rest), `headers and body of the request at ${start} (${rest.length} bytes) intact`);
    at += rest.length;
  }
  assert.equal(at, received.length, 'nothing else received');
  return { ids, own };
}

/** The three-language chain of a request, root first: (service, OTLP kind 2 server / 3 client). */
const LANG_CHAIN = [['java', 2], ['java', 3], ['node', 2], ['node', 3], ['python', 2]] as const;

/** curl → Java (A) → Node (B) → Python (A): at least 99 % of the requests one complete, rightly linked trace, none mixed. */
function languageChain(t: { diagnostic(m: string): void }, spans: ReceivedSpan[]): void {
  const byRequest = new Map<string, ReceivedSpan[]>();
  for (const s of spans) {
    const id = String(s.attributes['url.path']);
    byRequest.set(id, [...(byRequest.get(id) ?? []), s]);
  }
  const problems = new Map<string, number>();
  let complete = 0;
  for (let i = 1; i <= LANG_REQUESTS; i++) {
    const own = byRequest.get(`/req/${i}`) ?? [];
    const ordered = LANG_CHAIN.map(([svc, kind]) => own.filter((s) => s.resource['service.name'] === svc && s.kind === kind));
    const why = ordered.findIndex((l) => l.length !== 1) >= 0 ? 'spans missing or doubled'
      : ordered[0]![0]!.parentSpanId !== '' ? 'java server is not a root'
        : ordered.slice(1).findIndex((l, k) => l[0]!.parentSpanId !== ordered[k]![0]!.spanId || l[0]!.traceId !== ordered[0]![0]!.traceId);
    if (why === -1) complete++;
    else {
      const key = typeof why === 'number' ? `${LANG_CHAIN[why + 1]!.join(' ')} wrongly linked` : why;
      problems.set(key, (problems.get(key) ?? 0) + 1);
    }
  }
  const byTrace = new Map<string, Set<unknown>>();
  for (const s of spans) byTrace.set(s.traceId, (byTrace.get(s.traceId) ?? new Set()).add(s.attributes['url.path']));
  const mixed = [...byTrace.values()].filter((paths) => paths.size > 1).length;
  t.diagnostic(`java (A) → node (B) → python (A): ${complete}/${LANG_REQUESTS} traces complete and rightly linked; ${mixed} mix requests; ${JSON.stringify([...problems])}`);
  assert.ok(complete >= LANG_REQUESTS * 0.99, `${complete}/${LANG_REQUESTS} three-language traces complete across the hosts`);
  assert.equal(mixed, 0, 'no trace mixes two requests');
}

test('context propagation: a trace crosses two network namespaces via the injected traceparent; 10,000 requests arrive byte for byte plus the one header', { timeout: 240_000 }, async (t) => {
  teardown();
  ip('netns', 'add', NS_A);
  ip('netns', 'add', NS_B);
  ip('link', 'add', IF_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', IF_B, 'netns', NS_B);
  ip('-n', NS_A, 'addr', 'add', `${IP_A}/24`, 'dev', IF_A);
  ip('-n', NS_B, 'addr', 'add', `${IP_B}/24`, 'dev', IF_B);
  for (const [ns, dev] of [[NS_A, IF_A], [NS_B, IF_B]] as const) {
    ip('-n', ns, 'link', 'set', dev, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }

  const dir = tempDir('propagation');
  const recorder = inNs(NS_B, process.execPath, [join(PROGRAMS, 'recorder.mjs'), String(RECORDER), IP_B, dir, MARKER], { env: { OTEL_SERVICE_NAME: 'recorder' } });
  const front = inNs(NS_A, 'python3', [join(PROGRAMS, 'front.py'), IP_A, String(FRONT), IP_B, String(RECORDER), MARKER], { env: { OTEL_SERVICE_NAME: 'front' } });
  const load = inNs(NS_A, process.execPath, [join(PROGRAMS, 'load.mjs'), IP_B, String(RECORDER), dir, String(CONNS), String(REQUESTS), MARKER],
    { env: { OTEL_SERVICE_NAME: 'load' }, stdin: true });
  execFileSync('javac', ['-d', dir, join(CHAIN_PROGRAMS, 'ChainJava.java')]);
  const java = inNs(NS_A, 'java', ['-cp', dir, 'ChainJava', String(JAVA), String(NODE), MARKER], { env: { OTEL_SERVICE_NAME: 'java', CHAIN_LISTEN: IP_A, CHAIN_NEXT_HOST: IP_B } });
  const node = inNs(NS_B, process.execPath, [join(CHAIN_PROGRAMS, 'chain-node.mjs'), String(NODE), String(PYTHON), MARKER], { env: { OTEL_SERVICE_NAME: 'node', CHAIN_LISTEN: IP_B, CHAIN_NEXT_HOST: IP_A } });
  const python = inNs(NS_A, 'python3', [join(CHAIN_PROGRAMS, 'chain_python.py'), String(PYTHON), MARKER], { env: { OTEL_SERVICE_NAME: 'python', CHAIN_LISTEN: IP_A } });
  await Promise.all([recorder, front, java, node, python].map((p) => waitOutput(p, 'listening')));

  collector = await startOtlpCollector({ grpcPort: OTLP_GRPC, httpPort: OTLP_HTTP });
  const file = join(dir, 'pipelines.yaml');
  writeFileSync(file, pipelinesYaml({
    instrument: `cmd_args: "*${MARKER}*"`,
    receivers: { kernel_socket: 'context_propagation: headers, max_pending_requests: 16384' },
    otlpHttp: OTLP_HTTP, prom: METRICS,
    pipelines: {
      traces: 'receivers: [kernel_socket], exporters: [otlp]',
      metrics: 'receivers: [kernel_socket], exporters: [prometheus]',
    },
  }));
  lumen = spawnLumen(['run', '-c', file]);
  await lumen.waitFor((r) => r.stderr.includes('lumen started'), 60_000);
  await waitForSum(METRICS, 'lumen_discovery_instrumented_processes', 6, () => `the six services were not instrumented: ${lumen!.stderr.slice(-2000)}`);

  // The chain: curl (not instrumented) → front (host A) → recorder (host B).
  execFileSync('ip', ['netns', 'exec', NS_A, 'curl', '-sf', '-o', '/dev/null', `http://${IP_A}:${FRONT}/chain/[1-${CHAIN}]`]);
  // The three-language chain across both hosts (curl not instrumented: Java's server spans are the roots).
  // Each answer's body (a 502's is the Java client's exception), then its status and URL.
  const answers = execFileSync('ip', ['netns', 'exec', NS_A, 'curl', '-s', '-w', '\\n%{http_code} %{url}\\n', '--parallel', '--parallel-max', String(LANG_CONCURRENCY),
    `http://${IP_A}:${JAVA}/req/[1-${LANG_REQUESTS}]`], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const statuses = answers.split('\n').filter((l) => /^\d{3} http/.test(l));
  assert.equal(statuses.length, LANG_REQUESTS, answers.slice(-3000));
  assert.deepEqual(statuses.filter((l) => !l.startsWith('200 ')), [], `three-language requests that failed:\n${answers.split('\n').filter((l) => l && !l.startsWith('python ') && !l.startsWith('200 ')).slice(0, 40).join('\n')}`);
  // The byte-for-byte load.
  load.child.stdin!.end('go\n');
  assert.equal(await load.exited(), 0, load.stderr());
  const { ports } = JSON.parse(load.stdout()) as { ports: number[] };

  const injected = new Set<string>();
  let own = 0;
  let requests = 0;
  for (const port of ports) {
    const bounds = JSON.parse(readFileSync(join(dir, `sent-${port}.json`), 'utf8')) as Array<[number, number]>;
    const r = compareConnection(readFileSync(join(dir, `sent-${port}.bin`)), bounds, readFileSync(join(dir, `recv-${port}.bin`)));
    for (const id of r.ids) injected.add(id);
    own += r.own;
    requests += bounds.length;
  }
  assert.equal(requests, REQUESTS);
  assert.equal(own, REQUESTS / 25, 'requests with their own traceparent were left alone');
  assert.equal(injected.size, REQUESTS - own, 'one distinct client span id per injected request');
  assert.ok(readdirSync(dir).filter((f) => f.startsWith('recv-')).length >= CONNS + 1);

  // OTLP: the spans carry the ids that went over the wire.
  const isChain = (s: ReceivedSpan) => String(s.attributes['url.path'] ?? '').includes('/chain/');
  const isLoad = (s: ReceivedSpan) => s.resource['service.name'] === 'load';
  const isLang = (s: ReceivedSpan) => String(s.attributes['url.path'] ?? '').startsWith('/req/');
  const wantSpans = CHAIN * 3 + REQUESTS + LANG_REQUESTS * LANG_CHAIN.length;
  let spans: ReceivedSpan[] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await collector.decoded();
    spans = collector.spans().filter((s) => isChain(s) || isLoad(s) || isLang(s));
    if (spans.length >= wantSpans) break;
    await sleep(500);
  }
  for (let i = 1; i <= CHAIN; i++) {
    const one = (svc: string, kind: number, path: string) => {
      const l = spans.filter((s) => s.resource['service.name'] === svc && s.kind === kind && s.attributes['url.path'] === path);
      assert.equal(l.length, 1, `${svc} ${kind === 2 ? 'server' : 'client'} span of ${path}`);
      return l[0]!;
    };
    const server = one('front', 2, `/chain/${i}`);
    const client = one('front', 3, `/down/chain/${i}`);
    const remote = one('recorder', 2, `/down/chain/${i}`);
    assert.equal(server.parentSpanId, '', 'curl sent no traceparent: the front span is a root');
    assert.equal(client.parentSpanId, server.spanId, 'the call is a child of the request its thread serves');
    assert.equal(remote.parentSpanId, client.spanId, 'host B continues from the injected header');
    assert.deepEqual([client.traceId, remote.traceId], [server.traceId, server.traceId], 'one trace across both hosts');
  }
  languageChain(t, spans.filter(isLang));
  const clientIds = new Set(spans.filter((s) => isLoad(s) && s.kind === 3).map((s) => `${s.traceId}-${s.spanId}`));
  const matched = [...injected].filter((id) => clientIds.has(id)).length;
  t.diagnostic(`${requests} requests on ${ports.length} connections, ${injected.size} headers injected, ${own} left alone; ${matched} injected ids equal a load client span's (${clientIds.size} client spans)`);
  assert.ok(matched >= injected.size * 0.99, `injected ids that are a client span's ids: ${matched}/${injected.size}`);

  const metrics = await scrapeLines(METRICS);
  const count = (result: string) => sumSamples(metrics, 'lumen_kernel_socket_propagation_total', `result="${result}"`);
  assert.ok(count('injected') >= injected.size + CHAIN, `lumen_kernel_socket_propagation_total{result="injected"} ${count('injected')}: ${metrics.filter((l) => l.includes('propagation')).join(' | ')}`);
  assert.ok(count('already_present') >= own);
  t.diagnostic(`propagation counters: injected ${count('injected')}, already_present ${count('already_present')}, no_room ${count('no_room')}, push_failed ${count('push_failed')}`);
  lumen.child.kill('SIGTERM');
  assert.equal(await lumen.exited, 0, lumen.stderr.slice(-2000));
});
