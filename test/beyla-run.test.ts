// Beyla/OBI configurations RUN (#12 items 1–2): a real `lumen run` (bin/lumen.js) instruments real servers on
// loopback from a Beyla file or from BEYLA_* / OTEL_* variables alone, and the spans and metrics the
// configuration asks for arrive on the Prometheus endpoint and at a test OTLP collector decoding the real
// protobuf. The translation itself (every key and variable) is beyla-config.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWatched, type CliRun } from './support/cli-process.js';
import { ROOT, ensureBuilt } from './support/built.js';
import { startOtlpCollector, type OtlpCollector } from './support/otlp-collector.js';
import { sleep, startProc, startServer, stopAllProcs, tempDir, waitForPort, type Server } from '../receivers/kernel_socket/test/support.js';

// Ports of this file: 20010–20069 (the beyla-config range is 20000–20199).
const DATA = join(ROOT, 'test', 'testdata', 'beyla');
ensureBuilt();
after(stopAllProcs);

/** `lumen run …` from the built package, in `cwd` (an empty directory: no pipelines.yaml to fall back on). */
async function lumen(args: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  const run = spawnWatched(process.execPath, [join(ROOT, 'bin', 'lumen.js'), 'run', ...args], { env, cwd });
  try {
    // Loading every receiver's probes takes seconds, tens of them when the whole suite loads the machine.
    await run.waitFor((r) => r.stderr.includes('lumen started'), 90_000);
  } catch (e) {
    run.child.kill('SIGKILL'); // a failed start must not leave an agent (and its ports) behind
    throw e;
  }
  return run;
}

async function stop(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  assert.equal(await run.exited, 0, run.stderr.slice(-2000));
}

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-beyla-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function get(port: number, path: string, method = 'GET'): Promise<void> {
  await fetch(`http://127.0.0.1:${port}${path}`, { method }).then((r) => r.arrayBuffer()).catch(() => undefined);
}

async function scrape(port: number, path = '/metrics'): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}${path}`)).text();
}

/** Sends `requests` until `done` holds (discovery picks a server up within a second or so). */
async function until(done: () => Promise<boolean> | boolean, requests: () => Promise<void>, what: string, tries = 160): Promise<void> {
  for (let i = 0; i < tries; i++) {
    await requests();
    await sleep(250);
    if (await done()) return;
  }
  assert.fail(`timed out waiting for ${what}`);
}

const series = (text: string, name: string, label: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes(label));

async function collector(http: number, grpc: number): Promise<OtlpCollector> {
  const c = await startOtlpCollector({ httpPort: http, grpcPort: grpc });
  after(() => c.stop());
  return c;
}

test('BEYLA_OPEN_PORT + BEYLA_PROMETHEUS_PORT + BEYLA_TRACE_PRINTER, no file, empty directory: RED metrics for that server and printed spans', { timeout: 240_000 }, async () => {
  const server: Server = await startServer('python', 20010);
  const run = await lumen([], { BEYLA_OPEN_PORT: '20010', BEYLA_PROMETHEUS_PORT: '20011', BEYLA_TRACE_PRINTER: 'text' }, emptyDir());
  try {
    const red = async () => series(await scrape(20011), 'http_server_request_duration_seconds_count', `service_name="${server.serviceName}"`);
    await until(async () => (await red()).some((l) => l.includes('http_response_status_code="200"')), () => get(20010, '/hello.txt'), 'RED metrics of the python server');
    assert.match(run.stdout, /HTTP 200 GET \/hello\.txt /, 'BEYLA_TRACE_PRINTER=text prints each request');
    assert.ok((await red()).every((l) => l.includes('server_port="20010"')), 'only the server on BEYLA_OPEN_PORT');
  } finally {
    await stop(run);
  }
});

test('OTEL_EXPORTER_OTLP_ENDPOINT + BEYLA_OPEN_PORT, no file: traces and metrics over OTLP (real protobuf)', { timeout: 240_000 }, async () => {
  const server = await startServer('node', 20012);
  const c = await collector(20013, 20014);
  const run = await lumen([], { OTEL_EXPORTER_OTLP_ENDPOINT: c.httpUrl, BEYLA_OPEN_PORT: '20012', BEYLA_METRICS_INTERVAL: '1s' }, emptyDir());
  try {
    await until(
      () => c.spans().some((s) => s.attributes['url.path'] === '/hello') && c.metrics().some((m) => m.name === 'http.server.request.duration' && m.resource['service.name'] === server.serviceName),
      () => get(20012, '/hello'), 'spans and metrics at the collector');
    const span = c.spans().find((s) => s.attributes['url.path'] === '/hello')!;
    assert.equal(span.resource['service.name'], server.serviceName);
    assert.equal(span.attributes['http.response.status_code'], 200);
    assert.ok(c.requests.every((r) => r.transport === 'http/protobuf'));
  } finally {
    await stop(run);
  }
});

test('BEYLA_CONFIG_PATH names a list-form file: two trace endpoints (http/protobuf and grpc) with their ${VAR} headers, OTLP metrics', { timeout: 240_000 }, async () => {
  const server = await startServer('node', 20015);
  const a = await collector(20016, 20017);
  const b = await collector(20018, 20019);
  const env = {
    BEYLA_CONFIG_PATH: join(DATA, 'list-exporters.yml'), SERVER_PORT: '20015', OTLP_A: a.httpUrl, OTLP_B: b.grpcUrl, TOKEN_A: 'token-a', TENANT: 'team-b',
  };
  const run = await lumen([], env, emptyDir());
  try {
    const traced = (c: OtlpCollector) => c.spans().some((s) => s.attributes['url.path'] === '/hello' && s.resource['service.name'] === server.serviceName);
    await until(() => traced(a) && traced(b) && a.metrics().some((m) => m.name === 'http.server.request.duration'), () => get(20015, '/hello'), 'both collectors');
    assert.ok(a.requests.filter((r) => r.signal === 'traces').every((r) => r.transport === 'http/protobuf' && r.headers['authorization'] === 'Bearer token-a'));
    assert.ok(a.requests.filter((r) => r.signal === 'metrics').every((r) => r.headers['authorization'] === 'Bearer token-a'));
    assert.ok(b.requests.length > 0 && b.requests.every((r) => r.transport === 'grpc' && r.signal === 'traces' && r.headers['x-scope-orgid'] === 'team-b'));
  } finally {
    await stop(run);
  }
});

test('-c port-and-executable.yml: the discovery name and namespace, printed spans, Prometheus path', { timeout: 240_000 }, async () => {
  // A python server that does not name itself, so the configuration's name applies.
  const dir = tempDir('beyla-py');
  startProc('python3', ['-m', 'http.server', '20020', '--bind', '127.0.0.1', '--directory', dir]);
  await waitForPort(20020);
  const run = await lumen(['-c', join(DATA, 'port-and-executable.yml')], { SERVER_PORT: '20020', PROM_PORT: '20021' }, emptyDir());
  try {
    const red = async () => series(await scrape(20021), 'http_server_request_duration_seconds_count', 'service_name="catalog"');
    await until(async () => (await red()).length > 0, () => get(20020, '/items/42'), 'catalog series');
    assert.ok((await red()).some((l) => l.includes('service_namespace="shop"') && l.includes('http_route="/items/{id}"')), (await red()).join('\n'));
    assert.match(run.stdout, /HTTP 404 GET \/items\/42 .*svc=\[catalog python\]/);
  } finally {
    await stop(run);
  }
});

test('-c network.yml: beyla_network_flow_bytes_total on loopback grouped by the configured CIDRs, next to RED metrics', { timeout: 240_000 }, async () => {
  const server = await startServer('node', 20022);
  const run = await lumen(['-c', join(DATA, 'network.yml')], { SERVER_PORT: '20022', PROM_PORT: '20023' }, emptyDir());
  try {
    // A Beyla configuration exports Beyla's names for Lumen's own families (metric_prefix: beyla).
    const flows = async () => (await scrape(20023)).split('\n').filter((l) => l.startsWith('beyla_network_flow_bytes_total{') && l.includes('src_cidr="127.0.0.0/8"'));
    await until(async () => (await flows()).length > 0, () => get(20022, '/hello'), 'beyla_network_flow_bytes_total with src_cidr', 80);
    assert.ok((await flows()).every((l) => !l.includes('src_address=')), 'allowed_attributes keeps addresses out');
    // RED series of a metrics-only configuration come from the kernel's series, read once a second (kernel_aggregation)
    await until(async () => series(await scrape(20023), 'http_server_request_duration_seconds_count', `service_name="${server.serviceName}"`).length > 0,
      () => get(20022, '/hello'), 'RED series next to the flows', 20);
  } finally {
    await stop(run);
  }
});

test('-c otel-shorthand.yml and -c sampling-filters.yml: the otel: endpoint gets both signals; filters and ignored routes drop spans', { timeout: 240_000 }, async () => {
  const server = await startServer('node', 20024);
  const c = await collector(20025, 20026);
  const shorthand = await lumen(['-c', join(DATA, 'otel-shorthand.yml')], { SERVER_PORT: '20024', OTLP_A: c.httpUrl }, emptyDir());
  try {
    await until(() => c.spans().some((s) => s.attributes['url.path'] === '/hello') && c.metrics().some((m) => m.resource['service.name'] === server.serviceName),
      () => get(20024, '/hello'), 'otel: shorthand export');
  } finally {
    await stop(shorthand);
  }
  const d = await collector(20027, 20028);
  const filtered = await lumen(['-c', join(DATA, 'sampling-filters.yml')], { SERVER_PORT: '20024', OTLP_A: d.httpUrl }, emptyDir());
  try {
    const paths = () => d.spans().map((s) => `${s.attributes['http.request.method']} ${s.attributes['url.path']}`);
    await until(() => paths().includes('GET /status/201'), async () => {
      await get(20024, '/healthz');
      await get(20024, '/internal/x');
      await get(20024, '/echo', 'POST');
      await get(20024, '/status/201');
    }, 'the kept span');
    await sleep(1500);
    // (A /hello of the first agent's traffic may still reach this one: only what this phase sends is checked.)
    const sent = [...new Set(paths())].filter((p) => p !== 'GET /hello');
    assert.deepEqual(sent, ['GET /status/201'], 'healthz (ignored route), /internal (not_match) and POST (match GET) are dropped');
    const printed = filtered.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { attributes?: Record<string, unknown> });
    assert.ok(printed.length > 0 && printed.every((s) => /\/status\/201|\/hello/.test(JSON.stringify(s))), 'trace_printer: json prints the same spans');
  } finally {
    await stop(filtered);
  }
});
